package web

// The agents' inbox of conversations the assistant handed over: the
// transcript and the slots already filled, a reply box whose messages the
// citizen sees in the same chat, and a button to hand the conversation
// back to the assistant.

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

type inboxItem struct {
	URL, Summary, Status, Since, Lang string
}

func (s *Site) agentInbox(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if _, ok := s.requireStaff(w, r, l); !ok {
		return
	}
	waiting, err := s.assistant.Inbox(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var items []inboxItem
	for _, c := range waiting {
		items = append(items, inboxItem{URL: s.pageURL("agent_conversation", l, c.ID, nil), Summary: c.Summary,
			Status: i18n.T(l, "inbox.status."+c.Status), Since: l.Time(c.Since.In(s.zone())), Lang: c.Lang})
	}
	s.render(w, r, http.StatusOK, l, "agent_inbox", i18n.T(l, "inbox.title"), items)
}

type slotLine struct{ Name, Value string }

type conversationView struct {
	ID, ReplyAction, BackAction, InboxURL, Done, Error string
	Messages                                           []dialogue.Message
	Slots                                              []slotLine
}

func (s *Site) conversationView(r *http.Request, l i18n.Lang, id string) (conversationView, error) {
	msgs, status, err := s.assistant.Transcript(r.Context(), id)
	if err != nil {
		return conversationView{}, err
	}
	if status == dialogue.StatusBot {
		return conversationView{}, errs.E(errs.NotFound, "assistant.not_found")
	}
	base := s.pageURL("agent_conversation", l, id, nil)
	v := conversationView{ID: id, Messages: msgs, ReplyAction: base, BackAction: base + i18n.T(l, "inbox.path.back"),
		InboxURL: s.pageURL("agent_inbox", l, "", nil), Done: r.URL.Query().Get("done")}
	waiting, _ := s.assistant.Inbox(r.Context())
	for _, c := range waiting {
		if c.ID == id {
			for k, val := range c.Slots {
				v.Slots = append(v.Slots, slotLine{Name: i18n.T(l, "inbox.slot."+k), Value: val})
			}
		}
	}
	sort.Slice(v.Slots, func(i, j int) bool { return v.Slots[i].Name < v.Slots[j].Name })
	return v, nil
}

func (s *Site) agentConversation(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if _, ok := s.requireStaff(w, r, l); !ok {
		return
	}
	v, err := s.conversationView(r, l, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "agent_conversation", i18n.T(l, "inbox.conversation_title"), v)
}

func (s *Site) agentReplyAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if _, ok := s.requireStaff(w, r, l); !ok {
		return
	}
	id := r.PathValue("id")
	if err := s.assistant.AgentReply(r.Context(), id, r.PostFormValue("text")); err != nil {
		e := errs.As(err)
		if e.Code != errs.Invalid {
			s.Error(w, r, err)
			return
		}
		v, verr := s.conversationView(r, l, id)
		if verr != nil {
			s.Error(w, r, verr)
			return
		}
		v.Error = httpx.Message(l, e)
		s.render(w, r, http.StatusUnprocessableEntity, l, "agent_conversation", i18n.T(l, "inbox.conversation_title"), v)
		return
	}
	http.Redirect(w, r, s.pageURL("agent_conversation", l, id, url.Values{"done": {"sent"}}), http.StatusSeeOther)
}

func (s *Site) agentHandBackAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if _, ok := s.requireStaff(w, r, l); !ok {
		return
	}
	if err := s.assistant.HandBack(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, s.pageURL("agent_inbox", l, "", nil), http.StatusSeeOther)
}
