package oidc

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/httpx"
)

// The endpoints, under the issuer.
const (
	authorizePath  = "/oidc/authorize"
	callbackPath   = "/oidc/authorize/callback"
	tokenPath      = "/oidc/token"
	userinfoPath   = "/oidc/userinfo"
	revokePath     = "/oidc/revoke"
	endSessionPath = "/oidc/end_session"
	keysPath       = "/oidc/keys"
	// parPath is in par.go.
	discoveryPath = "/.well-known/openid-configuration"
)

// Provider is the OpenID provider.
type Provider struct {
	db          *database.DB
	o           Options
	clients     *Clients
	keys        *keyRing
	pairwiseKey []byte
	batch       *database.Batcher
	handler     http.Handler // op's router, for the endpoints it serves
	stop        chan struct{}
	wg          sync.WaitGroup
	closeOnce   sync.Once
}

// New opens the provider on db (migrated), creating its secrets and first
// signing key on first use.
func New(ctx context.Context, db *database.DB, o Options) (*Provider, error) {
	o = o.withDefaults()
	if o.Issuer == "" && o.IssuerFunc == nil {
		return nil, errors.New("oidc: an issuer is required")
	}
	p := &Provider{db: db, o: o, stop: make(chan struct{})}
	p.clients = &Clients{db: db, now: o.Now}
	p.keys = &keyRing{db: db, now: o.Now, rotation: o.KeyRotation, publish: o.maxSignedTTL(), seal: o.Sealer}
	var err error
	if p.pairwiseKey, err = secret(ctx, db, "pairwise"); err != nil {
		return nil, err
	}
	cryptoKey, err := secret(ctx, db, "token_encryption")
	if err != nil {
		return nil, err
	}
	if _, err := p.keys.current(ctx); err != nil {
		return nil, err
	}
	cfg := &op.Config{
		CodeMethodS256:                    true,
		AuthMethodPrivateKeyJWT:           true,
		GrantTypeRefreshToken:             true,
		RequestObjectSupported:            false,
		SupportedUILocales:                []language.Tag{language.CanadianFrench, language.MustParse("en-CA")},
		SupportedClaims:                   supportedClaims,
		BackChannelLogoutSupported:        true,
		BackChannelLogoutSessionSupported: true,
	}
	copy(cfg.CryptoKey[:], cryptoKey)
	opts := []op.Option{
		op.WithCustomAuthEndpoint(op.NewEndpoint(authorizePath)),
		op.WithCustomTokenEndpoint(op.NewEndpoint(tokenPath)),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint(userinfoPath)),
		op.WithCustomRevocationEndpoint(op.NewEndpoint(revokePath)),
		op.WithCustomEndSessionEndpoint(op.NewEndpoint(endSessionPath)),
		op.WithCustomKeysEndpoint(op.NewEndpoint(keysPath)),
	}
	if o.InsecureHTTP {
		opts = append(opts, op.WithAllowInsecure())
	}
	issuer := func(insecure bool) (op.IssuerFromRequest, error) {
		if o.Issuer != "" {
			if err := op.ValidateIssuer(o.Issuer, insecure); err != nil {
				return nil, err
			}
		}
		return func(*http.Request) string { return p.issuer() }, nil
	}
	prov, err := op.NewProvider(cfg, storage{p}, issuer, opts...)
	if err != nil {
		return nil, err
	}
	p.handler = op.CreateRouter(opProvider{prov})
	p.batch = db.NewBatcher(256)
	p.wg.Add(1)
	go p.purgeLoop()
	return p, nil
}

// Close stops the provider's background work.
func (p *Provider) Close() {
	p.closeOnce.Do(func() {
		close(p.stop)
		p.wg.Wait()
		p.batch.Close()
	})
}

func (p *Provider) issuer() string {
	if p.o.Issuer != "" {
		return strings.TrimSuffix(p.o.Issuer, "/")
	}
	return strings.TrimSuffix(p.o.IssuerFunc(), "/")
}

// Issuer is the provider's issuer identifier.
func (p *Provider) Issuer() string { return p.issuer() }

// Clients manages the registered relying parties.
func (p *Provider) Clients() *Clients { return p.clients }

// Register mounts the discovery document and the endpoints. They are
// protocol endpoints (httpx.Endpoint): called cross-site by browsers
// (authorize, end_session) or by servers (token, revoke, userinfo), they
// carry their own authentication, never a form's CSRF token.
func (p *Provider) Register(r *httpx.Router) {
	withReq := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			ctx := withClientMemo(context.WithValue(req.Context(), requestKey{}, req))
			h.ServeHTTP(w, req.WithContext(ctx))
		})
	}
	opH := withReq(p.handler)
	routes := []struct {
		method, path string
		h            http.Handler
	}{
		{"GET", discoveryPath, http.HandlerFunc(p.serveDiscovery)},
		{"GET", keysPath, opH},
		{"GET", authorizePath, p.pushed(opH)},
		{"POST", authorizePath, p.pushed(opH)},
		{"POST", parPath, withReq(p.clientAuth(false, http.HandlerFunc(p.servePAR)))},
		{"GET", callbackPath, opH},
		{"POST", tokenPath, withReq(p.clientAuth(true, p.handler))},
		{"POST", revokePath, withReq(p.clientAuth(false, p.handler))},
		{"GET", userinfoPath, opH},
		{"POST", userinfoPath, opH},
		{"GET", endSessionPath, http.HandlerFunc(p.serveEndSession)},
		{"POST", endSessionPath, http.HandlerFunc(p.serveEndSession)},
	}
	for _, rt := range routes {
		r.Handle(httpx.Route{Method: rt.method, Path: rt.path, Kind: httpx.Endpoint}, rt.h)
	}
}

// purgeLoop deletes what has expired, hourly.
func (p *Provider) purgeLoop() {
	defer p.wg.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			if err := p.Purge(context.Background()); err != nil {
				p.o.Logger.Warn("oidc purge failed", "err", err)
			}
		}
	}
}

// Purge deletes expired requests, tokens and assertion ids (a day after
// expiry, so that reuse is still recognised meanwhile).
func (p *Provider) Purge(ctx context.Context) error {
	cut := p.o.Now().Add(-24 * time.Hour).Unix()
	return p.db.Write(ctx, func(tx *database.Tx) error {
		for _, q := range []string{
			`DELETE FROM oidc_auth_requests WHERE expires_at < ?`,
			`DELETE FROM oidc_tokens WHERE expires_at < ?`,
			`DELETE FROM oidc_assertions WHERE expires_at < ?`, // a day late: harmless, they are expired
			`DELETE FROM oidc_keys WHERE published_until <> 0 AND published_until < ?`,
		} {
			if _, err := tx.Exec(ctx, q, cut); err != nil {
				return err
			}
		}
		return nil
	})
}
