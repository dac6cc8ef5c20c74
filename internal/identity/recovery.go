package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Recovery codes: ten single-use codes of 16 characters (80 bits) from an
// alphabet without look-alikes, shown once; the database keeps an HMAC of
// each (keyed with the seal key, so a stolen database alone cannot test
// guesses offline).
const (
	recoveryCount    = 10
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz" // Crockford's base32, lower case
)

func newRecoveryCode() string {
	var b [16]byte
	rand.Read(b[:])
	var out strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(recoveryAlphabet[int(x)%32])
	}
	return out.String()
}

// normRecovery reads a code as typed: case, dashes and spaces do not
// matter, nor Crockford's look-alikes (o→0, i/l→1).
func normRecovery(code string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		switch {
		case r == '-' || r == ' ':
		case r == 'o':
			b.WriteByte('0')
		case r == 'i' || r == 'l':
			b.WriteByte('1')
		case strings.ContainsRune(recoveryAlphabet, r):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	return b.String()
}

func (s *Service) recoveryHash(accountID, code string) string {
	m := hmac.New(sha256.New, s.seal.mac)
	m.Write([]byte(accountID + "\x00" + normRecovery(code)))
	return hex.EncodeToString(m.Sum(nil))
}

// newRecoveryCodes replaces the account's recovery codes in tx.
func (s *Service) newRecoveryCodes(ctx context.Context, tx *database.Tx, accountID string) ([]string, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM identity_recovery_codes WHERE account_id = ?`, accountID); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		if _, err := tx.Exec(ctx, `INSERT INTO identity_recovery_codes (account_id, code_hash) VALUES (?, ?)`,
			accountID, s.recoveryHash(accountID, codes[i])); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// RegenerateRecoveryCodes replaces the account's recovery codes (the old
// ones stop working) and returns the new ones, to show once; the current
// password is asked.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, se Session, password string) ([]string, error) {
	a, err := s.confirmPassword(ctx, se.AccountID, password)
	if err != nil {
		return nil, err
	}
	var codes []string
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		var f Factors
		if err := factorsTx(ctx, tx, a.ID, &f); err != nil {
			return err
		}
		if !f.Any() {
			return errs.E(errs.Conflict, "identity.recovery_needs_factor")
		}
		if codes, err = s.newRecoveryCodes(ctx, tx, a.ID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a.ID, "identity.recovery_codes_replaced", a.ID); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.recovery_codes_replaced", To: a.Email, Lang: a.Locale})
	})
	return codes, err
}

// useRecoveryCode consumes one unused recovery code; the person is told by
// e-mail (someone else using it is how they would learn of a theft).
func (s *Service) useRecoveryCode(ctx context.Context, a Account, code string) (bool, error) {
	if len(normRecovery(code)) != 16 {
		return false, nil
	}
	var ok bool
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE identity_recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? AND used_at IS NULL`,
			s.now().UnixMilli(), a.ID, s.recoveryHash(a.ID, code))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if ok = n == 1; !ok {
			return nil
		}
		if err := s.record(ctx, tx, a.ID, "identity.recovery_code_used", a.ID); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.recovery_code_used", To: a.Email, Lang: a.Locale})
	})
	return ok, err
}
