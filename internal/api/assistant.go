package api

import (
	"net/http"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
)

type startRequest struct {
	Lang string `json:"lang,omitempty"`
}

type conversationJSON struct {
	ID       string             `json:"id"`
	Messages []dialogue.Message `json:"messages"`
}

func (a *API) startConversation(w http.ResponseWriter, r *http.Request) error {
	if a.assistant == nil {
		return errs.E(errs.NotFound, "error.not_found")
	}
	var in startRequest
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	lang := in.Lang
	if lang == "" {
		lang = string(Lang(r))
	}
	if lang != "fr" && lang != "en" {
		return errs.E(errs.Invalid, "api.bad_lang").OnField("lang")
	}
	id, msgs, err := a.assistant.Start(r.Context(), lang)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, conversationJSON{ID: id, Messages: msgs})
	return nil
}

type messageRequest struct {
	Text   string `json:"text,omitempty"`
	Choice string `json:"choice,omitempty"`
}

func (a *API) sendMessage(w http.ResponseWriter, r *http.Request) error {
	if a.assistant == nil {
		return errs.E(errs.NotFound, "error.not_found")
	}
	var in messageRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	reply, err := a.assistant.Send(r.Context(), r.PathValue("id"), dialogue.Input{Text: in.Text, Choice: in.Choice})
	if err != nil {
		return err
	}
	for i := range reply.Messages {
		if reply.Messages[i].Choices == nil {
			reply.Messages[i].Choices = []dialogue.Choice{}
		}
	}
	httpx.WriteJSON(w, http.StatusOK, reply)
	return nil
}
