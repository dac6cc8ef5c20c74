// Package oidc is Guichet's OpenID Connect provider, built on the op package
// of github.com/zitadel/oidc/v3 with storage of its own on SQLite and
// PostgreSQL, so that any number of instances share clients, keys, requests,
// tokens and consents.
//
// What it offers, and nothing else (the discovery document says exactly
// this): the authorization code flow with PKCE S256 (required of every
// client), refresh tokens rotated at each use with reuse detection, the
// client credentials grant, client authentication by client_secret_basic or
// private_key_jwt (replayed assertions refused across instances), ES256
// signing keys rotated in the database, pairwise subjects by default, the
// levels of assurance as acr values, consents the citizen can list and
// revoke, RP-initiated and back-channel logout.
//
// The web layer signs people in: an authorization request sends the browser
// to Options.SignInURL with the request id; the page reads the request with
// Request, signs the person in (or steps up), asks for consent when
// NeedsConsent says so, and calls Complete (or Deny, or Refuse) whose URL it
// redirects to.
package oidc

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/guichet-qc/guichet/internal/audit"
)

// Person is what the provider needs to know of an account for claims.
type Person struct {
	AccountID             string
	Email                 string
	EmailVerified         bool
	GivenName, FamilyName string
	Locale                string // "fr-CA" or "en-CA"
}

// People looks accounts up (implemented by internal/identity).
type People interface {
	Person(ctx context.Context, accountID string) (Person, error) // errs.NotFound when gone
}

// Authentication is a finished sign-in, handed to Complete by the web layer.
type Authentication struct {
	AccountID string
	SessionID string // opaque id of the identity session (the sid claim is derived from it; used by EndSession)
	AuthTime  time.Time
	ACR       string   // one of assurance.Levels
	AMR       []string // RFC 8176, e.g. ["pwd"], ["pwd","otp"], ["pwd","hwk"]
}

// Request is a pending authorization request, as the sign-in and consent
// pages need it.
type Request struct {
	ID, ClientID, ClientName               string
	Scopes                                 []string
	Claims                                 []string // the claims the scopes ask for, e.g. "email", "given_name"
	ACR                                    string   // the lowest level that satisfies acr_values ("" when none asked)
	MaxAge                                 *time.Duration
	PromptLogin, PromptConsent, PromptNone bool
	UILocales                              []string
	LoginHint                              string    // login_hint, when the client gave one
	Created                                time.Time // when the service sent the person (prompt=login wants a sign-in after it)
}

// Consent is what a person let a client have.
type Consent struct {
	ClientID, ClientName string
	Scopes               []string
	GrantedAt            time.Time
}

// Sealer encrypts secrets at rest, bound to where they are stored (the
// platform's keyring).
type Sealer interface {
	Seal(plain, aad string) string
	Open(sealed, aad string) (string, error)
}

// Options configure a Provider.
type Options struct {
	Issuer string // e.g. "http://127.0.0.1:8080" (the app's own URL)
	// IssuerFunc gives the issuer when Issuer is empty, for an application
	// that knows its address only once it listens.
	IssuerFunc func() string
	People     People
	Audit      *audit.Log
	Logger     *slog.Logger
	Now        func() time.Time // nil: time.Now
	// SignInURL is where the browser is sent for an authorization request:
	// the web layer's page, which signs the person in (or steps up) and
	// calls Complete.
	SignInURL func(r *http.Request, requestID string) string
	// EndIdentitySession ends the browser's identity session at the
	// end_session endpoint, if it is the one the id_token_hint was issued
	// under (same reports whether a session, by its id, is that one: a link
	// with someone else's token signs nobody out), and reports the session
	// it ended ("" if none).
	EndIdentitySession func(w http.ResponseWriter, r *http.Request, same func(sessionID string) bool) (sessionID, accountID string)
	// SignedOutURL is where end_session sends the browser when the client
	// gave no (registered) post_logout_redirect_uri; default the issuer's "/".
	SignedOutURL                                string
	KeyRotation                                 time.Duration // default 30 days
	AccessTokenTTL, IDTokenTTL, RefreshTokenTTL time.Duration // defaults 10 min, 10 min, 30 days
	// RefreshAbsoluteTTL bounds a grant's life from the person's sign-in,
	// however often it is refreshed (default 90 days): then they sign in again.
	RefreshAbsoluteTTL time.Duration
	AuthRequestTTL     time.Duration // default 30 min: time to sign in
	InsecureHTTP       bool          // allow an http issuer (development, tests)
	// Sealer seals the signing keys' private halves in the database (nil:
	// stored in clear, for tests): a copy of the database alone cannot sign.
	Sealer Sealer
	// HTTPClient sends back-channel logout tokens; default a client with a
	// 5 s timeout.
	HTTPClient *http.Client
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.KeyRotation <= 0 {
		o.KeyRotation = 30 * 24 * time.Hour
	}
	if o.AccessTokenTTL <= 0 {
		o.AccessTokenTTL = 10 * time.Minute
	}
	if o.IDTokenTTL <= 0 {
		o.IDTokenTTL = 10 * time.Minute
	}
	if o.RefreshAbsoluteTTL <= 0 {
		o.RefreshAbsoluteTTL = 90 * 24 * time.Hour
	}
	if o.RefreshTokenTTL <= 0 {
		o.RefreshTokenTTL = 30 * 24 * time.Hour
	}
	if o.AuthRequestTTL <= 0 {
		o.AuthRequestTTL = 30 * time.Minute
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	return o
}

// maxSignedTTL is how long a token signed now stays valid at most: a
// retired key is published that long after it stopped signing (plus a
// margin for clocks).
func (o Options) maxSignedTTL() time.Duration {
	return max(o.AccessTokenTTL, o.IDTokenTTL, logoutTokenTTL) + 5*time.Minute
}
