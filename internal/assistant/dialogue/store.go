package dialogue

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// conversation is a stored conversation.
type conversation struct {
	ID     string
	Status string
	State  State
}

func (e *Engine) create(ctx context.Context, tx *database.Tx, st State) (conversation, error) {
	c := conversation{ID: newID(), Status: StatusBot, State: st}
	doc, _ := json.Marshal(st)
	now := e.now()
	_, err := tx.Exec(ctx, `INSERT INTO assistant_conversations (id, lang, status, state, created_at, updated_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, st.Lang, c.Status, string(doc), now.UnixMilli(), now.UnixMilli(), now.Add(e.retention).UnixMilli())
	return c, err
}

// load reads a conversation and its version (the time of its last change).
func (e *Engine) load(ctx context.Context, tx *database.Tx, id string) (conversation, int64, error) {
	c := conversation{ID: id}
	var doc string
	var version int64
	err := tx.QueryRow(ctx, `SELECT status, state, updated_at FROM assistant_conversations WHERE id = ? AND expires_at > ?`,
		id, e.now().UnixMilli()).Scan(&c.Status, &doc, &version)
	if errs.Is(err, errs.NotFound) {
		return c, 0, errs.E(errs.NotFound, "assistant.not_found")
	}
	if err != nil {
		return c, 0, err
	}
	if err := json.Unmarshal([]byte(doc), &c.State); err != nil {
		return c, 0, errs.Internalf("conversation state: %w", err)
	}
	return c, version, nil
}

// saveIf writes the state if the conversation is still at version; two
// messages racing on one conversation cannot both win.
func (e *Engine) saveIf(ctx context.Context, tx *database.Tx, c conversation, version int64) error {
	doc, _ := json.Marshal(c.State)
	now := e.now().UnixMilli()
	if now <= version {
		now = version + 1
	}
	res, err := tx.Exec(ctx, `UPDATE assistant_conversations SET lang = ?, status = ?, state = ?, updated_at = ?, expires_at = ?
		WHERE id = ? AND updated_at = ?`, c.State.Lang, c.Status, string(doc), now, e.now().Add(e.retention).UnixMilli(), c.ID, version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "assistant.busy")
	}
	return nil
}

func (e *Engine) appendMessages(ctx context.Context, tx *database.Tx, id string, msgs ...Message) error {
	for _, m := range msgs {
		choices, _ := json.Marshal(m.Choices)
		if m.Choices == nil {
			choices = []byte("[]")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO assistant_messages (conversation_id, at, role, text, choices) VALUES (?, ?, ?, ?, ?)`,
			id, e.now().UnixMilli(), m.Role, m.Text, string(choices)); err != nil {
			return err
		}
	}
	return nil
}

// Transcript returns the messages of a conversation, oldest first, and its
// status.
func (e *Engine) Transcript(ctx context.Context, id string) ([]Message, string, error) {
	var out []Message
	var status string
	err := e.db.Read(ctx, func(tx *database.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT status FROM assistant_conversations WHERE id = ? AND expires_at > ?`, id, e.now().UnixMilli()).Scan(&status); err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.NotFound, "assistant.not_found")
			}
			return err
		}
		rows, err := tx.Query(ctx, `SELECT role, text, choices FROM assistant_messages WHERE conversation_id = ? ORDER BY id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m Message
			var choices string
			if err := rows.Scan(&m.Role, &m.Text, &choices); err != nil {
				return err
			}
			json.Unmarshal([]byte(choices), &m.Choices)
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, status, err
}

// Purge deletes the conversations past their retention time.
func (e *Engine) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := e.db.Write(ctx, func(tx *database.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM assistant_messages WHERE conversation_id IN
			(SELECT id FROM assistant_conversations WHERE expires_at <= ?)`, e.now().UnixMilli()); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM assistant_conversations WHERE expires_at <= ?`, e.now().UnixMilli())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

func jsonUnmarshal(doc string, v any) error { return json.Unmarshal([]byte(doc), v) }
