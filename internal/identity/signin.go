package identity

import (
	"context"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// SignedIn is the outcome of a sign-in step: a new session (its secret id
// goes in a new cookie; the previous one, if any, must be dropped) at a
// stage.
type SignedIn struct {
	SessionID string
	Stage     string
	Account   Account
}

// Factors says which second factors an account has.
type Factors struct {
	TOTP          bool
	Passkeys      int
	RecoveryCodes int // unused ones
}

// Any tells whether the account has a second factor.
func (f Factors) Any() bool { return f.TOTP || f.Passkeys > 0 }

// Factors returns the account's second factors.
func (s *Service) Factors(ctx context.Context, accountID string) (Factors, error) {
	var f Factors
	err := s.db.Read(ctx, func(tx *database.Tx) error { return factorsTx(ctx, tx, accountID, &f) })
	return f, err
}

func factorsTx(ctx context.Context, tx *database.Tx, accountID string, f *Factors) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM identity_totp WHERE account_id = ? AND confirmed_at IS NOT NULL`, accountID).Scan(&n); err != nil {
		return err
	}
	f.TOTP = n > 0
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM identity_passkeys WHERE account_id = ?`, accountID).Scan(&f.Passkeys); err != nil {
		return err
	}
	return tx.QueryRow(ctx, `SELECT COUNT(*) FROM identity_recovery_codes WHERE account_id = ? AND used_at IS NULL`, accountID).Scan(&f.RecoveryCodes)
}

// level is the acr of a session authenticated with amr by this account.
func level(a Account, amr []string) string {
	multi := false
	for _, m := range amr {
		multi = multi || m == "otp" || m == "hwk" || m == "swk"
	}
	switch {
	case multi && a.IdentityVerified:
		return assurance.LoA3
	case multi:
		return assurance.LoA2
	}
	return assurance.LoA1
}

// SignIn checks an e-mail and password. Unknown accounts and wrong
// passwords get the same answer (Unauthorized) after the same work; tries
// are counted per account (keyed by the address typed, known or not) and,
// failures only, per client address, in the database, before the password
// is checked, so
// parallel attempts on any number of instances cannot exceed the limits.
// With a second factor (always, for agents) the session is only a step:
// SecondFactor, or EnrolTOTP for an agent who has none yet, finishes it.
func (s *Service) SignIn(ctx context.Context, email, password string, c Client) (SignedIn, error) {
	email = normEmail(email)
	if err := s.take(ctx, limitAddress, addressKey(c.Addr)); err != nil {
		return SignedIn{}, err
	}
	if err := s.take(ctx, limitSignIn, email); err != nil {
		s.db.Write(ctx, func(tx *database.Tx) error { return s.recordFailure(ctx, tx, email, "throttled") })
		return SignedIn{}, err
	}
	a, hash, err := s.accountWithHashByEmail(ctx, email)
	refused := errs.E(errs.Unauthorized, "identity.bad_credentials")
	if errs.Is(err, errs.NotFound) {
		checkPassword(dummyHash, password)
		s.db.Write(ctx, func(tx *database.Tx) error { return s.recordFailure(ctx, tx, "", "unknown_account") })
		return SignedIn{}, refused
	}
	if err != nil {
		return SignedIn{}, err
	}
	if !checkPassword(hash, password) {
		s.db.Write(ctx, func(tx *database.Tx) error { return s.recordFailure(ctx, tx, a.ID, "password") })
		return SignedIn{}, refused
	}
	s.forgive(ctx, limitSignIn, email)
	s.giveBack(ctx, limitAddress, addressKey(c.Addr))
	if !a.EmailVerified {
		return SignedIn{}, errs.E(errs.Forbidden, "identity.email_unverified")
	}
	var out SignedIn
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		var f Factors
		if err := factorsTx(ctx, tx, a.ID, &f); err != nil {
			return err
		}
		stage := StageFull
		switch {
		case f.Any():
			stage = StageSecondFactor
		case a.Kind == Agent:
			stage = StageEnrol
		}
		amr := []string{"pwd"}
		ref, err := s.continued(ctx, tx, a, c.Previous)
		if err != nil {
			return err
		}
		id, err := s.openSession(ctx, tx, a, stage, level(a, amr), amr, s.now(), c.Device, ref)
		if err != nil {
			return err
		}
		out = SignedIn{SessionID: id, Stage: stage, Account: a}
		if stage == StageFull {
			return s.record(ctx, tx, a.ID, "identity.signed_in.loa1", a.ID)
		}
		return nil
	})
	return out, err
}

func (s *Service) recordFailure(ctx context.Context, tx *database.Tx, accountID, why string) error {
	actor := "account:" + accountID
	if accountID == "" {
		actor = "anonymous"
	}
	_, err := auditAppend(ctx, tx, actor, "identity.sign_in_failed."+why, "")
	return err
}

func (s *Service) accountWithHashByEmail(ctx context.Context, email string) (Account, string, error) {
	var id string
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM identity_accounts WHERE email = ?`, email).Scan(&id)
	})
	if err != nil {
		return Account{}, "", err
	}
	return s.accountWithHash(ctx, id)
}

// SecondFactor finishes a sign-in with a TOTP code or a recovery code. The
// pending session is replaced by a new one (new id) at the level the
// factors give.
func (s *Service) SecondFactor(ctx context.Context, pendingID, code string, c Client) (SignedIn, error) {
	a, pending, err := s.lookup(ctx, pendingID, StageSecondFactor)
	if err != nil {
		return SignedIn{}, err
	}
	if err := s.take(ctx, limitSecond, a.ID); err != nil {
		return SignedIn{}, err
	}
	method, err := s.checkCode(ctx, a, code)
	if err != nil {
		s.db.Write(ctx, func(tx *database.Tx) error { return s.recordFailure(ctx, tx, a.ID, "second_factor") })
		return SignedIn{}, err
	}
	s.forgive(ctx, limitSecond, a.ID)
	return s.elevate(ctx, a, pending, method, c)
}

// continued returns the ref of the browser's previous session (secret id
// prev) when it is the same person's, and removes that session without
// telling anyone: the new one continues it, and the services it signed the
// person in to keep their place. Another person's session is the caller's
// to end (SignOut).
func (s *Service) continued(ctx context.Context, tx *database.Tx, a Account, prev string) (string, error) {
	if prev == "" {
		return "", nil
	}
	var ref string
	err := tx.QueryRow(ctx, `DELETE FROM identity_sessions WHERE id_hash = ? AND account_id = ? RETURNING ref`, hashSecret(prev), a.ID).Scan(&ref)
	if errs.Is(err, errs.NotFound) {
		return "", nil
	}
	return ref, err
}

// elevate replaces a session by a full one whose amr adds method, with a
// new secret id; the session continues (same ref), and so does the time
// of its authentication: a factor added does not make a sign-in fresh.
func (s *Service) elevate(ctx context.Context, a Account, old Session, method string, c Client) (SignedIn, error) {
	amr := append([]string{}, old.AMR...)
	if method != "" {
		amr = append(amr, method)
	}
	acr := level(a, amr)
	var out SignedIn
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM identity_sessions WHERE id_hash = ?`, old.hash); err != nil {
			return err
		}
		device := c.Device
		if device == "" {
			device = old.Device
		}
		id, err := s.openSession(ctx, tx, a, StageFull, acr, amr, old.AuthTime, device, old.Ref)
		if err != nil {
			return err
		}
		out = SignedIn{SessionID: id, Stage: StageFull, Account: a}
		return s.record(ctx, tx, a.ID, "identity.signed_in.loa"+acr[len(acr)-1:], a.ID)
	})
	return out, err
}

// checkCode accepts a current TOTP code (once) or an unused recovery code,
// and names the method for amr.
func (s *Service) checkCode(ctx context.Context, a Account, code string) (string, error) {
	wrong := errs.E(errs.Invalid, "identity.code_wrong").OnField("code")
	if c := digitsOnly(code); len(c) == totpDigits {
		ok, err := s.useTOTP(ctx, a.ID, c)
		if err != nil {
			return "", err
		}
		if ok {
			return "otp", nil
		}
		return "", wrong
	}
	ok, err := s.useRecoveryCode(ctx, a, code)
	if err != nil {
		return "", err
	}
	if ok {
		return "otp", nil
	}
	return "", wrong
}
