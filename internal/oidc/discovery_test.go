package oidc_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// TestDiscovery checks the document against the architecture's contract,
// field by field: exactly what is offered.
func TestDiscovery(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, dbtest.Dialects(t)[0]))
	resp, err := http.Get(e.srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	list := func(v ...string) []any {
		out := make([]any, len(v))
		for i := range v {
			out[i] = v[i]
		}
		return out
	}
	iss := e.srv.URL
	want := map[string]any{
		"issuer":                                           iss,
		"authorization_endpoint":                           iss + "/oidc/authorize",
		"token_endpoint":                                   iss + "/oidc/token",
		"userinfo_endpoint":                                iss + "/oidc/userinfo",
		"jwks_uri":                                         iss + "/oidc/keys",
		"revocation_endpoint":                              iss + "/oidc/revoke",
		"pushed_authorization_request_endpoint":            iss + "/oidc/par",
		"end_session_endpoint":                             iss + "/oidc/end_session",
		"scopes_supported":                                 list("openid", "profile", "email", "offline_access"),
		"response_types_supported":                         list("code"),
		"response_modes_supported":                         list("query"),
		"grant_types_supported":                            list("authorization_code", "refresh_token", "client_credentials"),
		"subject_types_supported":                          list("pairwise", "public"),
		"id_token_signing_alg_values_supported":            list("ES256"),
		"token_endpoint_auth_methods_supported":            list("private_key_jwt", "client_secret_basic", "none"),
		"token_endpoint_auth_signing_alg_values_supported": list("ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"),
		"revocation_endpoint_auth_methods_supported":       list("private_key_jwt", "client_secret_basic", "none"),
		"code_challenge_methods_supported":                 list("S256"),
		"acr_values_supported":                             list(assurance.Levels...),
		"claims_supported":                                 list("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "at_hash", "c_hash", "azp", "name", "given_name", "family_name", "locale", "email", "email_verified"),
		"claims_parameter_supported":                       false,
		"request_parameter_supported":                      false,
		"request_uri_parameter_supported":                  false,
		"ui_locales_supported":                             list("fr-CA", "en-CA"),
		"backchannel_logout_supported":                     true,
		"backchannel_logout_session_supported":             true,
		"authorization_response_iss_parameter_supported":   false,
	}
	if !reflect.DeepEqual(d, want) {
		for k, v := range want {
			if !reflect.DeepEqual(d[k], v) {
				t.Errorf("%s = %v, want %v", k, d[k], v)
			}
		}
		for k := range d {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected %s", k)
			}
		}
	}
}
