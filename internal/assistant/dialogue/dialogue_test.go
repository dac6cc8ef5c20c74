package dialogue_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/catalog/demo"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// scripted understands exactly the sentences of the tests.
type scripted map[string]dialogue.Understanding

func (s scripted) Understand(text, hint string, _ time.Time) dialogue.Understanding {
	if u, ok := s[text]; ok {
		if u.Lang == "" {
			u.Lang = hint
		}
		return u
	}
	return dialogue.Understanding{Lang: hint, Intent: "out_of_scope", Confidence: 0.3, Entities: map[string]string{}}
}

func TestBookThenCancelThroughTheConversation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		if err := db.Write(ctx, func(tx *database.Tx) error { return demo.Install(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		cat, err := catalog.Open(ctx, db, quiet)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.FixedZone("EST", -5*3600))
		book := booking.New(db, cat, booking.NewTokens(make([]byte, 32)), booking.Options{Now: func() time.Time { return now }, Logger: quiet})
		defer book.Close()
		thursday := "2026-12-03"
		nlu := scripted{
			"ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?": {Intent: "book_appointment", Confidence: 0.97,
				Entities: map[string]string{"service": "ramq-carte-renouvellement", "municipality": "Laval", "date": thursday, "time": "14:00"}},
			"non, plutôt vendredi":            {Intent: "deny", Confidence: 0.9, Entities: map[string]string{"date": "2026-12-04"}},
			"Marie Tremblay":                  {Intent: "out_of_scope", Confidence: 0.4, Entities: map[string]string{}},
			"marie@exemple.qc.ca":             {Intent: "out_of_scope", Confidence: 0.4, Entities: map[string]string{}},
			"oui":                             {Intent: "affirm", Confidence: 0.99, Entities: map[string]string{}},
			"je veux annuler mon rendez-vous": {Intent: "cancel_appointment", Confidence: 0.95, Entities: map[string]string{}},
			"je veux parler à quelqu’un":      {Intent: "human_agent", Confidence: 0.95, Entities: map[string]string{}},
		}
		e := dialogue.New(db, cat, book, nlu, dialogue.Options{Now: func() time.Time { return now }, Logger: quiet,
			ManageLink: func(lang, ref, token string) string {
				return "https://guichet.example/fr/rendez-vous/" + ref + "?token=" + token
			}})
		id, hello, err := e.Start(ctx, "fr")
		if err != nil || len(hello) != 1 {
			t.Fatal(err)
		}
		send := func(in dialogue.Input) dialogue.Reply {
			t.Helper()
			r, err := e.Send(ctx, id, in)
			if err != nil {
				t.Fatalf("%+v: %v", in, err)
			}
			return r
		}
		// The service point in Laval is chosen at once; its Thursday times are offered.
		r := send(dialogue.Input{Text: "ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?"})
		if len(r.Messages) == 0 || len(r.Messages[0].Choices) == 0 || !strings.Contains(plain(r.Messages[0].Choices[0].Label), "jeudi 3 décembre") {
			t.Fatalf("no Thursday slots: %+v", r.Messages)
		}
		r = send(dialogue.Input{Text: "non, plutôt vendredi"})
		if len(r.Messages[0].Choices) == 0 || !strings.Contains(plain(r.Messages[0].Choices[0].Label), "vendredi 4 décembre") {
			t.Fatalf("correction not taken: %+v", r.Messages)
		}
		r = send(dialogue.Input{Choice: r.Messages[0].Choices[1].ID})
		r = send(dialogue.Input{Text: "Marie Tremblay"})
		r = send(dialogue.Input{Text: "marie@exemple.qc.ca"})
		if len(r.Messages[0].Choices) != 2 || !strings.Contains(r.Messages[0].Text, "Marie Tremblay") {
			t.Fatalf("no confirmation: %+v", r.Messages)
		}
		r = send(dialogue.Input{Text: "oui"})
		if len(r.Events) != 1 || r.Events[0].Type != "appointment_booked" || !strings.HasPrefix(r.Events[0].Reference, "RV-") {
			t.Fatalf("not booked: %+v", r)
		}
		ref := r.Events[0].Reference
		link := r.Messages[0].Text[strings.Index(r.Messages[0].Text, "https://"):]
		// Cancel it from another conversation: reference, then the link,
		// then confirm.
		id, _, _ = e.Start(ctx, "fr")
		nlu["je veux annuler "+ref] = dialogue.Understanding{Intent: "cancel_appointment", Confidence: 0.95, Entities: map[string]string{"booking_ref": ref}}
		r = send(dialogue.Input{Text: "je veux annuler " + ref})
		if !strings.Contains(r.Messages[0].Text, "lien") {
			t.Fatalf("token not asked: %+v", r.Messages)
		}
		r = send(dialogue.Input{Text: link})
		if len(r.Messages[0].Choices) != 2 {
			t.Fatalf("cancellation not confirmed: %+v", r.Messages)
		}
		r = send(dialogue.Input{Text: "oui"})
		if len(r.Events) != 1 || r.Events[0].Type != "appointment_cancelled" || r.Events[0].Reference != ref {
			t.Fatalf("not cancelled: %+v", r)
		}
		r = send(dialogue.Input{Text: "je veux parler à quelqu’un"})
		if len(r.Events) != 1 || r.Events[0].Type != "handoff_requested" {
			t.Fatalf("no handoff: %+v", r)
		}
		msgs, status, err := e.Transcript(ctx, id)
		if err != nil || status != dialogue.StatusWaitingAgent || len(msgs) < 8 {
			t.Fatalf("transcript: %d messages, status %s, %v", len(msgs), status, err)
		}
	})
}

func TestTwoMisunderstandingsOfferAPerson(t *testing.T) {
	db := dbtest.Open(t, database.SQLite)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat, _ := catalog.Open(ctx, db, quiet)
	e := dialogue.New(db, cat, nil, scripted{}, dialogue.Options{Logger: quiet})
	id, _, _ := e.Start(ctx, "en")
	e.Send(ctx, id, dialogue.Input{Text: "blorp"})
	r, err := e.Send(ctx, id, dialogue.Input{Text: "glorp"})
	if err != nil || len(r.Messages[0].Choices) != 2 || !strings.Contains(r.Messages[0].Text, "person") {
		t.Fatalf("%+v %v", r, err)
	}
	r, _ = e.Send(ctx, id, dialogue.Input{Text: "1"})
	if len(r.Events) != 1 || r.Events[0].Type != "handoff_requested" {
		t.Fatalf("picking yes did not hand off: %+v", r)
	}
	if _, err := e.Send(ctx, "nope", dialogue.Input{Text: "x"}); err == nil {
		t.Fatal("unknown conversation accepted")
	}
}

// plain turns no-break spaces into spaces.
func plain(s string) string { return strings.ReplaceAll(s, "\u00a0", " ") }

func TestAgentTakesOverAndHandsBack(t *testing.T) {
	db := dbtest.Open(t, database.SQLite)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat, _ := catalog.Open(ctx, db, quiet)
	nlu := scripted{"a person please": {Intent: "human_agent", Confidence: 0.99, Entities: map[string]string{}},
		"thanks": {Intent: "thanks", Confidence: 0.99, Entities: map[string]string{}}}
	e := dialogue.New(db, cat, nil, nlu, dialogue.Options{Logger: quiet})
	id, _, _ := e.Start(ctx, "en")
	e.Send(ctx, id, dialogue.Input{Text: "a person please"})
	inbox, err := e.Inbox(ctx)
	if err != nil || len(inbox) != 1 || inbox[0].ID != id || inbox[0].Summary != "a person please" {
		t.Fatalf("inbox: %+v %v", inbox, err)
	}
	if err := e.AgentReply(ctx, id, "Hello, I am Julie from Services Québec."); err != nil {
		t.Fatal(err)
	}
	// While a person holds it, the assistant does not answer.
	r, err := e.Send(ctx, id, dialogue.Input{Text: "thanks"})
	if err != nil || len(r.Messages) != 0 {
		t.Fatalf("the assistant answered during the handoff: %+v %v", r, err)
	}
	msgs, status, _ := e.Transcript(ctx, id)
	if status != dialogue.StatusAgent || msgs[len(msgs)-2].Role != "agent" || msgs[len(msgs)-1].Text != "thanks" {
		t.Fatalf("transcript: %s %+v", status, msgs)
	}
	if err := e.HandBack(ctx, id); err != nil {
		t.Fatal(err)
	}
	r, _ = e.Send(ctx, id, dialogue.Input{Text: "thanks"})
	if len(r.Messages) != 1 {
		t.Fatalf("the assistant did not take the conversation back: %+v", r)
	}
	if inbox, _ := e.Inbox(ctx); len(inbox) != 0 {
		t.Fatalf("inbox after hand-back: %+v", inbox)
	}
}
