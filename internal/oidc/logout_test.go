package oidc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// logoutReceiver is a relying party's back-channel logout endpoint that
// verifies what it receives as the specification says it must.
type logoutReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	claims []map[string]any
	errs   []string
}

func newLogoutReceiver(t *testing.T, issuer string, clientID *string) *logoutReceiver {
	lr := &logoutReceiver{}
	lr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(msg string) {
			lr.mu.Lock()
			lr.errs = append(lr.errs, msg)
			lr.mu.Unlock()
			http.Error(w, msg, 400)
		}
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			fail("not a form POST")
			return
		}
		raw := r.PostFormValue("logout_token")
		keys := gooidc.NewRemoteKeySet(r.Context(), issuer+"/oidc/keys")
		payload, err := keys.VerifySignature(r.Context(), raw)
		if err != nil {
			fail("signature: " + err.Error())
			return
		}
		var c map[string]any
		json.Unmarshal(payload, &c)
		events, _ := c["events"].(map[string]any)
		_, hasEvent := events["http://schemas.openid.net/event/backchannel-logout"]
		switch {
		case c["iss"] != issuer:
			fail("iss")
		case c["aud"] != *clientID:
			fail("aud")
		case c["iat"] == nil || c["jti"] == nil || c["exp"] == nil:
			fail("iat, exp, jti")
		case !hasEvent:
			fail("event")
		case c["sub"] == nil && c["sid"] == nil:
			fail("sub or sid")
		case c["nonce"] != nil:
			fail("nonce is forbidden")
		default:
			lr.mu.Lock()
			lr.claims = append(lr.claims, c)
			lr.mu.Unlock()
		}
	}))
	t.Cleanup(lr.srv.Close)
	return lr
}

func TestRPInitiatedAndBackchannelLogout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		var clientID string
		lr := newLogoutReceiver(t, e.srv.URL, &clientID)
		spec := webClient("rp-a.example")
		spec.BackchannelLogoutURI = lr.srv.URL + "/logout"
		c := e.client(t, spec)
		clientID = c.id
		other := e.client(t, webClient("rp-b.example")) // no back-channel URI
		tok := c.login(t, "openid offline_access")
		other.login(t, "openid")
		_, claims := c.idToken(t, tok)
		hint := tok.Extra("id_token").(string)

		end := func(q url.Values) *http.Response {
			noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := noFollow.Get(e.srv.URL + "/oidc/end_session?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		// Refused: no hint; an unregistered post_logout_redirect_uri.
		if resp := end(url.Values{"post_logout_redirect_uri": {"https://rp-a.example/bye"}}); resp.StatusCode != 400 {
			t.Fatalf("without hint: %d", resp.StatusCode)
		}
		if resp := end(url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://evil.example/"}}); resp.StatusCode != 400 {
			t.Fatalf("unregistered redirect: %d", resp.StatusCode)
		}
		if len(e.ended) != 0 || len(lr.claims) != 0 {
			t.Fatal("a refused logout ended the session")
		}
		resp := end(url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://rp-a.example/bye"}, "state": {"s-9"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://rp-a.example/bye?state=s-9" {
			t.Fatalf("logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if len(e.ended) != 1 || e.ended[0] != "session-1" {
			t.Fatalf("identity session not ended: %v", e.ended)
		}
		if len(lr.errs) != 0 || len(lr.claims) != 1 {
			t.Fatalf("back-channel: claims %v errors %v", lr.claims, lr.errs)
		}
		got := lr.claims[0]
		if got["sub"] != claims.Sub || got["sid"] != claims.SID {
			t.Fatalf("logout token sub %v sid %v, ID token sub %s sid %s", got["sub"], got["sid"], claims.Sub, claims.SID)
		}
		status, _ := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, c.id, c.secret)
		if status != 400 {
			t.Fatalf("refresh token after logout: %d", status)
		}
		// Without post_logout_redirect_uri: the signed-out page.
		e.set(func(e *env) { e.auth.SessionID, e.auth.AuthTime = "session-2", e.clock.Now() })
		tok = c.login(t, "openid")
		resp = end(url.Values{"id_token_hint": {tok.Extra("id_token").(string)}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != e.srv.URL+"/" {
			t.Fatalf("logout without redirect: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if len(lr.claims) != 2 {
			t.Fatalf("second back-channel logout: %d", len(lr.claims))
		}
		// A link with another session's token (the attacker's own) signs
		// nobody out: the browser's session is another one.
		e.set(func(e *env) { e.auth.SessionID, e.auth.AuthTime = "attacker", e.clock.Now() })
		foreign := c.login(t, "openid").Extra("id_token").(string)
		e.set(func(e *env) { e.auth.SessionID, e.auth.AuthTime = "victim", e.clock.Now() })
		c.login(t, "openid")
		ended := len(e.ended)
		end(url.Values{"id_token_hint": {foreign}})
		if len(e.ended) != ended {
			t.Fatalf("a foreign id_token_hint signed the browser out: %v", e.ended[ended:])
		}
	})
}

func TestEndSessionFromIdentityLayer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		var clientID string
		lr := newLogoutReceiver(t, e.srv.URL, &clientID)
		spec := webClient("rp-a.example")
		spec.BackchannelLogoutURI = lr.srv.URL
		c := e.client(t, spec)
		clientID = c.id
		tok := c.login(t, "openid offline_access")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.p.EndSession(ctx, "session-1", alice.AccountID); err != nil {
			t.Fatal(err)
		}
		if len(lr.claims) != 1 || len(lr.errs) != 0 {
			t.Fatalf("back-channel %v %v", lr.claims, lr.errs)
		}
		if status, _ := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, c.id, c.secret); status != 400 {
			t.Fatalf("refresh after the session ended: %d", status)
		}
		// Ending it again sends nothing more.
		if err := e.p.EndSession(ctx, "session-1", alice.AccountID); err != nil || len(lr.claims) != 1 {
			t.Fatalf("second end: %v %d", err, len(lr.claims))
		}
	})
}
