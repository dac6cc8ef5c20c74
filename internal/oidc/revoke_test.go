package oidc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/oidc"
)

func TestRevocationEndpoint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		revoke := func(form url.Values, user, pass string) int {
			req, _ := http.NewRequest("POST", e.srv.URL+"/oidc/revoke", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if user != "" {
				req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		c := e.client(t, webClient("rp-a.example"))
		tok := c.login(t, "openid offline_access")
		if status := revoke(url.Values{"token": {tok.RefreshToken}}, c.id, "wrong"); status != 401 && status != 400 {
			t.Fatalf("wrong secret: %d", status)
		}
		if status := revoke(url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}, c.id, c.secret); status != 200 {
			t.Fatalf("revoke: %d", status)
		}
		if status, _ := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, c.id, c.secret); status != 400 {
			t.Fatalf("refresh after revocation: %d", status)
		}
		if info := userinfo(t, e, tok.AccessToken); info["status"] == nil {
			t.Fatalf("access token of the revoked grant: %v", info)
		}
		// A private_key_jwt client revokes with an assertion, once.
		spec := webClient("rp-k.example")
		spec.AuthMethod = oidc.AuthPrivateKeyJWT
		k := e.client(t, spec)
		tok = k.login(t, "openid offline_access")
		a := k.assertion(e.srv.URL + "/oidc/token")
		form := url.Values{"token": {tok.RefreshToken}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
		if status := revoke(form, "", ""); status != 200 {
			t.Fatalf("revoke with assertion: %d", status)
		}
		if status := revoke(form, "", ""); status != 401 {
			t.Fatalf("assertion replayed at revocation: %d", status)
		}
	})
}
