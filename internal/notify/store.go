package notify

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// All the notify package's SQL is in this file. Times are Unix milliseconds.

const columns = `id, kind, recipient, lang, subject, body, calendar, calendar_method, ref,
	status, not_before_ms, attempts, last_error, created_ms, sent_ms`

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func insert(ctx context.Context, tx *database.Tx, m Message, now time.Time) (int64, error) {
	var cal any // NULL when there is no attachment
	if len(m.Calendar) > 0 {
		cal = m.Calendar
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO notify_outbox
		(kind, recipient, lang, subject, body, calendar, calendar_method, ref, status, not_before_ms, created_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id`,
		m.Kind, m.To, m.Lang, m.Subject, m.Text, cal, m.CalendarMethod, m.Ref,
		millis(m.NotBefore), now.UnixMilli()).Scan(&id)
	return id, err
}

func cancelPending(ctx context.Context, tx *database.Tx, ref, kind string) (int, error) {
	q := `UPDATE notify_outbox SET status = 'cancelled' WHERE ref = ? AND status = 'pending'`
	args := []any{ref}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, errs.Internalf("notify: rows affected: %w", err)
	}
	return int(n), nil
}

func scanMessages(rows *sql.Rows) ([]Message, error) {
	defer rows.Close()
	var list []Message
	for rows.Next() {
		var m Message
		var notBefore, created int64
		var sent sql.NullInt64
		if err := rows.Scan(&m.ID, &m.Kind, &m.To, &m.Lang, &m.Subject, &m.Text, &m.Calendar,
			&m.CalendarMethod, &m.Ref, &m.Status, &notBefore, &m.Attempts, &m.LastError,
			&created, &sent); err != nil {
			return nil, errs.Internalf("notify: read message: %w", err)
		}
		m.NotBefore = fromMillis(notBefore)
		m.CreatedAt = fromMillis(created)
		if sent.Valid {
			m.SentAt = fromMillis(sent.Int64)
		}
		list = append(list, m)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Internalf("notify: read messages: %w", err)
	}
	return list, nil
}

func query(ctx context.Context, tx *database.Tx, q string, args ...any) ([]Message, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanMessages(rows)
}

func get(ctx context.Context, tx *database.Tx, id int64) (Message, error) {
	list, err := query(ctx, tx, `SELECT `+columns+` FROM notify_outbox WHERE id = ?`, id)
	if err != nil {
		return Message{}, err
	}
	if len(list) == 0 {
		return Message{}, errs.E(errs.NotFound, "error.not_found")
	}
	return list[0], nil
}

func recent(ctx context.Context, tx *database.Tx, limit int) ([]Message, error) {
	return query(ctx, tx, `SELECT `+columns+` FROM notify_outbox ORDER BY id DESC LIMIT ?`, limit)
}

func byRef(ctx context.Context, tx *database.Tx, ref string) ([]Message, error) {
	return query(ctx, tx, `SELECT `+columns+` FROM notify_outbox WHERE ref = ? AND ref <> '' ORDER BY id`, ref)
}

// skipLocked makes concurrent claims on PostgreSQL pass over the rows that
// another worker is claiming; SQLite's single writer serializes claims.
func skipLocked(tx *database.Tx) string {
	if tx.Dialect() == database.Postgres {
		return ` FOR UPDATE SKIP LOCKED`
	}
	return ``
}

// expireLeases handles the messages whose worker died while sending: those
// with attempts left become pending again (due at once), the others failed.
func expireLeases(ctx context.Context, tx *database.Tx, now int64, maxAttempts int) error {
	if _, err := tx.Exec(ctx, `UPDATE notify_outbox SET status = 'failed', lease_until_ms = 0, last_error = ?
		WHERE id IN (SELECT id FROM notify_outbox
			WHERE status = 'sending' AND lease_until_ms <= ? AND attempts >= ?`+skipLocked(tx)+`)`,
		errLeaseExpired, now, maxAttempts); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE notify_outbox SET status = 'pending', lease_until_ms = 0
		WHERE id IN (SELECT id FROM notify_outbox
			WHERE status = 'sending' AND lease_until_ms <= ?`+skipLocked(tx)+`)`, now)
	return err
}

// errLeaseExpired is the last_error of a message given up because its
// worker stopped answering during the last attempt.
const errLeaseExpired = "lease expired during the last attempt (the sending process stopped)"

// claimDue leases up to limit due pending messages until leaseUntil,
// counting an attempt for each, and returns them in due order.
func claimDue(ctx context.Context, tx *database.Tx, now, leaseUntil int64, limit int) ([]Message, error) {
	list, err := query(ctx, tx, `UPDATE notify_outbox SET status = 'sending', lease_until_ms = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM notify_outbox
			WHERE status = 'pending' AND not_before_ms <= ?
			ORDER BY not_before_ms, id LIMIT ?`+skipLocked(tx)+`)
		RETURNING `+columns, leaseUntil, now, limit)
	if err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].NotBefore.Equal(list[j].NotBefore) {
			return list[i].NotBefore.Before(list[j].NotBefore)
		}
		return list[i].ID < list[j].ID
	})
	return list, nil
}

// The updates below apply only while the worker still holds the claim it
// made: status 'sending' with the attempt count it set. A worker whose lease
// expired and whose message was claimed again changes nothing.

func markSent(ctx context.Context, tx *database.Tx, m Message, now int64) (bool, error) {
	return fenced(ctx, tx, `UPDATE notify_outbox SET status = 'sent', sent_ms = ?, lease_until_ms = 0, last_error = ''
		WHERE id = ? AND status = 'sending' AND attempts = ?`, now, m.ID, m.Attempts)
}

func markRetry(ctx context.Context, tx *database.Tx, m Message, notBefore int64, lastError string) (bool, error) {
	return fenced(ctx, tx, `UPDATE notify_outbox SET status = 'pending', not_before_ms = ?, lease_until_ms = 0, last_error = ?
		WHERE id = ? AND status = 'sending' AND attempts = ?`, notBefore, lastError, m.ID, m.Attempts)
}

func markFailed(ctx context.Context, tx *database.Tx, m Message, lastError string) (bool, error) {
	return fenced(ctx, tx, `UPDATE notify_outbox SET status = 'failed', lease_until_ms = 0, last_error = ?
		WHERE id = ? AND status = 'sending' AND attempts = ?`, lastError, m.ID, m.Attempts)
}

// release gives back a claimed message that was not tried (the worker is
// stopping): pending again, its attempt not counted.
func release(ctx context.Context, tx *database.Tx, m Message) (bool, error) {
	return fenced(ctx, tx, `UPDATE notify_outbox SET status = 'pending', lease_until_ms = 0, attempts = attempts - 1
		WHERE id = ? AND status = 'sending' AND attempts = ?`, m.ID, m.Attempts)
}

func fenced(ctx context.Context, tx *database.Tx, q string, args ...any) (bool, error) {
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, errs.Internalf("notify: rows affected: %w", err)
	}
	return n == 1, nil
}
