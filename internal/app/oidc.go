package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/oidc"
)

// people gives the provider the claims of accounts.
type people struct{ id *identity.Service }

func (p people) Person(ctx context.Context, accountID string) (oidc.Person, error) {
	a, err := p.id.Account(ctx, accountID)
	if err != nil {
		return oidc.Person{}, err
	}
	return oidc.Person{AccountID: a.ID, Email: a.Email, EmailVerified: a.EmailVerified, GivenName: a.GivenName,
		FamilyName: a.FamilyName, Locale: a.Locale + "-CA"}, nil
}

// startOIDC opens the OpenID provider; the router mounts its endpoints
// later. The issuer is --oidc-issuer, or the site's own address once it
// listens. The end of an identity session (sign-out, expiry, ended by its
// owner) ends what the provider issued under it; its end_session endpoint
// ends the browser's session through endSession.
func (a *App) startOIDC(ctx context.Context, endSession func(http.ResponseWriter, *http.Request, func(string) bool) (string, string)) error {
	issuer := func() string {
		if a.cfg.OIDCIssuer != "" {
			return a.cfg.OIDCIssuer
		}
		return a.URL()
	}
	p, err := oidc.New(ctx, a.db, oidc.Options{
		IssuerFunc:   issuer,
		InsecureHTTP: !strings.HasPrefix(a.cfg.OIDCIssuer, "https://") && !a.cfg.Secure(),
		People:       people{a.identity},
		Sealer:       a.keys, // the keyring of the citizens' files seals the signing keys too
		Audit:        a.audit,
		Logger:       a.log,
		KeyRotation:  a.cfg.OIDCKeyRotation,
		// The authorization page (sign-in, level, consent), in the person's language.
		SignInURL: func(r *http.Request, id string) string {
			if uiLanguage(r) == i18n.EN {
				return "/en/authorization?demande=" + url.QueryEscape(id)
			}
			return "/fr/autorisation?demande=" + url.QueryEscape(id)
		},
		EndIdentitySession: endSession,
		SignedOutURL:       "/fr/connexion?out=1",
	})
	if err != nil {
		return err
	}
	a.oidc = p
	a.sessionEnded = append(a.sessionEnded, func(ctx context.Context, ref, accountID string) {
		if err := p.EndSession(ctx, ref, accountID); err != nil {
			a.log.Warn("ending the tokens of a session failed", "err", err)
		}
	})
	return nil
}

// OIDC is the application's OpenID provider.
func (a *App) OIDC() *oidc.Provider { return a.oidc }

// uiLanguage is the language of an authorization request's pages: the first
// of ui_locales that the site speaks, else the browser's preference.
func uiLanguage(r *http.Request) i18n.Lang {
	for _, tag := range strings.Fields(r.FormValue("ui_locales")) {
		switch strings.ToLower(strings.SplitN(tag, "-", 2)[0]) {
		case "fr":
			return i18n.FR
		case "en":
			return i18n.EN
		}
	}
	return i18n.Negotiate(r.Header.Get("Accept-Language"))
}
