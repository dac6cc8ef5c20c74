// Package staff is the interim sign-in of agents (counter and phone staff):
// accounts bound to an organization and its service points, Argon2id
// passwords, throttled sign-in that holds across instances, and sessions
// stored in the database. The identity capability will replace it with full
// accounts, roles and multi-factor authentication.
package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Account is a staff member.
type Account struct {
	ID             int64
	Email          string
	Name           string
	OrganizationID string
	Points         []string // the service points they work at
	Role           string   // "agent" (the identity capability adds the others)
}

// MayServe tells whether the account works at a service point.
func (a Account) MayServe(pointID string) bool { return slices.Contains(a.Points, pointID) }

// Throttling and session lifetimes.
const (
	MaxFailures     = 5
	LockFor         = 15 * time.Minute
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 10 * time.Hour
)

// Store holds accounts and sessions.
type Store struct {
	db  *database.DB
	now func() time.Time
}

// NewStore returns the store; now may be nil (time.Now).
func NewStore(db *database.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// Create adds an account with a password (at least 12 characters).
func (s *Store) Create(ctx context.Context, a Account, password string) (Account, error) {
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	if _, err := mail.ParseAddress(a.Email); err != nil {
		return a, errs.E(errs.Invalid, "staff.bad_email").OnField("email")
	}
	if len(password) < 12 {
		return a, errs.E(errs.Invalid, "staff.weak_password", 12).OnField("password")
	}
	if a.Role == "" {
		a.Role = "agent"
	}
	points, _ := json.Marshal(a.Points)
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO staff_accounts (email, name, organization_id, points, role, password_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.Email, a.Name, a.OrganizationID, string(points), a.Role,
			HashPassword(password), s.now().UnixMilli()).Scan(&a.ID)
	})
	if errs.Is(err, errs.Conflict) {
		return a, errs.E(errs.Conflict, "staff.exists").OnField("email")
	}
	return a, err
}

// SignIn checks an e-mail and password and opens a session, returning its
// secret id (for the cookie). Unknown accounts and wrong passwords get the
// same answer and cost the same time. Each attempt first reserves one of
// MaxFailures tries in the database (a conditional update), so that
// parallel attempts, on any instance, cannot test more than MaxFailures
// passwords before the account is locked for LockFor.
func (s *Store) SignIn(ctx context.Context, email, password string) (Account, string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var a Account
	var hash, points string
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT id, email, name, organization_id, points, role, password_hash
			FROM staff_accounts WHERE email = ?`, email).Scan(&a.ID, &a.Email, &a.Name, &a.OrganizationID, &points, &a.Role, &hash)
	})
	refused := errs.E(errs.Unauthorized, "staff.bad_credentials")
	if errs.Is(err, errs.NotFound) {
		checkPassword(dummyHash, password)
		return Account{}, "", refused
	}
	if err != nil {
		return Account{}, "", err
	}
	now := s.now().UnixMilli()
	reserved := false
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE staff_accounts SET failed_attempts = failed_attempts + 1
			WHERE id = ? AND failed_attempts < ? AND locked_until <= ?`, a.ID, MaxFailures, now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		reserved = n == 1
		return nil
	})
	if err != nil {
		return Account{}, "", err
	}
	if !reserved {
		checkPassword(dummyHash, password)
		return Account{}, "", errs.E(errs.TooMany, "staff.locked")
	}
	ok := checkPassword(hash, password)
	var id string
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		if !ok {
			// The try stays counted; the last one locks the account.
			_, err := tx.Exec(ctx, `UPDATE staff_accounts
				SET locked_until = CASE WHEN failed_attempts >= ? THEN ? ELSE locked_until END,
				    failed_attempts = CASE WHEN failed_attempts >= ? THEN 0 ELSE failed_attempts END
				WHERE id = ?`, MaxFailures, s.now().Add(LockFor).UnixMilli(), MaxFailures, a.ID)
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE staff_accounts SET failed_attempts = 0 WHERE id = ?`, a.ID); err != nil {
			return err
		}
		var secret [32]byte
		rand.Read(secret[:])
		id = base64.RawURLEncoding.EncodeToString(secret[:])
		_, err := tx.Exec(ctx, `INSERT INTO staff_sessions (id_hash, account_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			hashID(id), a.ID, now, now, s.now().Add(SessionAbsolute).UnixMilli())
		return err
	})
	if err != nil {
		return Account{}, "", err
	}
	if !ok {
		return Account{}, "", refused
	}
	json.Unmarshal([]byte(points), &a.Points)
	return a, id, nil
}

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// Session returns the account of a live session and extends its idle
// timeout; an expired, idle or unknown session is Unauthorized.
func (s *Store) Session(ctx context.Context, id string) (Account, error) {
	if id == "" {
		return Account{}, errs.E(errs.Unauthorized, "error.unauthorized")
	}
	now := s.now()
	var a Account
	var points string
	var seen, expires int64
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT a.id, a.email, a.name, a.organization_id, a.points, a.role, s.last_seen_at, s.expires_at
			FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id WHERE s.id_hash = ?`, hashID(id)).
			Scan(&a.ID, &a.Email, &a.Name, &a.OrganizationID, &points, &a.Role, &seen, &expires)
	})
	if errs.Is(err, errs.NotFound) || (err == nil && (now.UnixMilli() >= expires || now.Sub(time.UnixMilli(seen)) >= SessionIdle)) {
		return Account{}, errs.E(errs.Unauthorized, "error.unauthorized")
	}
	if err != nil {
		return Account{}, err
	}
	json.Unmarshal([]byte(points), &a.Points)
	if now.Sub(time.UnixMilli(seen)) > time.Minute { // refresh at most once a minute
		s.db.Write(ctx, func(tx *database.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE staff_sessions SET last_seen_at = ? WHERE id_hash = ?`, now.UnixMilli(), hashID(id))
			return err
		})
	}
	return a, nil
}

// SignOut ends a session.
func (s *Store) SignOut(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE id_hash = ?`, hashID(id))
		return err
	})
}
