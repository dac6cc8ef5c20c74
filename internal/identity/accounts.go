package identity

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

const accountColumns = `id, kind, email, email_verified_at, given_name, family_name, locale,
	identity_verified_at, organization_id, points, roles, created_at`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var verified, identity *int64
	var points, roles string
	var created int64
	if err := row.Scan(&a.ID, &a.Kind, &a.Email, &verified, &a.GivenName, &a.FamilyName, &a.Locale,
		&identity, &a.OrganizationID, &points, &roles, &created); err != nil {
		return Account{}, err
	}
	a.EmailVerified, a.IdentityVerified = verified != nil, identity != nil
	json.Unmarshal([]byte(points), &a.Points)
	json.Unmarshal([]byte(roles), &a.Roles)
	a.CreatedAt = msTime(created)
	return a, nil
}

// newAccountID returns a random, opaque account id.
func newAccountID() string {
	var b [15]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
}

// Account returns an account by id (errs.NotFound when there is none).
func (s *Service) Account(ctx context.Context, id string) (Account, error) {
	var a Account
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		a, err = scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE id = ?`, id))
		return err
	})
	return a, err
}

// AccountByEmail returns an account by e-mail address.
func (s *Service) AccountByEmail(ctx context.Context, email string) (Account, error) {
	var a Account
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		a, err = scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE email = ?`, normEmail(email)))
		return err
	})
	return a, err
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func checkEmail(e string) error {
	if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e || len(e) > 254 {
		return errs.E(errs.Invalid, "identity.bad_email").OnField("email")
	}
	return nil
}

func checkName(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return errs.E(errs.Invalid, "identity.name_required").OnField(field)
	}
	if utf8.RuneCountInString(v) > 100 || strings.ContainsAny(v, "<>\r\n\t") {
		return errs.E(errs.Invalid, "identity.bad_name").OnField(field)
	}
	return nil
}

// SignUp is what a citizen gives to open an account.
type SignUp struct {
	Email, GivenName, FamilyName, Password, Locale string
	Addr                                           string // the client's address, for throttling
}

// SignUp opens a citizen account and sends the link that verifies the
// address. When the address already has an account, nothing is created,
// the owner of the address is told by e-mail, and the answer is the same:
// nobody learns from this form whether an address has an account.
// Invalid fields come back together (Problems).
func (s *Service) SignUp(ctx context.Context, in SignUp) error {
	in.Email = normEmail(in.Email)
	in.GivenName, in.FamilyName = strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
	if in.Locale != "en" {
		in.Locale = "fr"
	}
	var p Problems
	p.add(checkName("given_name", in.GivenName))
	p.add(checkName("family_name", in.FamilyName))
	p.add(checkEmail(in.Email))
	p.add(CheckPassword(in.Password, in.Email, in.GivenName, in.FamilyName))
	if len(p) > 0 {
		return p
	}
	if err := s.take(ctx, limitMailAddr, addressKey(in.Addr)); err != nil {
		return err
	}
	if err := s.take(ctx, limitMail, in.Email); err != nil {
		return err
	}
	hash := HashPassword(in.Password) // before the transaction: it takes ~45 ms
	return s.db.Write(ctx, func(tx *database.Tx) error {
		existing, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE email = ?`, in.Email))
		if err == nil {
			return s.mail(ctx, tx, Mail{Kind: "identity.already_registered", To: existing.Email, Lang: existing.Locale,
				Link: s.o.Link("/" + existing.Locale + signInPath[existing.Locale])})
		}
		if !errs.Is(err, errs.NotFound) {
			return err
		}
		id := newAccountID()
		now := s.now().UnixMilli()
		if _, err := tx.Exec(ctx, `INSERT INTO identity_accounts (id, kind, email, given_name, family_name, locale, password_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, Citizen, in.Email, in.GivenName, in.FamilyName, in.Locale, hash, now); err != nil {
			return err
		}
		if err := s.record(ctx, tx, id, "identity.account_created", id); err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, id, in.Email, in.Locale)
	})
}

// Paths of the pages that mails link to, per language (the web layer
// serves them; a test checks that they exist).
var (
	signInPath      = map[string]string{"fr": "/connexion", "en": "/sign-in"}
	verifyEmailPath = map[string]string{"fr": "/courriel/verifier", "en": "/email/verify"}
	resetPath       = map[string]string{"fr": "/mot-de-passe/nouveau", "en": "/password/new"}
	counterPath     = map[string]string{"fr": "/recuperation", "en": "/recovery"}
)

// PagePaths returns, per language, the paths (without the /fr or /en
// prefix) that this package's e-mails link to.
func PagePaths() map[string][]string {
	out := map[string][]string{}
	for _, l := range []string{"fr", "en"} {
		out[l] = []string{signInPath[l], verifyEmailPath[l], resetPath[l], counterPath[l]}
	}
	return out
}

func (s *Service) sendVerification(ctx context.Context, tx *database.Tx, id, email, locale string) error {
	t, err := s.newToken(ctx, tx, id, purposeVerifyEmail)
	if err != nil {
		return err
	}
	return s.mail(ctx, tx, Mail{Kind: "identity.verify_email", To: email, Lang: locale,
		Link: s.o.Link("/" + locale + verifyEmailPath[locale] + "?jeton=" + t)})
}

// ResendVerification sends a new verification link to an unverified
// account; for any other address it does nothing, with the same answer.
func (s *Service) ResendVerification(ctx context.Context, email, addr string) error {
	email = normEmail(email)
	if err := s.take(ctx, limitMailAddr, addressKey(addr)); err != nil {
		return err
	}
	if err := s.take(ctx, limitMail, email); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *database.Tx) error {
		a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE email = ?`, email))
		if errs.Is(err, errs.NotFound) || (err == nil && a.EmailVerified) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, a.ID, a.Email, a.Locale)
	})
}

// VerifyEmail follows a verification link.
func (s *Service) VerifyEmail(ctx context.Context, token string) (Account, error) {
	var a Account
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		id, err := s.useToken(ctx, tx, token, purposeVerifyEmail)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE identity_accounts SET email_verified_at = ? WHERE id = ? AND email_verified_at IS NULL`,
			s.now().UnixMilli(), id); err != nil {
			return err
		}
		if a, err = scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE id = ?`, id)); err != nil {
			return err
		}
		return s.record(ctx, tx, id, "identity.email_verified", id)
	})
	return a, err
}

// confirmPassword checks the current password of a signed-in person
// before a sensitive change (throttled per account).
func (s *Service) confirmPassword(ctx context.Context, accountID, password string) (Account, error) {
	a, hash, err := s.accountWithHash(ctx, accountID)
	if err != nil {
		return Account{}, err
	}
	if err := s.take(ctx, limitReauth, a.ID); err != nil {
		return Account{}, err
	}
	if !checkPassword(hash, password) {
		return Account{}, errs.E(errs.Invalid, "identity.current_password_wrong").OnField("current_password")
	}
	s.forgive(ctx, limitReauth, a.ID)
	return a, nil
}

// ChangePassword replaces the password of a signed-in person who gives the
// current one; the person's other sessions end.
func (s *Service) ChangePassword(ctx context.Context, sess Session, current, next string) error {
	a, err := s.confirmPassword(ctx, sess.AccountID, current)
	if err != nil {
		return err
	}
	if err := CheckPassword(next, a.Email, a.GivenName, a.FamilyName); err != nil {
		return err
	}
	newHash := HashPassword(next)
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE identity_accounts SET password_hash = ? WHERE id = ?`, newHash, a.ID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a.ID, "identity.password_changed", a.ID); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.password_changed", To: a.Email, Lang: a.Locale})
	})
	if err != nil {
		return err
	}
	// The other sessions end, and what they signed in to with them.
	return s.endSessions(ctx, `account_id = ? AND id_hash <> ?`, a.ID, sess.hash)
}

func (s *Service) accountWithHash(ctx context.Context, id string) (Account, string, error) {
	var a Account
	var hash string
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		if a, err = scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE id = ?`, id)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT password_hash FROM identity_accounts WHERE id = ?`, id).Scan(&hash)
	})
	return a, hash, err
}

// RequestReset sends a password-reset link to the address if it has an
// account; the answer is the same either way.
func (s *Service) RequestReset(ctx context.Context, email, addr string) error {
	email = normEmail(email)
	if err := checkEmail(email); err != nil {
		return err
	}
	if err := s.take(ctx, limitMailAddr, addressKey(addr)); err != nil {
		return err
	}
	if err := s.take(ctx, limitMail, email); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *database.Tx) error {
		a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE email = ?`, email))
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		t, err := s.newToken(ctx, tx, a.ID, purposeReset)
		if err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.reset_password", To: a.Email, Lang: a.Locale,
			Link: s.o.Link("/" + a.Locale + resetPath[a.Locale] + "?jeton=" + t)})
	})
}

// CheckResetToken tells whether a reset link still works (to show the
// form, or say at once that the link expired).
func (s *Service) CheckResetToken(ctx context.Context, token string) error {
	_, err := s.peekToken(ctx, token, purposeReset)
	return err
}

// ResetPassword sets a new password with a reset link. Every session of
// the account ends; its second factors stay (a reset by e-mail proves the
// address, not the factors): the next sign-in still asks for one. Following
// the link also proves the address.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	id, err := s.peekToken(ctx, token, purposeReset)
	if err != nil {
		return err
	}
	a, err := s.Account(ctx, id)
	if err != nil {
		return err
	}
	if err := CheckPassword(password, a.Email, a.GivenName, a.FamilyName); err != nil {
		return err
	}
	hash := HashPassword(password)
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		if _, err := s.useToken(ctx, tx, token, purposeReset); err != nil {
			return err
		}
		now := s.now().UnixMilli()
		if _, err := tx.Exec(ctx, `UPDATE identity_accounts SET password_hash = ?, email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?`,
			hash, now, id); err != nil {
			return err
		}
		if err := s.record(ctx, tx, id, "identity.password_reset", id); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.password_changed", To: a.Email, Lang: a.Locale})
	})
	if err != nil {
		return err
	}
	s.forgive(ctx, limitSignIn, a.Email)
	return s.endSessions(ctx, `account_id = ?`, id)
}

// record appends an audit entry in tx; actor and object are account ids,
// never personal data.
func (s *Service) record(ctx context.Context, tx *database.Tx, actor, action, object string) error {
	_, err := auditAppend(ctx, tx, "account:"+actor, action, "account:"+object)
	return err
}

func auditAppend(ctx context.Context, tx *database.Tx, actor, action, object string) (int64, error) {
	return audit.AppendTx(ctx, tx, audit.Entry{Actor: actor, Action: action, Object: object})
}

// Problems is several invalid fields at once, in the form's order; it
// unwraps to the first, so its code is errs.Invalid.
type Problems []*errs.Error

func (p Problems) Error() string { return p[0].Error() }
func (p Problems) Unwrap() error { return p[0] }

func (p *Problems) add(err error) {
	if err != nil {
		*p = append(*p, errs.As(err))
	}
}
