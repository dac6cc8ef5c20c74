package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// TOTP (RFC 6238): HMAC-SHA1, 6 digits, 30-second steps, the step before
// and after accepted for clock skew, each step usable once per account.
const (
	totpDigits = 6
	totpPeriod = 30
	totpSkew   = 1
	Issuer     = "Guichet"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPCode returns the code of secret (base32) at t.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := b32.DecodeString(strings.ToUpper(strings.ReplaceAll(secret, " ", "")))
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(t.Unix()/totpPeriod)), nil
}

func hotp(key []byte, counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return ""
		}
	}
	return b.String()
}

// TOTPEnrolment is a secret waiting for its first code.
type TOTPEnrolment struct {
	Secret string // base32, to type into the app
	URI    string // otpauth:// URI (for a QR code)
}

// BeginTOTP makes a new secret for the account (replacing one not yet
// confirmed); it works once ConfirmTOTP receives a code from it.
func (s *Service) BeginTOTP(ctx context.Context, a Account) (TOTPEnrolment, error) {
	key := make([]byte, 20)
	rand.Read(key)
	secret := b32.EncodeToString(key)
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		var confirmed *int64
		err := tx.QueryRow(ctx, `SELECT confirmed_at FROM identity_totp WHERE account_id = ?`, a.ID).Scan(&confirmed)
		if err == nil && confirmed != nil {
			return errs.E(errs.Conflict, "identity.totp_exists")
		}
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO identity_totp (account_id, secret, created_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0`,
			a.ID, s.seal.seal([]byte(secret), "totp:"+a.ID), s.now().UnixMilli())
		return err
	})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: secret, URI: totpURI(secret, a.Email)}, nil
}

// PendingTOTP returns the enrolment waiting for its first code, if any.
func (s *Service) PendingTOTP(ctx context.Context, a Account) (TOTPEnrolment, bool, error) {
	var sealed string
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT secret FROM identity_totp WHERE account_id = ? AND confirmed_at IS NULL`, a.ID).Scan(&sealed)
	})
	if errs.Is(err, errs.NotFound) {
		return TOTPEnrolment{}, false, nil
	}
	if err != nil {
		return TOTPEnrolment{}, false, err
	}
	secret, err := s.seal.open(sealed, "totp:"+a.ID)
	if err != nil {
		return TOTPEnrolment{}, false, err
	}
	return TOTPEnrolment{Secret: string(secret), URI: totpURI(string(secret), a.Email)}, true, nil
}

func totpURI(secret, email string) string {
	q := url.Values{"secret": {secret}, "issuer": {Issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + url.PathEscape(Issuer+":"+email) + "?" + q.Encode()
}

// ConfirmTOTP checks the first code of a pending secret and makes it the
// account's second factor; the person is told by e-mail. The session
// becomes a multi-factor one (a new id); for an agent enrolling at sign-in,
// it is then complete. The account's recovery codes are made on the first
// factor; they are returned once, to show. From a full session the current
// password is asked too (an agent enrolling at sign-in just gave it).
func (s *Service) ConfirmTOTP(ctx context.Context, sessionID, code, password string, c Client) (SignedIn, []string, error) {
	a, se, err := s.lookup(ctx, sessionID, StageFull, StageEnrol)
	if err != nil {
		return SignedIn{}, nil, err
	}
	if se.Stage == StageFull { // a session alone (a stolen cookie) may not add a factor
		if _, err := s.confirmPassword(ctx, a.ID, password); err != nil {
			return SignedIn{}, nil, err
		}
	}
	if err := s.take(ctx, limitSecond, a.ID); err != nil {
		return SignedIn{}, nil, err
	}
	pending, ok, err := s.PendingTOTP(ctx, a)
	if err != nil {
		return SignedIn{}, nil, err
	}
	if !ok {
		return SignedIn{}, nil, errs.E(errs.Invalid, "identity.totp_none").OnField("code")
	}
	c6 := digitsOnly(code)
	step, good := matchTOTP(pending.Secret, c6, s.now())
	if !good {
		return SignedIn{}, nil, errs.E(errs.Invalid, "identity.code_wrong").OnField("code")
	}
	s.forgive(ctx, limitSecond, a.ID)
	var codes []string
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE identity_totp SET confirmed_at = ?, last_step = ? WHERE account_id = ? AND confirmed_at IS NULL`,
			s.now().UnixMilli(), step, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "identity.totp_exists")
		}
		var f Factors
		if err := factorsTx(ctx, tx, a.ID, &f); err != nil {
			return err
		}
		if f.RecoveryCodes == 0 {
			if codes, err = s.newRecoveryCodes(ctx, tx, a.ID); err != nil {
				return err
			}
		}
		if err := s.record(ctx, tx, a.ID, "identity.factor_added.totp", a.ID); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.factor_added", To: a.Email, Lang: a.Locale, Vars: []any{"totp"}})
	})
	if err != nil {
		return SignedIn{}, nil, err
	}
	in, err := s.elevate(ctx, a, se, "otp", c)
	return in, codes, err
}

// matchTOTP finds the step, within the skew, whose code is code.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	if len(code) != totpDigits {
		return 0, false
	}
	key, err := b32.DecodeString(secret)
	if err != nil {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		if hmac.Equal([]byte(hotp(key, uint64(cur+d))), []byte(code)) {
			return cur + d, true
		}
	}
	return 0, false
}

// useTOTP accepts code once: the step it matches must be later than the
// last one used, which a conditional update then records (two requests
// with the same code cannot both pass).
func (s *Service) useTOTP(ctx context.Context, accountID, code string) (bool, error) {
	var sealed string
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT secret FROM identity_totp WHERE account_id = ? AND confirmed_at IS NOT NULL`, accountID).Scan(&sealed)
	})
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	secret, err := s.seal.open(sealed, "totp:"+accountID)
	if err != nil {
		return false, err
	}
	step, ok := matchTOTP(string(secret), code, s.now())
	if !ok {
		return false, nil
	}
	var n int64
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE identity_totp SET last_step = ? WHERE account_id = ? AND last_step < ?`, step, accountID, step)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// RemoveTOTP removes the account's authenticator app, with a fresh proof
// of identity (the current password); the person is told by e-mail. An
// agent keeps at least one second factor.
func (s *Service) RemoveTOTP(ctx context.Context, se Session, password string) error {
	a, err := s.confirmPassword(ctx, se.AccountID, password)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *database.Tx) error {
		var f Factors
		if err := factorsTx(ctx, tx, a.ID, &f); err != nil {
			return err
		}
		if a.Kind == Agent && f.Passkeys == 0 {
			return errs.E(errs.Conflict, "identity.agent_needs_factor")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM identity_totp WHERE account_id = ?`, a.ID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a.ID, "identity.factor_removed.totp", a.ID); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.factor_removed", To: a.Email, Lang: a.Locale, Vars: []any{"totp"}})
	})
}

// ProvisionTOTP gives an account a working authenticator secret without the
// enrolment ceremony, for accounts the platform's operator sets up (the
// demonstration agent); it returns the secret to hand over. People enrol
// with BeginTOTP and ConfirmTOTP.
func (s *Service) ProvisionTOTP(ctx context.Context, a Account) (string, error) {
	key := make([]byte, 20)
	rand.Read(key)
	secret := b32.EncodeToString(key)
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		now := s.now().UnixMilli()
		if _, err := tx.Exec(ctx, `INSERT INTO identity_totp (account_id, secret, confirmed_at, created_at) VALUES (?, ?, ?, ?)`,
			a.ID, s.seal.seal([]byte(secret), "totp:"+a.ID), now, now); err != nil {
			return err
		}
		_, err := auditAppend(ctx, tx, "platform-operator", "identity.factor_added.totp", "account:"+a.ID)
		return err
	})
	return secret, err
}
