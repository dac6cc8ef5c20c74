package identity

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Stages of a session.
const (
	StageFull         = "full"          // signed in
	StageSecondFactor = "second_factor" // password checked; a second factor is due
	StageEnrol        = "enrol"         // password checked; an agent must first enrol a second factor
)

// Session is a signed-in browser. Its secret id lives only in the person's
// cookie and changes at every step of sign-in and every rise of level; the
// database keeps its hash. Ref is the session's stable public handle: in
// the list of sessions, and the sid of the OpenID provider, so services
// keep their place when the person signs in again in the same browser.
type Session struct {
	Ref       string
	AccountID string
	Stage     string
	ACR       string
	AMR       []string
	AuthTime  time.Time
	Device    string
	CreatedAt time.Time
	LastSeen  time.Time
	Expires   time.Time
	hash      string
}

// Client describes where a request comes from, for throttling and for the
// list of sessions (never logged).
type Client struct {
	Addr     string // remote address (host:port or host)
	Device   string // a short description, e.g. from the User-Agent
	Previous string // the browser's current session id, if any: a new sign-in of the same person continues it
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms) }

const sessionColumns = `id_hash, ref, account_id, stage, acr, amr, auth_time, device, created_at, last_seen_at, expires_at`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var se Session
	var amr string
	var auth, created, seen, expires int64
	if err := row.Scan(&se.hash, &se.Ref, &se.AccountID, &se.Stage, &se.ACR, &amr, &auth, &se.Device, &created, &seen, &expires); err != nil {
		return Session{}, err
	}
	json.Unmarshal([]byte(amr), &se.AMR)
	se.AuthTime, se.CreatedAt, se.LastSeen, se.Expires = msTime(auth), msTime(created), msTime(seen), msTime(expires)
	return se, nil
}

// openSession stores a new session in tx and returns its secret id; ref
// continues an earlier session of the same person ("" starts a new one).
func (s *Service) openSession(ctx context.Context, tx *database.Tx, a Account, stage, acr string, amr []string, authTime time.Time, device, ref string) (string, error) {
	id := secret()
	if ref == "" {
		ref = secret()[:32]
	}
	now := s.now()
	absolute := s.o.SessionAbsolute
	if a.Kind == Agent && absolute > AgentSessionAbsolute {
		absolute = AgentSessionAbsolute
	}
	if stage != StageFull {
		absolute = 15 * time.Minute // time to give the second factor
	}
	b, _ := json.Marshal(amr)
	_, err := tx.Exec(ctx, `INSERT INTO identity_sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		hashSecret(id), ref, a.ID, stage, acr, string(b), authTime.UnixMilli(), shortDevice(device),
		now.UnixMilli(), now.UnixMilli(), now.Add(absolute).UnixMilli())
	return id, err
}

func shortDevice(d string) string {
	d = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, d)
	if len(d) > 200 {
		d = d[:200]
	}
	return d
}

// lookup returns a live session of id in one of the stages, with its
// account; anything else is Unauthorized.
func (s *Service) lookup(ctx context.Context, id string, stages ...string) (Account, Session, error) {
	unauthorized := errs.E(errs.Unauthorized, "error.unauthorized")
	if id == "" || len(id) > 100 {
		return Account{}, Session{}, unauthorized
	}
	var a Account
	var se Session
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		if se, err = scanSession(tx.QueryRow(ctx, `SELECT `+sessionColumns+` FROM identity_sessions WHERE id_hash = ?`, hashSecret(id))); err != nil {
			return err
		}
		a, err = scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE id = ?`, se.AccountID))
		return err
	})
	if errs.Is(err, errs.NotFound) {
		return Account{}, Session{}, unauthorized
	}
	if err != nil {
		return Account{}, Session{}, err
	}
	now := s.now()
	if !now.Before(se.Expires) || now.Sub(se.LastSeen) >= s.o.SessionIdle {
		return Account{}, Session{}, errs.E(errs.Unauthorized, "identity.session_expired")
	}
	ok := false
	for _, st := range stages {
		ok = ok || se.Stage == st
	}
	if !ok {
		return Account{}, Session{}, unauthorized
	}
	if now.Sub(se.LastSeen) > time.Minute { // at most one write a minute per session
		s.db.Write(ctx, func(tx *database.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE identity_sessions SET last_seen_at = ? WHERE id_hash = ?`, now.UnixMilli(), se.hash)
			return err
		})
		se.LastSeen = now
	}
	return a, se, nil
}

// Session returns the account and session of a signed-in browser; a
// missing, expired, idle or unfinished session is Unauthorized.
func (s *Service) Session(ctx context.Context, id string) (Account, Session, error) {
	return s.lookup(ctx, id, StageFull)
}

// Pending returns a session whose second factor is due (or, for an agent,
// must first be enrolled).
func (s *Service) Pending(ctx context.Context, id string) (Account, Session, error) {
	return s.lookup(ctx, id, StageSecondFactor, StageEnrol)
}

// Sessions lists the account's live sessions, most recent first.
func (s *Service) Sessions(ctx context.Context, accountID string) ([]Session, error) {
	var out []Session
	now := s.now()
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+sessionColumns+` FROM identity_sessions
			WHERE account_id = ? AND stage = ? AND expires_at > ? AND last_seen_at > ? ORDER BY last_seen_at DESC`,
			accountID, StageFull, now.UnixMilli(), now.Add(-s.o.SessionIdle).UnixMilli())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			se, err := scanSession(rows)
			if err != nil {
				return err
			}
			out = append(out, se)
		}
		return rows.Err()
	})
	return out, err
}

// SessionEnded is told of every session that ends (the OpenID provider
// revokes what it issued under it and logs the person out of services).
type SessionEnded func(ctx context.Context, ref, accountID string)

// SignOut ends the session of the secret id (an unknown id is no error).
func (s *Service) SignOut(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	return s.endSessions(ctx, `id_hash = ?`, hashSecret(id))
}

// EndSession ends one of the account's sessions by its Ref (the list of
// sessions); another account's session is NotFound.
func (s *Service) EndSession(ctx context.Context, accountID, ref string) error {
	var n int
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM identity_sessions WHERE ref = ? AND account_id = ?`, ref, accountID).Scan(&n)
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.NotFound, "identity.no_such_session")
	}
	return s.endSessions(ctx, `ref = ? AND account_id = ?`, ref, accountID)
}

// endSessions deletes the sessions matching where, records it, and tells
// OnSessionEnded.
func (s *Service) endSessions(ctx context.Context, where string, args ...any) error {
	var ended []Session
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+sessionColumns+` FROM identity_sessions WHERE `+where, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			se, err := scanSession(rows)
			if err != nil {
				rows.Close()
				return err
			}
			ended = append(ended, se)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM identity_sessions WHERE `+where, args...); err != nil {
			return err
		}
		for _, se := range ended {
			if se.Stage == StageFull {
				if err := s.record(ctx, tx, se.AccountID, "identity.signed_out", se.AccountID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil && s.o.OnSessionEnded != nil {
		for _, se := range ended {
			s.o.OnSessionEnded(ctx, se.Ref, se.AccountID)
		}
	}
	return err
}

// PurgeSessions deletes the sessions past their absolute or idle timeout.
// Nobody is told: a browser that timed out is not a sign-out, and the
// services the person uses offline keep their grants (a sign-out, or a
// session the person ends, does end them).
func (s *Service) PurgeSessions(ctx context.Context) error {
	now := s.now()
	return s.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM identity_sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
			now.UnixMilli(), now.Add(-s.o.SessionIdle).UnixMilli())
		return err
	})
}
