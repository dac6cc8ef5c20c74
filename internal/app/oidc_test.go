package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/oidc"
)

// TestOIDCProviderIsServed checks the wiring: discovery names the running
// site as issuer, an authorization request goes to the sign-in page in the
// person's language, and the token endpoint answers a cross-site,
// cookie-less POST itself (it is exempt from the form CSRF check).
func TestOIDCProviderIsServed(t *testing.T) {
	r := start(t, dbtest.Dialects(t)[0])
	resp, body := get(t, r.url+"/.well-known/openid-configuration")
	var d map[string]any
	json.Unmarshal([]byte(body), &d)
	if resp.StatusCode != 200 || d["issuer"] != r.url || d["token_endpoint"] != r.url+"/oidc/token" {
		t.Fatalf("discovery %d %s", resp.StatusCode, body)
	}
	cl, _, err := r.OIDC().Clients().Create(context.Background(), oidc.ClientSpec{Name: "RP", RedirectURIs: []string{"https://rp.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("a-verifier-of-enough-length-0123456789-abcdef"))
	q := url.Values{"response_type": {"code"}, "client_id": {cl.ID}, "redirect_uri": {"https://rp.example/cb"},
		"scope": {"openid"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	resp, _ = get(t, r.url+"/oidc/authorize?"+q.Encode(), "Accept-Language", "en-CA,en;q=0.9")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/en/authorization?demande=") {
		t.Fatalf("authorize: %d %q", resp.StatusCode, loc)
	}
	req, _ := http.NewRequest("POST", r.url+"/oidc/token", strings.NewReader("grant_type=authorization_code&code=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.SetBasicAuth(cl.ID, "wrong")
	tr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Body.Close()
	var out map[string]any
	json.NewDecoder(tr.Body).Decode(&out)
	if tr.StatusCode == http.StatusForbidden || out["error"] == nil {
		t.Fatalf("token endpoint: %d %v", tr.StatusCode, out)
	}
	// Form pages keep their CSRF protection.
	req, _ = http.NewRequest("POST", r.url+"/fr/agent/connexion", strings.NewReader("email=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fr, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	fr.Body.Close()
	if fr.StatusCode != http.StatusForbidden {
		t.Fatalf("form POST without token: %d", fr.StatusCode)
	}
}
