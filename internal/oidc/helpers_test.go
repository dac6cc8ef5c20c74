package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/oidc"
)

// clock is a test clock that moves only when told; it starts a little
// ahead of the real time, so that op's own checks against the real time
// (client assertions' iat and exp) agree with it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Add(2 * time.Second).Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type people map[string]oidc.Person

func (p people) Person(_ context.Context, id string) (oidc.Person, error) {
	if x, ok := p[id]; ok {
		return x, nil
	}
	return oidc.Person{}, errs.E(errs.NotFound, "error.not_found")
}

var alice = oidc.Person{AccountID: "acct-alice", Email: "alice@example.ca", EmailVerified: true,
	GivenName: "Alice", FamilyName: "Tremblay", Locale: "fr-CA"}

// env is a provider on an httptest server with a fake sign-in page that
// completes every request with env.auth (or what env.signIn decides).
type env struct {
	t      *testing.T
	db     *database.DB
	p      *oidc.Provider
	srv    *httptest.Server
	clock  *clock
	audit  *audit.Log
	people people

	mu      sync.Mutex
	auth    oidc.Authentication
	consent bool
	signIn  func(w http.ResponseWriter, r *http.Request, req oidc.Request) // nil: complete with auth
	lastReq oidc.Request
	ended   []string // sessions ended at end_session
}

func newEnv(t testing.TB, db *database.DB, mod ...func(*oidc.Options)) *env {
	t.Helper()
	e := &env{db: db, clock: newClock(), people: people{alice.AccountID: alice}, consent: true}
	if tt, ok := t.(*testing.T); ok {
		e.t = tt
	}
	e.auth = oidc.Authentication{AccountID: alice.AccountID, SessionID: "session-1", AuthTime: e.clock.Now(),
		ACR: assurance.LoA2, AMR: []string{"pwd", "otp"}}
	rt := httpx.NewRouter()
	var h http.Handler = rt
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	signer, _, err := audit.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.audit = audit.New(db, signer, audit.Options{})
	o := oidc.Options{
		Issuer: e.srv.URL, People: e.people, Audit: e.audit, Now: e.clock.Now, InsecureHTTP: true,
		SignInURL: func(r *http.Request, id string) string { return e.srv.URL + "/signin?demande=" + url.QueryEscape(id) },
		EndIdentitySession: func(w http.ResponseWriter, r *http.Request, same func(string) bool) (string, string) {
			e.mu.Lock()
			defer e.mu.Unlock()
			if !same(e.auth.SessionID) { // the hint is another session's: nobody is signed out
				return "", ""
			}
			e.ended = append(e.ended, e.auth.SessionID)
			return e.auth.SessionID, e.auth.AccountID
		},
	}
	for _, m := range mod {
		m(&o)
	}
	e.p, err = oidc.New(context.Background(), db, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.p.Close)
	e.p.Register(rt)
	rt.HandleFunc(httpx.Route{Method: "GET", Path: "/signin", Kind: httpx.Page}, e.serveSignIn)
	csrf := &httpx.CSRF{OnError: func(w http.ResponseWriter, r *http.Request, err error) { http.Error(w, "csrf", 403) }, Exempt: rt.IsEndpoint}
	h = csrf.Middleware(rt)
	return e
}

func (e *env) serveSignIn(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("demande")
	req, err := e.p.Request(r.Context(), id)
	if err != nil {
		http.Error(w, "unknown request", 404)
		return
	}
	e.mu.Lock()
	e.lastReq = req
	signIn, auth, consent := e.signIn, e.auth, e.consent
	e.mu.Unlock()
	if signIn != nil {
		signIn(w, r, req)
		return
	}
	to, err := e.p.Complete(r.Context(), id, auth, consent)
	if err != nil {
		http.Error(w, "complete: "+err.Error(), 400)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

func (e *env) set(fn func(e *env)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn(e)
}

// rp is a registered relying party with its real clients.
type rp struct {
	e        *env
	id       string
	secret   string
	redirect string
	conf     oauth2.Config
	key      *ecdsa.PrivateKey // private_key_jwt
}

func (e *env) client(t testing.TB, spec oidc.ClientSpec) *rp {
	t.Helper()
	var key *ecdsa.PrivateKey
	if spec.AuthMethod == oidc.AuthPrivateKeyJWT && spec.JWKS == nil {
		key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}}
		spec.JWKS, _ = json.Marshal(set)
	}
	cl, secret, err := e.p.Clients().Create(context.Background(), spec)
	if err != nil {
		t.Fatalf("create client: %v", err)
	}
	c := &rp{e: e, id: cl.ID, secret: secret, key: key}
	if len(spec.RedirectURIs) > 0 {
		c.redirect = spec.RedirectURIs[0]
	}
	c.conf = oauth2.Config{ClientID: cl.ID, ClientSecret: secret, RedirectURL: c.redirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.srv.URL + "/oidc/authorize", TokenURL: e.srv.URL + "/oidc/token", AuthStyle: oauth2.AuthStyleInHeader},
		Scopes:   []string{"openid", "profile", "email", "offline_access"}}
	if key != nil { // the assertion authenticates: client_id in the body, no Basic header
		c.conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	return c
}

func webClient(host string) oidc.ClientSpec {
	return oidc.ClientSpec{Name: "Service " + host, RedirectURIs: []string{"https://" + host + "/cb"},
		PostLogoutRedirectURIs: []string{"https://" + host + "/bye"},
		Scopes:                 []string{"openid", "profile", "email", "offline_access", "address", "phone"}}
}

// browser follows redirects within the provider and stops at the first one
// that leaves it (to the relying party), which it returns.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != strings.TrimPrefix(e.srv.URL, "http://") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// authorize runs the front channel and returns the redirect to the client
// (its query holds code and state, or error).
func (c *rp) authorize(t testing.TB, params url.Values) *url.URL {
	t.Helper()
	resp, err := c.e.browser().Get(c.e.srv.URL + "/oidc/authorize?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		t.Fatalf("authorize: status %d, body %s", resp.StatusCode, body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// codeParams are the parameters of a valid code request.
func (c *rp) codeParams(scope string) (url.Values, string) {
	v, ch := pkce()
	return url.Values{"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {c.redirect},
		"scope": {scope}, "state": {"st-1"}, "nonce": {"n-1"}, "code_challenge": {ch},
		"code_challenge_method": {"S256"}}, v
}

// login runs the code flow to the end with the real oauth2 client.
func (c *rp) login(t testing.TB, scope string) *oauth2.Token {
	t.Helper()
	params, verifier := c.codeParams(scope)
	u := c.authorize(t, params)
	code := u.Query().Get("code")
	if code == "" || u.Query().Get("state") != "st-1" {
		t.Fatalf("no code in %s", u)
	}
	tok, err := c.exchange(code, verifier)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

func (c *rp) exchange(code, verifier string) (*oauth2.Token, error) {
	ctx := context.Background()
	if c.key != nil {
		return c.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier),
			oauth2.SetAuthURLParam("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
			oauth2.SetAuthURLParam("client_assertion", c.assertion(c.e.srv.URL+"/oidc/token")))
	}
	return c.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
}

// assertion is a private_key_jwt client assertion.
func (c *rp) assertion(aud string) string {
	claims := map[string]any{"iss": c.id, "sub": c.id, "aud": aud, "jti": rand.Text(),
		"iat": time.Now().Unix(), "exp": c.e.clock.Now().Add(2 * time.Minute).Unix()}
	return signJWT(c.key, "k1", claims)
}

func signJWT(key *ecdsa.PrivateKey, kid string, claims any) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		panic(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// postToken posts a form to the token endpoint and decodes the answer.
func (e *env) postToken(form url.Values, basic ...string) (int, map[string]any) {
	req, _ := http.NewRequest("POST", e.srv.URL+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// verifier checks ID tokens for a client with go-oidc.
func (c *rp) verifier(t testing.TB, cfg *gooidc.Config) *gooidc.IDTokenVerifier {
	t.Helper()
	prov, err := gooidc.NewProvider(context.Background(), c.e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if cfg == nil {
		cfg = &gooidc.Config{}
	}
	cfg.ClientID = c.id
	return prov.Verifier(cfg)
}

type idClaims struct {
	Sub      string   `json:"sub"`
	ACR      string   `json:"acr"`
	AMR      []string `json:"amr"`
	AuthTime int64    `json:"auth_time"`
	SID      string   `json:"sid"`
	Nonce    string   `json:"nonce"`
}

func (c *rp) idToken(t testing.TB, tok *oauth2.Token) (*gooidc.IDToken, idClaims) {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	id, err := c.verifier(t, nil).Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("id token: %v", err)
	}
	var cl idClaims
	if err := id.Claims(&cl); err != nil {
		t.Fatal(err)
	}
	return id, cl
}

func errorOf(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func tokenWith(out map[string]any) *oauth2.Token {
	tok := &oauth2.Token{AccessToken: out["access_token"].(string)}
	return tok.WithExtra(out)
}

func kid(t testing.TB, raw string) string {
	t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

func keyIDs(t testing.TB, base string) map[string]bool {
	t.Helper()
	resp, err := http.Get(base + "/oidc/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, k := range set.Keys {
		if !k.IsPublic() || k.Algorithm != "ES256" {
			t.Fatalf("published key %s: public %v alg %s", k.KeyID, k.IsPublic(), k.Algorithm)
		}
		out[k.KeyID] = true
	}
	return out
}

func decodeJSON(resp *http.Response, v any) {
	json.NewDecoder(resp.Body).Decode(v)
}
