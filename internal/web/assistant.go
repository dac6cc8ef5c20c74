package web

// The assistant's chat page. Without JavaScript it is an ordinary form: each
// message is posted, the answer is in the page that follows. The message
// list is a log region that screen readers announce.

import (
	"net/http"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

// chatCookie holds the id of the visitor's conversation.
const chatCookie = "guichet_chat"

type chatView struct {
	Messages    []dialogue.Message
	Choices     []dialogue.Choice // of the last assistant message
	Waiting     bool              // handed over to a person
	Action      string
	ResetAction string
	Error       string
	Text        string
}

func (s *Site) chatView(r *http.Request, l i18n.Lang) chatView {
	v := chatView{Action: s.pageURL("assistant", l, "", nil), ResetAction: s.pageURL("assistant", l, "", nil) + "/" + i18n.T(l, "chat.path.new")}
	ck, err := r.Cookie(chatCookie)
	if err != nil {
		return v
	}
	msgs, status, err := s.assistant.Transcript(r.Context(), ck.Value)
	if err != nil {
		return v
	}
	v.Messages = msgs
	v.Waiting = status != dialogue.StatusBot
	if n := len(msgs); n > 0 && msgs[n-1].Role != "user" {
		v.Choices = msgs[n-1].Choices
	}
	return v
}

func (s *Site) chat(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.render(w, r, http.StatusOK, l, "assistant", i18n.T(l, "chat.title"), s.chatView(r, l))
}

func (s *Site) chatAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	in := dialogue.Input{Text: r.PostFormValue("text"), Choice: r.PostFormValue("choice")}
	id := ""
	if ck, err := r.Cookie(chatCookie); err == nil {
		id = ck.Value
	}
	_, err := s.assistant.Send(r.Context(), id, in)
	if errs.Is(err, errs.NotFound) { // no conversation yet (or expired): start one
		name, email := s.chatCitizen(r)
		id, _, err = s.assistant.StartAs(r.Context(), string(l), name, email)
		if err == nil {
			http.SetCookie(w, &http.Cookie{Name: chatCookie, Value: id, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: 30 * 24 * 3600})
			_, err = s.assistant.Send(r.Context(), id, in)
		}
	}
	if err != nil {
		e := errs.As(err)
		if e.Code != errs.Invalid && e.Code != errs.Conflict {
			s.Error(w, r, err)
			return
		}
		v := s.chatView(r, l)
		v.Error, v.Text = httpx.Message(l, e), in.Text
		s.render(w, r, http.StatusUnprocessableEntity, l, "assistant", i18n.T(l, "chat.title"), v)
		return
	}
	http.Redirect(w, r, s.pageURL("assistant", l, "", nil)+"#last", http.StatusSeeOther)
}

// chatReset forgets the conversation (a new one starts with the next message).
func (s *Site) chatReset(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.endChat(w)
	http.Redirect(w, r, s.pageURL("assistant", l, "", nil), http.StatusSeeOther)
}

// chatCitizen is the signed-in citizen a new conversation acts for (their
// appointments, their requests): a live session of a citizen whose address
// is verified; anyone else talks anonymously.
func (s *Site) chatCitizen(r *http.Request) (name, email string) {
	if s.identity == nil {
		return "", ""
	}
	a, _, err := s.identity.Session(r.Context(), s.sessionID(r))
	if err != nil || a.Kind != identity.Citizen || !a.EmailVerified {
		return "", ""
	}
	return a.Name(), a.Email
}

// endChat forgets the browser's conversation (at sign-out: it may act for
// the person who signed out).
func (s *Site) endChat(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: chatCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
