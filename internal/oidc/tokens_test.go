package oidc_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/oidc"
)

func TestRefreshRotationAndReuse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-a.example"))
		tok := c.login(t, "openid email offline_access")
		refresh := func(rt string) (int, map[string]any) {
			return e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, c.id, c.secret)
		}
		status, first := refresh(tok.RefreshToken)
		rt2, _ := first["refresh_token"].(string)
		if status != 200 || rt2 == "" || rt2 == tok.RefreshToken || first["id_token"] == nil {
			t.Fatalf("first refresh: %d %v", status, first)
		}
		if _, cl := c.idToken(t, tokenWith(first)); cl.ACR != assurance.LoA2 || cl.SID == "" {
			t.Fatalf("refreshed id token claims %+v", cl)
		}
		// The rotated token presented again: refused, and the family is revoked.
		if status, out := refresh(tok.RefreshToken); status != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("reuse: %d %v", status, out)
		}
		if status, out := refresh(rt2); status != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("the newer token after reuse: %d %v", status, out)
		}
		if info := userinfo(t, e, first["access_token"].(string)); info["status"] == nil {
			t.Fatalf("access token of a revoked family still answers: %v", info)
		}
		// Another client cannot use the token; an unknown token is refused.
		other := e.client(t, webClient("rp-b.example"))
		tok = c.login(t, "openid offline_access")
		if status, out := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, other.id, other.secret); status != 400 {
			t.Fatalf("other client: %d %v", status, out)
		}
		if status, _ := refresh("nope"); status != 400 {
			t.Fatalf("unknown token: %d", status)
		}
		// Expired.
		e.clock.Advance(31 * 24 * time.Hour)
		if status, _ := refresh(tok.RefreshToken); status != 400 {
			t.Fatalf("expired token: %d", status)
		}
	})
}

func TestClientCredentials(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		spec := oidc.ClientSpec{Name: "Batch", AuthMethod: oidc.AuthPrivateKeyJWT,
			GrantTypes: []string{oidc.GrantClientCredentials}, Scopes: []string{"dossier.read"}}
		jwt := e.client(t, spec)
		form := func(assertion string) url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "scope": {"dossier.read"},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
		}
		a := jwt.assertion(e.srv.URL + "/oidc/token")
		status, out := e.postToken(form(a))
		if status != 200 || out["access_token"] == nil || out["refresh_token"] != nil {
			t.Fatalf("private_key_jwt: %d %v", status, out)
		}
		// The access token is a JWT signed with a published key.
		keys := gooidc.NewRemoteKeySet(context.Background(), e.srv.URL+"/oidc/keys")
		if _, err := keys.VerifySignature(context.Background(), out["access_token"].(string)); err != nil {
			t.Fatalf("access token: %v", err)
		}
		if status, out := e.postToken(form(a)); status != 401 || out["error"] != "invalid_client" {
			t.Fatalf("replayed assertion: %d %v", status, out)
		}
		// An assertion spent on a request that failed cannot be used again either.
		spent := jwt.assertion(e.srv.URL)
		badScope := form(spent)
		badScope.Set("scope", "openid")
		if status, _ := e.postToken(badScope); status != 400 {
			t.Fatalf("bad scope: %d", status)
		}
		if status, _ := e.postToken(form(spent)); status != 401 {
			t.Fatalf("assertion of a failed request replayed: %d", status)
		}
		if status, _ := e.postToken(form(jwt.assertion(e.srv.URL))); status != 200 {
			t.Fatalf("issuer as audience: %d", status)
		}
		if status, _ := e.postToken(form(jwt.assertion("https://elsewhere.example/token"))); status != 401 {
			t.Fatalf("foreign audience: %d", status)
		}
		stale := signJWT(jwt.key, "k1", map[string]any{"iss": jwt.id, "sub": jwt.id, "aud": e.srv.URL, "jti": "j-old",
			"iat": time.Now().Add(-time.Hour).Unix(), "exp": e.clock.Now().Add(-time.Second).Unix()})
		if status, _ := e.postToken(form(stale)); status != 401 {
			t.Fatalf("expired assertion: %d", status)
		}
		impostor := *jwt
		impostor.key = e.client(t, oidc.ClientSpec{Name: "Other", AuthMethod: oidc.AuthPrivateKeyJWT,
			GrantTypes: []string{oidc.GrantClientCredentials}}).key
		if status, _ := e.postToken(form(impostor.assertion(e.srv.URL))); status != 401 {
			t.Fatalf("assertion signed by another key: %d", status)
		}

		basic := e.client(t, oidc.ClientSpec{Name: "Basic", GrantTypes: []string{oidc.GrantClientCredentials}, Scopes: []string{"dossier.read"}})
		cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"dossier.read"}}
		if status, out := e.postToken(cc, basic.id, basic.secret); status != 200 || out["access_token"] == nil {
			t.Fatalf("client_secret_basic: %d %v", status, out)
		}
		if status, _ := e.postToken(cc, basic.id, basic.secret+"x"); status != 401 {
			t.Fatalf("wrong secret: %d", status)
		}
		post := url.Values{"grant_type": {"client_credentials"}, "client_id": {basic.id}, "client_secret": {basic.secret}}
		if status, out := e.postToken(post); status != 401 || out["error"] != "invalid_client" {
			t.Fatalf("client_secret_post: %d %v", status, out)
		}
		if status, _ := e.postToken(url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}}, basic.id, basic.secret); status != 400 {
			t.Fatalf("openid scope without a person: %d", status)
		}
		web := e.client(t, webClient("rp-a.example"))
		if status, out := e.postToken(url.Values{"grant_type": {"client_credentials"}}, web.id, web.secret); status != 400 || out["error"] != "unauthorized_client" {
			t.Fatalf("client without the grant: %d %v", status, out)
		}
		if status, out := e.postToken(url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}, web.id, web.secret); out["error"] != "unsupported_grant_type" {
			t.Fatalf("password grant: %d %v", status, out)
		}
	})
}

func TestKeyRotation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, func(o *oidc.Options) { o.KeyRotation = 24 * time.Hour })
		c := e.client(t, webClient("rp-a.example"))
		old := c.login(t, "openid").Extra("id_token").(string)
		oldID, _ := c.verifier(t, nil).Verify(context.Background(), old)

		e.clock.Advance(24*time.Hour + time.Second)
		e.set(func(e *env) { e.auth.AuthTime = e.clock.Now() })
		fresh := c.login(t, "openid").Extra("id_token").(string)
		if kid(t, old) == kid(t, fresh) {
			t.Fatal("no new key after the rotation period")
		}
		// Both verify through the published key set (a new go-oidc provider
		// fetches it afresh).
		for _, raw := range []string{old, fresh} {
			if _, err := c.verifier(t, nil).Verify(context.Background(), raw); err != nil {
				t.Fatalf("after rotation: %v", err)
			}
		}
		_ = oldID
		// A second provider on the same database (another instance) signs with the same key.
		other := newEnv(t, db)
		if got := keyIDs(t, other.srv.URL); len(got) != 2 || !got[kid(t, fresh)] || !got[kid(t, old)] {
			t.Fatalf("other instance publishes %v", got)
		}
		// Once every token of the old key has expired, it is no longer published.
		e.clock.Advance(time.Hour)
		e.set(func(e *env) { e.auth.AuthTime = e.clock.Now() })
		c.login(t, "openid")
		if got := keyIDs(t, e.srv.URL); len(got) != 1 || !got[kid(t, fresh)] {
			t.Fatalf("published after expiry %v", got)
		}
		if _, err := c.verifier(t, nil).Verify(context.Background(), old); err == nil {
			t.Fatal("the retired key still verifies")
		}
	})
}

// However often a grant is refreshed, it ends at the absolute lifetime
// counted from the person's sign-in.
func TestRefreshAbsoluteLifetime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-a.example"))
		tok := c.login(t, "openid offline_access")
		rt := tok.RefreshToken
		for day := 20; day <= 100; day += 20 {
			e.clock.Advance(20 * 24 * time.Hour)
			status, out := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, c.id, c.secret)
			if day < 90 {
				next, _ := out["refresh_token"].(string)
				if status != 200 || next == "" {
					t.Fatalf("day %d: %d %v", day, status, out)
				}
				rt = next
				continue
			}
			if status != 400 || out["error"] != "invalid_grant" {
				t.Fatalf("day %d, past 90 days from the sign-in: %d %v", day, status, out)
			}
			return
		}
		t.Fatal("never refused")
	})
}

// testSealer stands for the platform's keyring: AES-GCM under a fixed key,
// with the value's place as additional data, in its "g1.<id>.<b64>" shape.
type testSealer struct{ aead cipher.AEAD }

func newTestSealer() testSealer {
	block, _ := aes.NewCipher(make([]byte, 32))
	aead, _ := cipher.NewGCM(block)
	return testSealer{aead}
}

func (s testSealer) Seal(plain, aad string) string {
	nonce := make([]byte, s.aead.NonceSize())
	return "g1.test." + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), []byte(aad)))
}

func (s testSealer) Open(sealed, aad string) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, "g1.test."))
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("damaged")
	}
	p, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(aad))
	return string(p), err
}

// With a sealer, the private halves of the signing keys are not in the
// database in clear, and tokens still sign and verify (on another
// instance too).
func TestSigningKeysSealed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		sealer := newTestSealer()
		e := newEnv(t, db, func(o *oidc.Options) { o.Sealer = sealer })
		c := e.client(t, webClient("rp-a.example"))
		raw := c.login(t, "openid").Extra("id_token").(string)
		if _, err := c.verifier(t, nil).Verify(context.Background(), raw); err != nil {
			t.Fatalf("verify: %v", err)
		}
		var stored string
		if err := db.Read(context.Background(), func(tx *database.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT private_key FROM oidc_keys`).Scan(&stored)
		}); err != nil {
			t.Fatal(err)
		}
		if der, err := base64.StdEncoding.DecodeString(stored); err == nil {
			if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
				t.Fatal("the signing key is stored in clear")
			}
		}
		if !strings.HasPrefix(stored, "g1.test.") {
			t.Fatalf("stored key %.20q… is not sealed", stored)
		}
	})
}
