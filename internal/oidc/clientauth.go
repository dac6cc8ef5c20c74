package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// maxAssertionLife bounds exp - now of a client assertion, so that the
// replay record of its jti need not be kept long.
const maxAssertionLife = 10 * time.Minute

// assertion is a client assertion (private_key_jwt) the token endpoint
// verified; op, which does not check jti, finds it in the context.
type assertion struct {
	clientID string
	client   Client
	audience string // the aud value that named us
	payload  []byte
	jti      string
	exp      time.Time
	recorded atomic.Bool // its jti is in oidc_assertions
}

type assertionKey struct{}

func assertionFrom(ctx context.Context) *assertion {
	a, _ := ctx.Value(assertionKey{}).(*assertion)
	return a
}

var assertionAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.PS256, jose.EdDSA}

type assertionClaims struct {
	Issuer    string        `json:"iss"`
	Subject   string        `json:"sub"`
	Audience  oidc.Audience `json:"aud"`
	Expiry    json.Number   `json:"exp"`
	IssuedAt  json.Number   `json:"iat"`
	NotBefore json.Number   `json:"nbf"`
	ID        string        `json:"jti"`
}

func unixClaim(n json.Number) (time.Time, bool) {
	if n == "" {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// verifyAssertion checks a private_key_jwt client assertion (RFC 7523,
// OpenID Connect Core 1.0 section 9): signed by a key of the client's
// registered set, iss = sub = the client, aud naming this provider (its
// issuer or its token endpoint), not expired, not older than its own
// lifetime bound. Its jti is recorded by the caller: in the transaction that
// issues the tokens (recordAssertionTx), so that an assertion yields at
// most one answer with tokens, or after a request that issued nothing.
func (p *Provider) verifyAssertion(ctx context.Context, raw, formClientID string) (*assertion, error) {
	jws, err := jose.ParseSigned(raw, assertionAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errors.New("malformed client assertion")
	}
	var c assertionClaims
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &c); err != nil {
		return nil, errors.New("malformed client assertion claims")
	}
	if c.Issuer == "" || c.Issuer != c.Subject || formClientID != "" && formClientID != c.Issuer {
		return nil, errors.New("assertion iss and sub must be the client_id")
	}
	cl, err := p.clients.Get(ctx, c.Issuer)
	if err != nil || cl.AuthMethod != AuthPrivateKeyJWT || cl.keys == nil {
		return nil, errors.New("client does not authenticate with private_key_jwt")
	}
	kid := jws.Signatures[0].Header.KeyID
	var payload []byte
	for _, k := range cl.keys.Keys {
		if kid != "" && k.KeyID != kid {
			continue
		}
		if payload, err = jws.Verify(k); err == nil {
			break
		}
	}
	if payload == nil {
		return nil, errors.New("assertion signature does not verify")
	}
	issuer := p.issuer()
	aud := ""
	for _, a := range []string{issuer, issuer + tokenPath} {
		if slices.Contains(c.Audience, a) {
			aud = a
			break
		}
	}
	if aud == "" {
		return nil, errors.New("assertion aud must name the issuer or the token endpoint")
	}
	now := p.o.Now()
	exp, ok := unixClaim(c.Expiry)
	if !ok || !now.Before(exp) || exp.Sub(now) > maxAssertionLife {
		return nil, errors.New("assertion expired or lives too long")
	}
	if iat, ok := unixClaim(c.IssuedAt); !ok || iat.After(now.Add(time.Minute)) {
		return nil, errors.New("assertion iat missing or in the future")
	}
	if nbf, ok := unixClaim(c.NotBefore); ok && nbf.After(now.Add(time.Minute)) {
		return nil, errors.New("assertion not yet valid")
	}
	if c.ID == "" || len(c.ID) > 256 {
		return nil, errors.New("assertion jti missing")
	}
	return &assertion{clientID: cl.ID, client: cl, audience: aud, payload: payload, jti: c.ID, exp: exp}, nil
}

// errReplay reports a client assertion presented a second time.
var errReplay = errors.New("client assertion replayed")

// recordAssertionTx remembers the jti of the request's client assertion,
// if any, until the assertion expires; a second use is errReplay (on any
// instance: the table is shared).
func recordAssertionTx(ctx context.Context, tx *database.Tx) error {
	a := assertionFrom(ctx)
	if a == nil || a.recorded.Load() {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO oidc_assertions (client_id, jti, expires_at) VALUES (?, ?, ?)`, a.clientID, a.jti, a.exp.Unix())
	if errs.Is(err, errs.Conflict) {
		return errReplay
	}
	return err
}

// recordAssertion records the jti in a transaction of its own.
func (p *Provider) recordAssertion(ctx context.Context) error {
	a := assertionFrom(ctx)
	if a == nil || a.recorded.Load() {
		return nil
	}
	if err := p.batch.Do(ctx, func(tx *database.Tx) error { return recordAssertionTx(ctx, tx) }); err != nil {
		return err
	}
	a.recorded.Store(true)
	return nil
}

// clientAuth guards the token and revocation endpoints: it verifies client
// assertions itself (op does not check their jti, and accepts only the
// issuer as audience), refuses secrets sent in the body (client_secret_post
// is not offered), and, on the token endpoint, grant types not offered.
func (p *Provider) clientAuth(token bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, oidc.ErrInvalidRequest().WithDescription("malformed form"))
			return
		}
		if token {
			switch r.PostForm.Get("grant_type") {
			case GrantCode, GrantRefresh, GrantClientCredentials, "":
			default:
				writeOAuthError(w, oidc.ErrUnsupportedGrantType())
				return
			}
		}
		if r.PostForm.Get("client_secret") != "" {
			writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client_secret_post is not supported; use client_secret_basic"))
			return
		}
		if raw := r.PostForm.Get("client_assertion"); raw != "" {
			if r.PostForm.Get("client_assertion_type") != oidc.ClientAssertionTypeJWTAssertion {
				writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("unsupported client_assertion_type"))
				return
			}
			a, err := p.verifyAssertion(r.Context(), raw, r.PostForm.Get("client_id"))
			if err != nil {
				p.o.Logger.Info("client assertion refused", "reason", err.Error())
				writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client authentication failed"))
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), assertionKey{}, a))
			if !token { // no tokens issued here: record it first
				if err := p.recordAssertion(r.Context()); err != nil {
					writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client authentication failed"))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
		// A request that issued nothing still spends its assertion.
		if err := p.recordAssertion(r.Context()); err != nil && !errors.Is(err, errReplay) {
			p.o.Logger.Warn("client assertion not recorded", "err", err)
		}
	})
}

func writeOAuthError(w http.ResponseWriter, e *oidc.Error) {
	status := http.StatusBadRequest
	if e.ErrorType == oidc.InvalidClient {
		status = http.StatusUnauthorized
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e)
}

// opProvider is op's provider with the client-assertion verifier replaced
// by one that accepts what clientAuth verified.
type opProvider struct{ *op.Provider }

func (o opProvider) JWTProfileVerifier(ctx context.Context) *op.JWTProfileVerifier {
	aud := ""
	if a := assertionFrom(ctx); a != nil {
		aud = a.audience
	}
	return op.NewJWTProfileVerifierKeySet(verifiedKeySet{}, aud, 0, 0)
}

// verifiedKeySet "verifies" only the assertion clientAuth already verified.
type verifiedKeySet struct{}

func (verifiedKeySet) VerifySignature(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	a := assertionFrom(ctx)
	if a == nil || string(jws.UnsafePayloadWithoutVerification()) != string(a.payload) {
		return nil, errors.New("client assertion not verified")
	}
	return a.payload, nil
}
