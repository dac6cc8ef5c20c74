package dialogue

import (
	"context"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// Waiting is a conversation handed over to people, for the agents' inbox.
type Waiting struct {
	ID      string
	Lang    string
	Status  string
	Since   time.Time
	Summary string            // the last message of the person
	Slots   map[string]string // what the assistant had already filled
}

// Inbox lists the conversations waiting for, or held by, an agent, oldest first.
func (e *Engine) Inbox(ctx context.Context) ([]Waiting, error) {
	var out []Waiting
	err := e.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, lang, status, state, updated_at FROM assistant_conversations
			WHERE status IN ('waiting_agent', 'agent') AND expires_at > ? ORDER BY updated_at LIMIT 100`, e.now().UnixMilli())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var w Waiting
			var doc string
			var at int64
			if err := rows.Scan(&w.ID, &w.Lang, &w.Status, &doc, &at); err != nil {
				return err
			}
			w.Since = time.UnixMilli(at)
			var st State
			if err := jsonUnmarshal(doc, &st); err == nil {
				w.Slots = st.slots()
			}
			out = append(out, w)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		msgs, _, err := e.Transcript(ctx, out[i].ID)
		if err != nil {
			continue
		}
		for j := len(msgs) - 1; j >= 0; j-- {
			if msgs[j].Role == "user" {
				out[i].Summary = msgs[j].Text
				break
			}
		}
	}
	return out, nil
}

// slots are the filled slots, for the agent: the entities gathered, and
// what the booking already has (point, time, name, e-mail).
func (st State) slots() map[string]string {
	m := st.slotEntities()
	for k, v := range map[string]string{"point": st.Point, "start": st.Start, "name": st.Name, "email": st.Email} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// AgentReply adds an agent's message to a conversation handed over (the
// conversation is then held by an agent).
func (e *Engine) AgentReply(ctx context.Context, id, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return errs.E(errs.Invalid, "assistant.empty").OnField("text")
	}
	if len(text) > MaxText {
		return errs.E(errs.Invalid, "assistant.too_long", MaxText).OnField("text")
	}
	return e.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE assistant_conversations SET status = 'agent', updated_at = ?
			WHERE id = ? AND status IN ('waiting_agent', 'agent')`, e.now().UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.NotFound, "assistant.not_found")
		}
		return e.appendMessages(ctx, tx, id, Message{Role: "agent", Text: text})
	})
}

// HandBack returns a conversation to the assistant.
func (e *Engine) HandBack(ctx context.Context, id string) error {
	return e.db.Write(ctx, func(tx *database.Tx) error {
		var lang string
		if err := tx.QueryRow(ctx, `SELECT lang FROM assistant_conversations WHERE id = ? AND status IN ('waiting_agent', 'agent')`, id).Scan(&lang); err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.NotFound, "assistant.not_found")
			}
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE assistant_conversations SET status = 'bot', updated_at = ? WHERE id = ?`, e.now().UnixMilli(), id); err != nil {
			return err
		}
		return e.appendMessages(ctx, tx, id, Message{Role: "assistant", Text: i18n.T(i18n.Lang(lang), "assistant.back")})
	})
}

// HandOver passes a conversation to people without a message from the
// person (the agent at a counter, or the demonstration data).
func (e *Engine) HandOver(ctx context.Context, id string) error {
	return e.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE assistant_conversations SET status = 'waiting_agent', updated_at = ? WHERE id = ?`, e.now().UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.NotFound, "assistant.not_found")
		}
		return nil
	})
}
