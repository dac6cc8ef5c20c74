package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Passkeys and security keys (WebAuthn) as a second factor: registered
// from the account page, used after the password. The browser's ceremony
// needs JavaScript; everything else works without it.

// RP is the relying party a ceremony runs for: the site's host name and
// origin as the browser sees them.
type RP struct {
	ID     string // e.g. guichet.quebec.ca, or localhost
	Origin string // e.g. https://guichet.quebec.ca
}

// Passkey is a registered credential, as its owner sees it.
type Passkey struct {
	ID       string
	Name     string
	Added    time.Time
	LastUsed time.Time // zero: never used to sign in
}

const ceremonyTTL = 5 * time.Minute

func (s *Service) relyingParty(rp RP) (*webauthn.WebAuthn, error) {
	return webauthn.New(&webauthn.Config{RPID: rp.ID, RPDisplayName: Issuer, RPOrigins: []string{rp.Origin},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL},
		}})
}

// webUser is an account as WebAuthn sees it.
type webUser struct {
	a     Account
	creds []webauthn.Credential
}

func (u webUser) WebAuthnID() []byte                         { return []byte(u.a.ID) }
func (u webUser) WebAuthnName() string                       { return u.a.Email }
func (u webUser) WebAuthnDisplayName() string                { return u.a.Name() }
func (u webUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func (s *Service) webUser(ctx context.Context, tx *database.Tx, a Account) (webUser, error) {
	u := webUser{a: a}
	rows, err := tx.Query(ctx, `SELECT credential FROM identity_passkeys WHERE account_id = ? ORDER BY created_at`, a.ID)
	if err != nil {
		return u, err
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return u, err
		}
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return u, err
		}
		u.creds = append(u.creds, c)
	}
	return u, rows.Err()
}

// saveCeremony keeps the challenge of a ceremony for the session.
func (s *Service) saveCeremony(ctx context.Context, tx *database.Tx, sessionHash, kind string, data *webauthn.SessionData) error {
	b, _ := json.Marshal(data)
	_, err := tx.Exec(ctx, `INSERT INTO identity_ceremonies (session_hash, kind, data, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (session_hash, kind) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
		sessionHash, kind, string(b), s.now().Add(ceremonyTTL).UnixMilli())
	return err
}

// takeCeremony removes and returns the ceremony of the session (a
// challenge answers once).
func (s *Service) takeCeremony(ctx context.Context, tx *database.Tx, sessionHash, kind string) (webauthn.SessionData, error) {
	var raw string
	err := tx.QueryRow(ctx, `DELETE FROM identity_ceremonies WHERE session_hash = ? AND kind = ? AND expires_at > ? RETURNING data`,
		sessionHash, kind, s.now().UnixMilli()).Scan(&raw)
	if errs.Is(err, errs.NotFound) {
		return webauthn.SessionData{}, errs.E(errs.Invalid, "identity.passkey_expired")
	}
	var d webauthn.SessionData
	if err == nil {
		err = json.Unmarshal([]byte(raw), &d)
	}
	return d, err
}

// BeginPasskey starts registering a passkey for the signed-in person (or an
// agent enrolling at sign-in) and returns the options for the browser's
// navigator.credentials.create, as JSON.
func (s *Service) BeginPasskey(ctx context.Context, sessionID string, rp RP) ([]byte, error) {
	a, se, err := s.lookup(ctx, sessionID, StageFull, StageEnrol)
	if err != nil {
		return nil, err
	}
	w, err := s.relyingParty(rp)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "identity.passkey_unavailable")
	}
	var out []byte
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		u, err := s.webUser(ctx, tx, a)
		if err != nil {
			return err
		}
		var exclude []protocol.CredentialDescriptor
		for i := range u.creds {
			exclude = append(exclude, u.creds[i].Descriptor())
		}
		creation, data, err := w.BeginRegistration(u, webauthn.WithExclusions(exclude),
			webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
			webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
				ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationPreferred}))
		if err != nil {
			return err
		}
		if out, err = json.Marshal(creation); err != nil {
			return err
		}
		return s.saveCeremony(ctx, tx, se.hash, "register", data)
	})
	return out, err
}

// FinishPasskey checks the browser's answer and adds the passkey under
// name; the person is told by e-mail, and the session becomes a
// multi-factor one (a new id: the key just proved itself).
func (s *Service) FinishPasskey(ctx context.Context, sessionID string, rp RP, name, password string, response []byte, c Client) (SignedIn, error) {
	a, se, err := s.lookup(ctx, sessionID, StageFull, StageEnrol)
	if err != nil {
		return SignedIn{}, err
	}
	if se.Stage == StageFull { // as for an authenticator app: the password too
		if _, err := s.confirmPassword(ctx, a.ID, password); err != nil {
			return SignedIn{}, err
		}
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 60 || strings.ContainsAny(name, "<>\r\n\t") {
		return SignedIn{}, errs.E(errs.Invalid, "identity.passkey_name").OnField("name")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return SignedIn{}, errs.Wrap(err, errs.Invalid, "identity.passkey_failed")
	}
	w, err := s.relyingParty(rp)
	if err != nil {
		return SignedIn{}, errs.Wrap(err, errs.Invalid, "identity.passkey_unavailable")
	}
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		data, err := s.takeCeremony(ctx, tx, se.hash, "register")
		if err != nil {
			return err
		}
		u, err := s.webUser(ctx, tx, a)
		if err != nil {
			return err
		}
		cred, err := w.CreateCredential(u, data, parsed)
		if err != nil {
			return errs.Wrap(err, errs.Invalid, "identity.passkey_failed")
		}
		raw, _ := json.Marshal(cred)
		now := s.now().UnixMilli()
		if _, err := tx.Exec(ctx, `INSERT INTO identity_passkeys (id, account_id, name, credential, created_at) VALUES (?, ?, ?, ?, ?)`,
			base64.RawURLEncoding.EncodeToString(cred.ID), a.ID, name, string(raw), now); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.E(errs.Conflict, "identity.passkey_exists")
			}
			return err
		}
		// No recovery codes here: the browser's answer cannot show them; the
		// account page offers them once a factor exists.
		if err := s.record(ctx, tx, a.ID, "identity.factor_added.passkey", a.ID); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.factor_added", To: a.Email, Lang: a.Locale, Vars: []any{"passkey"}})
	})
	if err != nil {
		return SignedIn{}, err
	}
	return s.elevate(ctx, a, se, "hwk", c)
}

// BeginPasskeyLogin starts the second step of a sign-in with a passkey and
// returns the options for navigator.credentials.get, as JSON.
func (s *Service) BeginPasskeyLogin(ctx context.Context, pendingID string, rp RP) ([]byte, error) {
	a, pending, err := s.lookup(ctx, pendingID, StageSecondFactor)
	if err != nil {
		return nil, err
	}
	w, err := s.relyingParty(rp)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "identity.passkey_unavailable")
	}
	var out []byte
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		u, err := s.webUser(ctx, tx, a)
		if err != nil {
			return err
		}
		if len(u.creds) == 0 {
			return errs.E(errs.Invalid, "identity.passkey_none")
		}
		assertion, data, err := w.BeginLogin(u, webauthn.WithUserVerification(protocol.VerificationPreferred))
		if err != nil {
			return err
		}
		if out, err = json.Marshal(assertion); err != nil {
			return err
		}
		return s.saveCeremony(ctx, tx, pending.hash, "login", data)
	})
	return out, err
}

// FinishPasskeyLogin checks the signed challenge and finishes the sign-in.
// A signature counter that went backwards (a cloned key) is refused.
func (s *Service) FinishPasskeyLogin(ctx context.Context, pendingID string, rp RP, response []byte, c Client) (SignedIn, error) {
	a, pending, err := s.lookup(ctx, pendingID, StageSecondFactor)
	if err != nil {
		return SignedIn{}, err
	}
	if err := s.take(ctx, limitSecond, a.ID); err != nil {
		return SignedIn{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return SignedIn{}, errs.Wrap(err, errs.Invalid, "identity.passkey_failed")
	}
	w, err := s.relyingParty(rp)
	if err != nil {
		return SignedIn{}, errs.Wrap(err, errs.Invalid, "identity.passkey_unavailable")
	}
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		data, err := s.takeCeremony(ctx, tx, pending.hash, "login")
		if err != nil {
			return err
		}
		u, err := s.webUser(ctx, tx, a)
		if err != nil {
			return err
		}
		cred, err := w.ValidateLogin(u, data, parsed)
		if err != nil {
			return errs.Wrap(err, errs.Invalid, "identity.passkey_failed")
		}
		if cred.Authenticator.CloneWarning {
			return errs.E(errs.Invalid, "identity.passkey_cloned")
		}
		raw, _ := json.Marshal(cred)
		_, err = tx.Exec(ctx, `UPDATE identity_passkeys SET credential = ?, last_used_at = ? WHERE id = ? AND account_id = ?`,
			string(raw), s.now().UnixMilli(), base64.RawURLEncoding.EncodeToString(cred.ID), a.ID)
		return err
	})
	if err != nil {
		s.db.Write(ctx, func(tx *database.Tx) error { return s.recordFailure(ctx, tx, a.ID, "passkey") })
		return SignedIn{}, err
	}
	s.forgive(ctx, limitSecond, a.ID)
	return s.elevate(ctx, a, pending, "hwk", c)
}

// Passkeys lists the account's passkeys.
func (s *Service) Passkeys(ctx context.Context, accountID string) ([]Passkey, error) {
	var out []Passkey
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, created_at, last_used_at FROM identity_passkeys WHERE account_id = ? ORDER BY created_at`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p Passkey
			var added, used int64
			if err := rows.Scan(&p.ID, &p.Name, &added, &used); err != nil {
				return err
			}
			p.Added = msTime(added)
			if used > 0 {
				p.LastUsed = msTime(used)
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// RemovePasskey removes one of the account's passkeys, with the current
// password; the person is told by e-mail. An agent keeps a second factor.
func (s *Service) RemovePasskey(ctx context.Context, se Session, id, password string) error {
	a, err := s.confirmPassword(ctx, se.AccountID, password)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *database.Tx) error {
		var f Factors
		if err := factorsTx(ctx, tx, a.ID, &f); err != nil {
			return err
		}
		if a.Kind == Agent && !f.TOTP && f.Passkeys <= 1 {
			return errs.E(errs.Conflict, "identity.agent_needs_factor")
		}
		res, err := tx.Exec(ctx, `DELETE FROM identity_passkeys WHERE id = ? AND account_id = ?`, id, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.NotFound, "identity.passkey_none")
		}
		if err := s.record(ctx, tx, a.ID, "identity.factor_removed.passkey", a.ID); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.factor_removed", To: a.Email, Lang: a.Locale, Vars: []any{"passkey"}})
	})
}
