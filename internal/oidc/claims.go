package oidc

import (
	"context"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/text/language"

	"github.com/guichet-qc/guichet/internal/errs"
)

// scopeClaims are the claims each scope asks for (OpenID Connect Core
// 1.0, 5.4), as far as Guichet knows them: nothing is released for the
// address and phone scopes, whose data the platform does not hold.
var scopeClaims = map[string][]string{
	oidc.ScopeOpenID:  {"sub"},
	oidc.ScopeProfile: {"name", "given_name", "family_name", "locale"},
	oidc.ScopeEmail:   {"email", "email_verified"},
}

// claimsOf lists the claims asked for by scopes, in a stable order.
func claimsOf(scopes []string) []string {
	var out []string
	for _, s := range []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail} {
		if slices.Contains(scopes, s) {
			out = append(out, scopeClaims[s]...)
		}
	}
	return out
}

// supportedClaims is claims_supported in the discovery document.
var supportedClaims = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid",
	"at_hash", "c_hash", "azp", "name", "given_name", "family_name", "locale", "email", "email_verified"}

// subjectFor is the sub a client sees of an account: a keyed hash of the
// client's sector and the account for pairwise clients, so that services of
// different sectors cannot link their users; the account id for clients
// registered with public subjects.
func (p *Provider) subjectFor(cl Client, accountID string) string {
	if cl.SubjectType == SubjectPublic {
		return accountID
	}
	sector := cl.Sector
	if sector == "" {
		sector = "client:" + cl.ID
	}
	return keyedHash(p.pairwiseKey, "sub", sector, accountID)
}

// sidFor is the sid claim of an identity session: derived, so that the
// session's own id never leaves the platform.
func (p *Provider) sidFor(sessionID string) string {
	if sessionID == "" {
		return ""
	}
	return keyedHash(p.pairwiseKey, "sid", sessionID)[:32]
}

// fillClaims sets the person's claims the scopes ask for.
func (p *Provider) fillClaims(ctx context.Context, info *oidc.UserInfo, accountID string, scopes []string) error {
	wantProfile, wantEmail := slices.Contains(scopes, oidc.ScopeProfile), slices.Contains(scopes, oidc.ScopeEmail)
	if !wantProfile && !wantEmail {
		return nil
	}
	if p.o.People == nil {
		return oidc.ErrServerError().WithDescription("no accounts")
	}
	person, err := p.o.People.Person(ctx, accountID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return oidc.ErrAccessDenied().WithDescription("the account no longer exists")
		}
		return oidc.ErrServerError().WithParent(err)
	}
	if wantProfile {
		info.GivenName, info.FamilyName = person.GivenName, person.FamilyName
		if person.GivenName != "" || person.FamilyName != "" {
			info.Name = joinName(person.GivenName, person.FamilyName)
		}
		if person.Locale != "" {
			tag, err := language.Parse(person.Locale)
			if err == nil {
				info.Locale = oidc.NewLocale(tag)
			}
		}
	}
	if wantEmail && person.Email != "" {
		info.Email = person.Email
		info.EmailVerified = oidc.Bool(person.EmailVerified)
	}
	return nil
}

func joinName(given, family string) string {
	switch {
	case given == "":
		return family
	case family == "":
		return given
	}
	return given + " " + family
}
