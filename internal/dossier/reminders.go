package dossier

import (
	"context"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
)

// SendCardReminders enqueues one reminder per card that expires within the
// reminder lead (and has not expired), with the link to renew it online.
// A card is reminded once per expiry date: the conditional update that
// marks it makes concurrent runs (several instances) send it once. It
// returns how many reminders it enqueued.
func (s *Service) SendCardReminders(ctx context.Context) (int, error) {
	now := s.now().UTC()
	today := now.Format("2006-01-02")
	until := now.Add(s.o.ReminderLead).Format("2006-01-02")
	type due struct{ id, kind, expires, email, lang string }
	var list []due
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.id, c.kind, c.expires_on, a.email, a.locale FROM dossier_cards c
			JOIN identity_accounts a ON a.id = c.citizen_id
			WHERE c.expires_on >= ? AND c.expires_on <= ? AND c.reminded_for <> c.expires_on ORDER BY c.expires_on LIMIT 500`, today, until)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.kind, &d.expires, &d.email, &d.lang); err != nil {
				return err
			}
			list = append(list, d)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range list {
		err := s.db.Write(ctx, func(tx *database.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE dossier_cards SET reminded_for = expires_on WHERE id = ? AND expires_on = ? AND reminded_for <> expires_on`, d.id, d.expires)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another instance sent it
			}
			sent++
			return s.o.Mailer.Notify(ctx, tx, Notice{Kind: "dossier.card_reminder", To: d.email, Lang: d.lang,
				Args: []string{d.kind, d.expires, s.o.RenewLink(d.lang, d.kind)}})
		})
		if err != nil {
			return sent, err
		}
	}
	if sent > 0 {
		s.nudge()
	}
	return sent, nil
}

// RemindEvery runs SendCardReminders now and then every interval until ctx ends.
func (s *Service) RemindEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.SendCardReminders(ctx); err != nil && ctx.Err() == nil {
			s.o.Logger.Warn("dossier: card reminders failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
