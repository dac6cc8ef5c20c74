package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/guichet-qc/guichet/internal/audit"
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
	if s.o.PointOrganization != nil {
		for _, pt := range in.Points {
			if org, ok := s.o.PointOrganization(pt); !ok || org != in.OrganizationID {
				p.add(errs.E(errs.Invalid, "identity.point_not_in_organization", pt).OnField("points"))
				break
			}
		}
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

// CounterCheck is what an agent records on checking a citizen's identity
// in person: the kind of document seen (never its number) and, to verify
// the identity of an account, the presence code the citizen shows from it.
type CounterCheck struct {
	Email    string // the citizen's account
	Evidence string // the kind of document, e.g. "passport"
	Presence string // the code the signed-in citizen shows (VerifyIdentity)
}

// counterAgent checks that agent may act at a counter: an agent who works
// at a service point, within a rate that no honest counter reaches.
func (s *Service) counterAgent(ctx context.Context, agent Account, c *CounterCheck) error {
	if agent.Kind != Agent || len(agent.Points) == 0 {
		return errs.E(errs.Forbidden, "identity.counter_not_allowed")
	}
	c.Evidence = strings.TrimSpace(c.Evidence)
	if c.Evidence == "" || len(c.Evidence) > 100 {
		return errs.E(errs.Invalid, "identity.evidence_required").OnField("evidence")
	}
	return s.take(ctx, limitCounter, agent.ID)
}

func (s *Service) citizenByEmail(ctx context.Context, tx *database.Tx, email string) (Account, error) {
	a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE email = ? AND kind = ?`, normEmail(email), Citizen))
	if errs.Is(err, errs.NotFound) {
		return Account{}, errs.E(errs.NotFound, "identity.no_such_citizen").OnField("email")
	}
	return a, err
}

// PresenceCode gives a signed-in citizen a code to show an agent at a
// counter (8 digits, 10 minutes, once): it proves that the person in front
// of the agent holds the account, so an agent cannot raise the level of an
// account whose owner is not there.
func (s *Service) PresenceCode(ctx context.Context, se Session) (string, error) {
	code := fmt.Sprintf("%08d", randomInt(100_000_000))
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM identity_tokens WHERE account_id = ? AND purpose = ?`, se.AccountID, purposePresence); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO identity_tokens (hash, account_id, purpose, expires_at) VALUES (?, ?, ?, ?)`,
			hashSecret(se.AccountID+":"+code), se.AccountID, purposePresence, s.now().Add(tokenTTL[purposePresence]).UnixMilli())
		return err
	})
	return code, err
}

// VerifyIdentity records that agent checked, at a counter, the identity of
// the citizen who showed the presence code of their account: the account
// reaches the highest level once it has a second factor. The audit entry
// names the agent and the kind of document.
func (s *Service) VerifyIdentity(ctx context.Context, agent Account, c CounterCheck) (Account, error) {
	if err := s.counterAgent(ctx, agent, &c); err != nil {
		return Account{}, err
	}
	var a Account
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		var err error
		if a, err = s.citizenByEmail(ctx, tx, c.Email); err != nil {
			return err
		}
		if _, err := s.useToken(ctx, tx, a.ID+":"+digitsOnly(c.Presence), purposePresence); err != nil {
			return errs.E(errs.Invalid, "identity.presence_wrong").OnField("presence")
		}
		if err := s.markVerified(ctx, tx, a.ID, agent.ID); err != nil {
			return err
		}
		a.IdentityVerified = true
		_, err = audit.AppendTx(ctx, tx, audit.Entry{Actor: "account:" + agent.ID, Organization: agent.OrganizationID,
			Action: "identity.identity_verified", Object: "account:" + a.ID, Purpose: "identity_verification:" + c.Evidence})
		return err
	})
	return a, err
}

func (s *Service) markVerified(ctx context.Context, tx *database.Tx, accountID, agentID string) error {
	now := s.now().UnixMilli()
	_, err := tx.Exec(ctx, `UPDATE identity_accounts SET identity_verified_at = ?, identity_verified_by = ?,
		email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?`, now, agentID, now, accountID)
	return err
}

// RecoverAtCounter starts the recovery of a citizen who lost their second
// factors, after the agent checked their identity in person: it returns a
// single-use code for the agent to hand over, and mails the account's
// address a link. Nothing changes on the account until the citizen uses
// both (UseCounterCode): an agent alone cannot take an account over, and a
// stranger at the counter without the mailbox gets nowhere.
func (s *Service) RecoverAtCounter(ctx context.Context, agent Account, c CounterCheck) (Account, string, error) {
	if err := s.counterAgent(ctx, agent, &c); err != nil {
		return Account{}, "", err
	}
	var a Account
	code := newRecoveryCode()
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		var err error
		if a, err = s.citizenByEmail(ctx, tx, c.Email); err != nil {
			return err
		}
		for _, purpose := range []string{purposeCounter, purposeCounterMail} {
			if _, err := tx.Exec(ctx, `DELETE FROM identity_tokens WHERE account_id = ? AND purpose = ?`, a.ID, purpose); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO identity_tokens (hash, account_id, purpose, expires_at, issued_by) VALUES (?, ?, ?, ?, ?)`,
			hashSecret(normRecovery(code)), a.ID, purposeCounter, s.now().Add(tokenTTL[purposeCounter]).UnixMilli(), agent.ID); err != nil {
			return err
		}
		link, err := s.newToken(ctx, tx, a.ID, purposeCounterMail)
		if err != nil {
			return err
		}
		if _, err := audit.AppendTx(ctx, tx, audit.Entry{Actor: "account:" + agent.ID, Organization: agent.OrganizationID,
			Action: "identity.counter_recovery_started", Object: "account:" + a.ID, Purpose: "identity_verification:" + c.Evidence}); err != nil {
			return err
		}
		return s.mail(ctx, tx, Mail{Kind: "identity.recovered_at_counter", To: a.Email, Lang: a.Locale,
			Link: s.o.Link("/" + a.Locale + counterPath[a.Locale] + "?jeton=" + link)})
	})
	if err != nil {
		return Account{}, "", err
	}
	return a, code, nil
}

// CheckCounterLink tells whether the mailed link of a counter recovery
// still works.
func (s *Service) CheckCounterLink(ctx context.Context, token string) error {
	_, err := s.peekToken(ctx, token, purposeCounterMail)
	return err
}

// UseCounterCode finishes a counter recovery with the mailed link (token),
// the code the agent handed over and a new password: the old factors,
// recovery codes and sessions go, the identity counts as verified by that
// agent, and a session opens at the password level (the next factor
// brings the account back to its level).
func (s *Service) UseCounterCode(ctx context.Context, token, code, password string, c Client) (SignedIn, error) {
	if err := s.take(ctx, limitAddress, addressKey(c.Addr)); err != nil {
		return SignedIn{}, err
	}
	id, err := s.peekToken(ctx, token, purposeCounterMail)
	if err != nil {
		return SignedIn{}, err
	}
	if err := s.take(ctx, limitRecovery, id); err != nil {
		return SignedIn{}, err
	}
	wrong := errs.E(errs.Invalid, "identity.counter_code_wrong").OnField("code")
	a, err := s.Account(ctx, id)
	if err != nil {
		return SignedIn{}, err
	}
	if owner, err := s.peekToken(ctx, normRecovery(code), purposeCounter); err != nil || owner != a.ID {
		return SignedIn{}, wrong
	}
	if err := CheckPassword(password, a.Email, a.GivenName, a.FamilyName); err != nil {
		return SignedIn{}, err
	}
	hash := HashPassword(password)
	var out SignedIn
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		var agentID string
		if err := tx.QueryRow(ctx, `UPDATE identity_tokens SET used_at = ? WHERE hash = ? AND purpose = ? AND account_id = ? AND used_at IS NULL AND expires_at > ? RETURNING issued_by`,
			s.now().UnixMilli(), hashSecret(normRecovery(code)), purposeCounter, a.ID, s.now().UnixMilli()).Scan(&agentID); err != nil {
			return wrong
		}
		if _, err := s.useToken(ctx, tx, token, purposeCounterMail); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM identity_totp WHERE account_id = ?`, `DELETE FROM identity_passkeys WHERE account_id = ?`,
			`DELETE FROM identity_recovery_codes WHERE account_id = ?`} {
			if _, err := tx.Exec(ctx, q, a.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE identity_accounts SET password_hash = ? WHERE id = ?`, hash, a.ID); err != nil {
			return err
		}
		if err := s.markVerified(ctx, tx, a.ID, agentID); err != nil {
			return err
		}
		a.IdentityVerified = true
		return s.record(ctx, tx, a.ID, "identity.recovered_at_counter", a.ID)
	})
	if err != nil {
		return SignedIn{}, err
	}
	s.forgive(ctx, limitRecovery, a.ID)
	// The old sessions end (and what they signed in to); then the new one.
	if err := s.endSessions(ctx, `account_id = ?`, a.ID); err != nil {
		return SignedIn{}, err
	}
	err = s.db.Write(ctx, func(tx *database.Tx) error {
		amr := []string{"pwd"}
		sid, err := s.openSession(ctx, tx, a, StageFull, level(a, amr), amr, s.now(), c.Device, "")
		if err != nil {
			return err
		}
		out = SignedIn{SessionID: sid, Stage: StageFull, Account: a}
		return s.record(ctx, tx, a.ID, "identity.signed_in.loa1", a.ID)
	})
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
