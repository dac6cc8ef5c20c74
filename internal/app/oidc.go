package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/oidc"
)

// noPeople stands for the identity capability until it exists: no account
// is known, so no claims are released.
type noPeople struct{}

func (noPeople) Person(context.Context, string) (oidc.Person, error) {
	return oidc.Person{}, errs.E(errs.NotFound, "error.not_found")
}

// startOIDC opens the OpenID provider and mounts its endpoints. The issuer
// is --oidc-issuer, or the site's own address once it listens.
func (a *App) startOIDC(ctx context.Context, rt *httpx.Router) error {
	issuer := func() string {
		if a.cfg.OIDCIssuer != "" {
			return a.cfg.OIDCIssuer
		}
		return a.URL()
	}
	p, err := oidc.New(ctx, a.db, oidc.Options{
		IssuerFunc:   issuer,
		InsecureHTTP: !strings.HasPrefix(a.cfg.OIDCIssuer, "https://") && !a.cfg.Secure(),
		People:       noPeople{},
		Audit:        a.audit,
		Logger:       a.log,
		KeyRotation:  a.cfg.OIDCKeyRotation,
		// The identity capability's sign-in page, in the person's language.
		SignInURL: func(r *http.Request, id string) string {
			return "/" + string(i18n.Negotiate(r.Header.Get("Accept-Language"))) + "/connexion?demande=" + url.QueryEscape(id)
		},
	})
	if err != nil {
		return err
	}
	a.oidc = p
	p.Register(rt)
	return nil
}

// OIDC is the application's OpenID provider.
func (a *App) OIDC() *oidc.Provider { return a.oidc }
