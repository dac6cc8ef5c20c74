package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// push posts a pushed authorization request and decodes the answer.
func (e *env) push(form url.Values, basic ...string) (int, map[string]any) {
	req, _ := http.NewRequest("POST", e.srv.URL+"/oidc/par", strings.NewReader(form.Encode()))
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

// TestPushedAuthorizationRequests (RFC 9126): the parameters go to the
// provider directly; the browser carries only a single-use request_uri.
func TestPushedAuthorizationRequests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-par.example"))
		other := e.client(t, webClient("rp-other.example"))
		params, verifier := c.codeParams("openid email")

		// Refused: no client authentication, a wrong secret, no PKCE, another client's redirect.
		if status, _ := e.push(params); status != http.StatusUnauthorized {
			t.Fatalf("unauthenticated push: %d", status)
		}
		if status, _ := e.push(params, c.id, "wrong"); status != http.StatusUnauthorized {
			t.Fatalf("wrong secret: %d", status)
		}
		noPKCE := url.Values{}
		for k, v := range params {
			noPKCE[k] = v
		}
		noPKCE.Del("code_challenge")
		if status, out := e.push(noPKCE, c.id, c.secret); status != http.StatusBadRequest || out["error"] != "invalid_request" {
			t.Fatalf("without PKCE: %d %v", status, out)
		}
		if status, _ := e.push(params, other.id, other.secret); status != http.StatusBadRequest {
			t.Fatalf("another client's redirect: %d", status)
		}

		status, out := e.push(params, c.id, c.secret)
		uri, _ := out["request_uri"].(string)
		if status != http.StatusCreated || !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") || out["expires_in"] != float64(90) {
			t.Fatalf("push: %d %v", status, out)
		}
		// Another client cannot use it.
		resp, err := e.browser().Get(e.srv.URL + "/oidc/authorize?" + url.Values{"client_id": {other.id}, "request_uri": {uri}}.Encode())
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("another client's request_uri: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		// That attempt spent it: push again, then the real front channel.
		_, out = e.push(params, c.id, c.secret)
		uri = out["request_uri"].(string)
		u := c.authorize(t, url.Values{"client_id": {c.id}, "request_uri": {uri}})
		code := u.Query().Get("code")
		if code == "" || u.Query().Get("state") != "st-1" {
			t.Fatalf("no code after a pushed request: %s", u)
		}
		if _, err := c.exchange(code, verifier); err != nil {
			t.Fatalf("exchange: %v", err)
		}
		// Single use.
		resp, err = e.browser().Get(e.srv.URL + "/oidc/authorize?" + url.Values{"client_id": {c.id}, "request_uri": {uri}}.Encode())
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("request_uri used twice: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		// Expired.
		_, out = e.push(params, c.id, c.secret)
		e.clock.Advance(91 * 1e9)
		resp, err = e.browser().Get(e.srv.URL + "/oidc/authorize?" + url.Values{"client_id": {c.id}, "request_uri": {out["request_uri"].(string)}}.Encode())
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("expired request_uri: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		// Advertised.
		if d := e.p.Discovery(); d.PushedAuthorizationRequestEndpoint != e.srv.URL+"/oidc/par" {
			t.Errorf("discovery: %q", d.PushedAuthorizationRequestEndpoint)
		}
	})
}
