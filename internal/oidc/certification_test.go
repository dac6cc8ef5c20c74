package oidc_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/oidc"
)

// TestBasicOPCertificationPlan mirrors the module list of the OpenID
// Foundation's "Basic OP" certification plan (oidcc-basic-certification-
// test-plan), one subtest per module, each asserting the module's core
// expectation against this provider. Modules for features deliberately not
// offered assert the correct refusal, with the reason.
func TestBasicOPCertificationPlan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-cert.example"))
		ctx := context.Background()

		// code runs the front channel with params changed by mod.
		code := func(t *testing.T, mod func(url.Values)) (*url.URL, string) {
			t.Helper()
			params, verifier := c.codeParams("openid")
			if mod != nil {
				mod(params)
			}
			return c.authorize(t, params), verifier
		}
		tokens := func(t *testing.T, mod func(url.Values)) (map[string]any, idClaims) {
			t.Helper()
			u, verifier := code(t, mod)
			if u.Query().Get("code") == "" {
				t.Fatalf("no code: %s", u)
			}
			tok, err := c.exchange(u.Query().Get("code"), verifier)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			_, cl := c.idToken(t, tok)
			out := map[string]any{"access_token": tok.AccessToken, "refresh_token": tok.RefreshToken, "id_token": tok.Extra("id_token")}
			return out, cl
		}
		scope := func(s string) func(url.Values) { return func(v url.Values) { v.Set("scope", s) } }
		reset := func() {
			e.set(func(e *env) {
				e.signIn, e.consent = nil, true
				e.auth.AuthTime = e.clock.Now()
			})
		}

		t.Run("oidcc-server", func(t *testing.T) {
			reset()
			out, cl := tokens(t, nil)
			if cl.Sub == "" || out["id_token"] == nil {
				t.Fatal("no id token")
			}
			if info := userinfo(t, e, out["access_token"].(string)); info["sub"] != cl.Sub {
				t.Fatalf("userinfo %v", info)
			}
		})
		t.Run("oidcc-response-type-missing", func(t *testing.T) {
			reset()
			u, _ := code(t, func(v url.Values) { v.Del("response_type") })
			if u.Query().Get("error") == "" || u.Query().Get("code") != "" {
				t.Fatalf("redirect %s", u)
			}
		})
		userinfoBy := func(t *testing.T, method, where string) map[string]any {
			out, cl := tokens(t, scope("openid email"))
			at := out["access_token"].(string)
			var req *http.Request
			if where == "body" {
				req, _ = http.NewRequest(method, e.srv.URL+"/oidc/userinfo", strings.NewReader(url.Values{"access_token": {at}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				req, _ = http.NewRequest(method, e.srv.URL+"/oidc/userinfo", nil)
				req.Header.Set("Authorization", "Bearer "+at)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var info map[string]any
			decodeJSON(resp, &info)
			if resp.StatusCode != 200 || info["sub"] != cl.Sub || info["email"] != alice.Email {
				t.Fatalf("%s %s: %d %v", method, where, resp.StatusCode, info)
			}
			return info
		}
		t.Run("oidcc-userinfo-get", func(t *testing.T) { reset(); userinfoBy(t, "GET", "header") })
		t.Run("oidcc-userinfo-post-header", func(t *testing.T) { reset(); userinfoBy(t, "POST", "header") })
		t.Run("oidcc-userinfo-post-body", func(t *testing.T) { reset(); userinfoBy(t, "POST", "body") })
		t.Run("oidcc-ensure-request-without-nonce-succeeds-for-code-flow", func(t *testing.T) {
			reset()
			if _, cl := tokens(t, func(v url.Values) { v.Del("nonce") }); cl.Nonce != "" {
				t.Fatalf("nonce %q", cl.Nonce)
			}
		})
		scopeClaims := func(t *testing.T, s string) map[string]any {
			out, _ := tokens(t, scope(s))
			return userinfo(t, e, out["access_token"].(string))
		}
		t.Run("oidcc-scope-profile", func(t *testing.T) {
			reset()
			info := scopeClaims(t, "openid profile")
			if info["given_name"] != "Alice" || info["family_name"] != "Tremblay" || info["name"] != "Alice Tremblay" || info["email"] != nil {
				t.Fatalf("%v", info)
			}
		})
		t.Run("oidcc-scope-email", func(t *testing.T) {
			reset()
			info := scopeClaims(t, "openid email")
			if info["email"] != alice.Email || info["email_verified"] != true || info["given_name"] != nil {
				t.Fatalf("%v", info)
			}
		})
		// Guichet holds no postal address or telephone number for release:
		// the scopes are accepted and nothing is returned for them (the
		// module passes with a warning then).
		t.Run("oidcc-scope-address", func(t *testing.T) {
			reset()
			if info := scopeClaims(t, "openid address"); info["address"] != nil || info["sub"] == nil {
				t.Fatalf("%v", info)
			}
		})
		t.Run("oidcc-scope-phone", func(t *testing.T) {
			reset()
			if info := scopeClaims(t, "openid phone"); info["phone_number"] != nil || info["sub"] == nil {
				t.Fatalf("%v", info)
			}
		})
		t.Run("oidcc-scope-all", func(t *testing.T) {
			reset()
			info := scopeClaims(t, "openid profile email address phone")
			if info["email"] != alice.Email || info["given_name"] != "Alice" {
				t.Fatalf("%v", info)
			}
		})
		t.Run("oidcc-ensure-other-scope-order-succeeds", func(t *testing.T) {
			reset()
			if info := scopeClaims(t, "email openid"); info["email"] != alice.Email {
				t.Fatalf("%v", info)
			}
		})
		for _, display := range []string{"page", "popup"} {
			t.Run("oidcc-display-"+display, func(t *testing.T) {
				reset()
				tokens(t, func(v url.Values) { v.Set("display", display) })
			})
		}
		t.Run("oidcc-prompt-login", func(t *testing.T) {
			reset()
			_, first := tokens(t, nil)
			e.clock.Advance(2 * time.Second)
			var refused error
			e.set(func(e *env) {
				e.signIn = func(w http.ResponseWriter, r *http.Request, req oidc.Request) {
					if !req.PromptLogin {
						t.Error("PromptLogin not reported")
					}
					_, refused = e.p.Complete(r.Context(), req.ID, e.auth, true) // the old sign-in
					e.auth.AuthTime = e.clock.Now()                              // signs in again
					to, _ := e.p.Complete(r.Context(), req.ID, e.auth, true)
					http.Redirect(w, r, to, http.StatusFound)
				}
			})
			_, second := tokens(t, func(v url.Values) { v.Set("prompt", "login") })
			if refused == nil || second.AuthTime <= first.AuthTime {
				t.Fatalf("refused %v, auth_time %d then %d", refused, first.AuthTime, second.AuthTime)
			}
		})
		t.Run("oidcc-prompt-none-not-logged-in", func(t *testing.T) {
			reset()
			e.set(func(e *env) {
				e.signIn = func(w http.ResponseWriter, r *http.Request, req oidc.Request) {
					if !req.PromptNone {
						t.Error("PromptNone not reported")
					}
					to, _ := e.p.Refuse(r.Context(), req.ID, "login_required") // nobody is signed in
					http.Redirect(w, r, to, http.StatusFound)
				}
			})
			u, _ := code(t, func(v url.Values) { v.Set("prompt", "none") })
			if u.Query().Get("error") != "login_required" || u.Query().Get("state") != "st-1" {
				t.Fatalf("redirect %s", u)
			}
		})
		t.Run("oidcc-prompt-none-logged-in", func(t *testing.T) {
			reset()
			tokens(t, nil) // signed in, consent recorded
			e.set(func(e *env) { e.consent = false })
			if _, cl := tokens(t, func(v url.Values) { v.Set("prompt", "none") }); cl.Sub == "" {
				t.Fatal("no sub")
			}
		})
		t.Run("oidcc-max-age-1", func(t *testing.T) {
			reset()
			_, first := tokens(t, nil)
			e.clock.Advance(2 * time.Second)
			e.set(func(e *env) {
				e.signIn = func(w http.ResponseWriter, r *http.Request, req oidc.Request) {
					if _, err := e.p.Complete(r.Context(), req.ID, e.auth, true); err == nil {
						t.Error("a sign-in older than max_age completed")
					}
					e.auth.AuthTime = e.clock.Now()
					to, _ := e.p.Complete(r.Context(), req.ID, e.auth, true)
					http.Redirect(w, r, to, http.StatusFound)
				}
			})
			if _, second := tokens(t, func(v url.Values) { v.Set("max_age", "1") }); second.AuthTime <= first.AuthTime {
				t.Fatalf("auth_time %d then %d", first.AuthTime, second.AuthTime)
			}
		})
		t.Run("oidcc-max-age-10000", func(t *testing.T) {
			reset()
			_, first := tokens(t, nil)
			e.clock.Advance(2 * time.Second)
			if _, second := tokens(t, func(v url.Values) { v.Set("max_age", "10000") }); second.AuthTime != first.AuthTime || second.AuthTime == 0 {
				t.Fatalf("auth_time %d then %d", first.AuthTime, second.AuthTime)
			}
		})
		t.Run("oidcc-ensure-request-with-unknown-parameter-succeeds", func(t *testing.T) {
			reset()
			tokens(t, func(v url.Values) { v.Set("extra", "foobar") })
		})
		t.Run("oidcc-id-token-hint", func(t *testing.T) {
			reset()
			out, first := tokens(t, nil)
			e.set(func(e *env) { e.consent = false })
			_, second := tokens(t, func(v url.Values) { v.Set("prompt", "none"); v.Set("id_token_hint", out["id_token"].(string)) })
			if second.Sub != first.Sub {
				t.Fatalf("sub %s then %s", first.Sub, second.Sub)
			}
		})
		t.Run("oidcc-login-hint", func(t *testing.T) {
			reset()
			tokens(t, func(v url.Values) { v.Set("login_hint", "alice@example.ca") })
			if e.lastReq.LoginHint != "alice@example.ca" {
				t.Fatalf("LoginHint %q", e.lastReq.LoginHint)
			}
		})
		t.Run("oidcc-ui-locales", func(t *testing.T) {
			reset()
			tokens(t, func(v url.Values) { v.Set("ui_locales", "fr-CA en") })
			if len(e.lastReq.UILocales) == 0 || e.lastReq.UILocales[0] != "fr-CA" {
				t.Fatalf("UILocales %v", e.lastReq.UILocales)
			}
		})
		t.Run("oidcc-claims-locales", func(t *testing.T) {
			reset()
			tokens(t, func(v url.Values) { v.Set("claims_locales", "fr-CA") })
		})
		t.Run("oidcc-ensure-request-with-acr-values-succeeds", func(t *testing.T) {
			reset()
			if _, cl := tokens(t, func(v url.Values) { v.Set("acr_values", "urn:guichet:loa:1 urn:guichet:loa:2") }); cl.ACR == "" {
				t.Fatal("no acr")
			}
		})
		t.Run("oidcc-codereuse", func(t *testing.T) {
			reset()
			u, verifier := code(t, nil)
			if _, err := c.exchange(u.Query().Get("code"), verifier); err != nil {
				t.Fatal(err)
			}
			if _, err := c.exchange(u.Query().Get("code"), verifier); errorOf(err) != "invalid_grant" {
				t.Fatalf("second use: %v", err)
			}
		})
		t.Run("oidcc-codereuse-30seconds", func(t *testing.T) {
			reset()
			u, verifier := code(t, nil)
			tok, err := c.exchange(u.Query().Get("code"), verifier)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(30 * time.Second)
			if _, err := c.exchange(u.Query().Get("code"), verifier); errorOf(err) != "invalid_grant" {
				t.Fatalf("second use: %v", err)
			}
			// What the first exchange gave is revoked (RFC 6749, 4.1.2).
			if info := userinfo(t, e, tok.AccessToken); info["status"] == nil {
				t.Fatalf("access token still valid: %v", info)
			}
		})
		t.Run("oidcc-ensure-registered-redirect-uri", func(t *testing.T) {
			reset()
			params, _ := c.codeParams("openid")
			params.Set("redirect_uri", "https://evil.example/cb")
			resp, err := e.browser().Get(e.srv.URL + "/oidc/authorize?" + params.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode < 400 || strings.Contains(resp.Header.Get("Location"), "evil.example") {
				t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
		t.Run("oidcc-ensure-redirect-uri-in-authorization-request", func(t *testing.T) {
			reset()
			params, _ := c.codeParams("openid")
			params.Del("redirect_uri")
			resp, err := e.browser().Get(e.srv.URL + "/oidc/authorize?" + params.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode < 400 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
		// client_secret_post is not offered (not in
		// token_endpoint_auth_methods_supported): a secret in the body is
		// refused, so the module's expectation is a correct invalid_client.
		t.Run("oidcc-server-client-secret-post", func(t *testing.T) {
			reset()
			u, verifier := code(t, nil)
			status, out := e.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")},
				"redirect_uri": {c.redirect}, "code_verifier": {verifier}, "client_id": {c.id}, "client_secret": {c.secret}})
			if status != 401 || out["error"] != "invalid_client" {
				t.Fatalf("%d %v", status, out)
			}
		})
		// Request objects are not offered (request_parameter_supported is
		// false): the request is refused with request_not_supported.
		unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
			base64.RawURLEncoding.EncodeToString([]byte(`{"client_id":"`+c.id+`","redirect_uri":"`+c.redirect+`","scope":"openid","response_type":"code"}`)) + "."
		t.Run("oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported", func(t *testing.T) {
			reset()
			u, _ := code(t, func(v url.Values) { v.Set("request", unsigned) })
			if u.Query().Get("error") != "request_not_supported" {
				t.Fatalf("redirect %s", u)
			}
		})
		t.Run("oidcc-ensure-request-object-with-redirect-uri", func(t *testing.T) {
			reset()
			u, _ := code(t, func(v url.Values) { v.Set("request", unsigned) })
			if u.Query().Get("error") != "request_not_supported" || u.Host != "rp-cert.example" {
				t.Fatalf("redirect %s", u)
			}
		})
		// The claims parameter is not offered (claims_parameter_supported is
		// false): it is ignored, the request succeeds and claims follow the
		// scopes.
		t.Run("oidcc-claims-essential", func(t *testing.T) {
			reset()
			out, _ := tokens(t, func(v url.Values) {
				v.Set("scope", "openid profile")
				v.Set("claims", `{"userinfo":{"name":{"essential":true}}}`)
			})
			if info := userinfo(t, e, out["access_token"].(string)); info["name"] != "Alice Tremblay" {
				t.Fatalf("%v", info)
			}
		})
		t.Run("oidcc-refresh-token", func(t *testing.T) {
			reset()
			out, first := tokens(t, scope("openid offline_access"))
			status, ref := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {out["refresh_token"].(string)}}, c.id, c.secret)
			if status != 200 {
				t.Fatalf("%d %v", status, ref)
			}
			if _, cl := c.idToken(t, tokenWith(ref)); cl.Sub != first.Sub {
				t.Fatalf("sub %s then %s", first.Sub, cl.Sub)
			}
		})
		t.Run("oidcc-ensure-request-with-valid-pkce-succeeds", func(t *testing.T) {
			reset()
			tokens(t, nil)
		})
		t.Run("oidcc-ensure-pkce-required", func(t *testing.T) {
			reset()
			u, _ := code(t, func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") })
			if u.Query().Get("error") != "invalid_request" {
				t.Fatalf("redirect %s", u)
			}
		})
		_ = ctx
	})
}
