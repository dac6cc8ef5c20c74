package identity

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// NewAgent describes an agent account to create.
type NewAgent struct {
	Email, GivenName, FamilyName string
	OrganizationID               string
	Points                       []string
	Roles                        []Role
	Locale                       string
}

// grantable returns the roles by may give in org (by nil: the platform's
// operator at the command line, who may give any).
func grantable(by *Account, org string) []Role {
	switch {
	case by == nil || by.Has(RolePlatformAdmin):
		return Roles
	case by.Has(RoleOrgAdmin) && by.OrganizationID == org:
		return []Role{RoleAgent, RoleSupervisor, RoleOrgAdmin, RolePrivacyOfficer}
	}
	return nil
}

// CreateAgent opens an agent account with a first password, to change; the
// agent enrols a second factor at the first sign-in. by is the
// administrator doing it (nil from the command line): a platform
// administrator may create any agent, an organization's administrator only
// agents of their organization, without platform roles; anyone else is
// Forbidden.
func (s *Service) CreateAgent(ctx context.Context, by *Account, in NewAgent, password string) (Account, error) {
	in.Email = normEmail(in.Email)
	if len(in.Roles) == 0 {
		in.Roles = []Role{RoleAgent}
	}
	allowed := grantable(by, in.OrganizationID)
	for _, r := range in.Roles {
		if !slices.Contains(Roles, r) {
			return Account{}, errs.E(errs.Invalid, "identity.bad_role", string(r)).OnField("roles")
		}
		if !slices.Contains(allowed, r) {
			return Account{}, errs.E(errs.Forbidden, "identity.may_not_grant")
		}
	}
	var p Problems
	p.add(checkEmail(in.Email))
	p.add(checkName("given_name", in.GivenName))
	if strings.TrimSpace(in.OrganizationID) == "" && !slices.Contains(in.Roles, RolePlatformAdmin) {
		p.add(errs.E(errs.Invalid, "identity.organization_required").OnField("organization"))
	}
	p.add(CheckPassword(password, in.Email, in.GivenName, in.FamilyName))
	if len(p) > 0 {
		return Account{}, p
	}
	if in.Locale != "en" {
		in.Locale = "fr"
	}
	points, _ := json.Marshal(append([]string{}, in.Points...))
	roles, _ := json.Marshal(in.Roles)
	hash := HashPassword(password)
	id := newAccountID()
	actor := "platform-operator"
	if by != nil {
		actor = "account:" + by.ID
	}
	var a Account
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		now := s.now().UnixMilli()
		if _, err := tx.Exec(ctx, `INSERT INTO identity_accounts (id, kind, email, email_verified_at, given_name, family_name, locale,
			organization_id, points, roles, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, Agent, in.Email, now, strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName), in.Locale,
			in.OrganizationID, string(points), string(roles), hash, now); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.E(errs.Conflict, "identity.email_taken").OnField("email")
			}
			return err
		}
		if _, err := auditAppend(ctx, tx, actor, "identity.agent_created", "account:"+id); err != nil {
			return err
		}
		var err error
		a, err = scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE id = ?`, id))
		return err
	})
	return a, err
}

// CounterCheck is what an agent records on verifying a citizen's identity
// in person: the kind of document seen (never its number).
type CounterCheck struct {
	Email    string // the citizen's account
	Evidence string // e.g. "permis de conduire", "passeport"
}

// VerifyIdentity records that agent checked, at a counter, the identity of
// the citizen owning the account: the account reaches the highest level
// once it has a second factor. The audit log names the agent.
func (s *Service) VerifyIdentity(ctx context.Context, agent Account, c CounterCheck) (Account, error) {
	return s.counter(ctx, agent, c)
}

// RecoverAtCounter restores the account of a citizen who lost their second
// factors, after the agent checked their identity in person: the old
// factors and sessions are removed, the identity is marked verified, and
// a single-use recovery code is returned for the agent to hand over. With
// it the citizen sets a new password (UseCounterCode) and enrols a new
// factor, which brings the account back to its level — no need to start
// over.
func (s *Service) RecoverAtCounter(ctx context.Context, agent Account, c CounterCheck) (Account, string, error) {
	var code string
	a, err := s.counterWith(ctx, agent, c, func(tx *database.Tx, a Account) error {
		for _, q := range []string{`DELETE FROM identity_totp WHERE account_id = ?`, `DELETE FROM identity_passkeys WHERE account_id = ?`,
			`DELETE FROM identity_recovery_codes WHERE account_id = ?`, `DELETE FROM identity_tokens WHERE account_id = ? AND purpose = '` + purposeCounter + `'`} {
			if _, err := tx.Exec(ctx, q, a.ID); err != nil {
				return err
			}
		}
		code = newRecoveryCode()
		if _, err := tx.Exec(ctx, `INSERT INTO identity_tokens (hash, account_id, purpose, expires_at) VALUES (?, ?, ?, ?)`,
			hashSecret(normRecovery(code)), a.ID, purposeCounter, s.now().Add(tokenTTL[purposeCounter]).UnixMilli()); err != nil {
			return err
		}
		if _, err := auditAppend(ctx, tx, "account:"+agent.ID, "identity.recovered_at_counter", "account:"+a.ID); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.recovered_at_counter", To: a.Email, Lang: a.Locale})
	})
	if err != nil {
		return Account{}, "", err
	}
	if err := s.endSessions(ctx, `account_id = ?`, a.ID); err != nil {
		return Account{}, "", err
	}
	return a, code, nil
}

func (s *Service) counter(ctx context.Context, agent Account, c CounterCheck) (Account, error) {
	return s.counterWith(ctx, agent, c, nil)
}

func (s *Service) counterWith(ctx context.Context, agent Account, c CounterCheck, more func(*database.Tx, Account) error) (Account, error) {
	if agent.Kind != Agent {
		return Account{}, errs.E(errs.Forbidden, "error.forbidden")
	}
	c.Evidence = strings.TrimSpace(c.Evidence)
	if c.Evidence == "" || len(c.Evidence) > 100 {
		return Account{}, errs.E(errs.Invalid, "identity.evidence_required").OnField("evidence")
	}
	var a Account
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		var err error
		a, err = scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE email = ? AND kind = ?`, normEmail(c.Email), Citizen))
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "identity.no_such_citizen").OnField("email")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE identity_accounts SET identity_verified_at = ?, identity_verified_by = ?,
			email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?`,
			s.now().UnixMilli(), agent.ID, s.now().UnixMilli(), a.ID); err != nil {
			return err
		}
		a.IdentityVerified = true
		if _, err := auditAppend(ctx, tx, "account:"+agent.ID, "identity.identity_verified", "account:"+a.ID); err != nil {
			return err
		}
		if more != nil {
			return more(tx, a)
		}
		return nil
	})
	return a, err
}

// UseCounterCode lets a citizen back in with the code an agent handed
// over: it sets a new password and opens a session (password level; the
// next factor enrolled restores the account's level).
func (s *Service) UseCounterCode(ctx context.Context, email, code, password string, c Client) (SignedIn, error) {
	email = normEmail(email)
	if err := s.take(ctx, limitAddress, addressKey(c.Addr)); err != nil {
		return SignedIn{}, err
	}
	if err := s.take(ctx, limitRecovery, email); err != nil {
		return SignedIn{}, err
	}
	wrong := errs.E(errs.Invalid, "identity.counter_code_wrong").OnField("code")
	a, err := s.AccountByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		return SignedIn{}, wrong
	}
	if err != nil {
		return SignedIn{}, err
	}
	id, err := s.peekToken(ctx, normRecovery(code), purposeCounter)
	if err != nil || id != a.ID {
		return SignedIn{}, wrong
	}
	if err := CheckPassword(password, a.Email, a.GivenName, a.FamilyName); err != nil {
		return SignedIn{}, err
	}
	hash := HashPassword(password)
	var out SignedIn
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		if _, err := s.useToken(ctx, tx, normRecovery(code), purposeCounter); err != nil {
			return wrong
		}
		if _, err := tx.Exec(ctx, `UPDATE identity_accounts SET password_hash = ? WHERE id = ?`, hash, a.ID); err != nil {
			return err
		}
		amr := []string{"pwd"}
		sid, err := s.openSession(ctx, tx, a, StageFull, level(a, amr), amr, s.now(), c.Device, "")
		if err != nil {
			return err
		}
		out = SignedIn{SessionID: sid, Stage: StageFull, Account: a}
		return s.record(ctx, tx, a.ID, "identity.signed_in.loa1", a.ID)
	})
	if err == nil {
		s.forgive(ctx, limitRecovery, email)
	}
	return out, err
}

// Agents lists an organization's agents, by name.
func (s *Service) Agents(ctx context.Context, orgID string) ([]Account, error) {
	var out []Account
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE kind = ? AND organization_id = ?
			ORDER BY given_name, family_name, email`, Agent, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAccount(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// Grantable lists the roles by may give to agents of org (none: by may not
// create agents there).
func Grantable(by Account, org string) []Role { return grantable(&by, org) }
