package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Purposes of single-use tokens, and how long each lives.
const (
	purposeVerifyEmail = "verify_email"
	purposeReset       = "reset_password"
	purposeCounter     = "counter_recovery"      // the code an agent hands over
	purposeCounterMail = "counter_recovery_mail" // the link mailed with it
	purposePresence    = "presence"              // the code a citizen shows an agent
)

var tokenTTL = map[string]time.Duration{
	purposeVerifyEmail: 48 * time.Hour,
	purposeReset:       time.Hour,
	purposeCounter:     24 * time.Hour,
	purposeCounterMail: 24 * time.Hour,
	purposePresence:    10 * time.Minute,
}

// secret returns 32 random bytes, base64url: a session id or a token.
func secret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// newToken stores a token for the account and returns its secret; the
// account's earlier tokens of the same purpose stop working.
func (s *Service) newToken(ctx context.Context, tx *database.Tx, accountID, purpose string) (string, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM identity_tokens WHERE account_id = ? AND purpose = ?`, accountID, purpose); err != nil {
		return "", err
	}
	t := secret()
	_, err := tx.Exec(ctx, `INSERT INTO identity_tokens (hash, account_id, purpose, expires_at) VALUES (?, ?, ?, ?)`,
		hashSecret(t), accountID, purpose, s.now().Add(tokenTTL[purpose]).UnixMilli())
	return t, err
}

// useToken consumes a token once and returns its account; an unknown,
// used or expired token is an errs.Invalid on "token".
func (s *Service) useToken(ctx context.Context, tx *database.Tx, token, purpose string) (string, error) {
	var account string
	err := tx.QueryRow(ctx, `UPDATE identity_tokens SET used_at = ?
		WHERE hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ? RETURNING account_id`,
		s.now().UnixMilli(), hashSecret(token), purpose, s.now().UnixMilli()).Scan(&account)
	if errs.Is(err, errs.NotFound) {
		return "", errs.E(errs.Invalid, "identity.token_invalid").OnField("token")
	}
	return account, err
}

// peekToken returns the account of a live token without using it.
func (s *Service) peekToken(ctx context.Context, token, purpose string) (string, error) {
	var account string
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT account_id FROM identity_tokens
			WHERE hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
			hashSecret(token), purpose, s.now().UnixMilli()).Scan(&account)
	})
	if errs.Is(err, errs.NotFound) {
		return "", errs.E(errs.Invalid, "identity.token_invalid").OnField("token")
	}
	return account, err
}

// randomInt is a uniform random number in [0, n).
func randomInt(n int64) int64 {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return v.Int64()
}
