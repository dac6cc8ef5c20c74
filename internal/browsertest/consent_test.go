package browsertest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet-qc/guichet/internal/oidc"
)

// TestConsentScreenAccessible: the screen where a person allows a partner
// service (reached only in the middle of a sign-in, so not among the
// routes' examples) has no axe violation in either language, with and
// without JavaScript.
func TestConsentScreenAccessible(t *testing.T) {
	a := site(t)
	tl := needTools(t)
	signedIn(t, a) // the shared browser is signed in (as the demonstration agent)
	cl, _, err := a.OIDC().Clients().Create(context.Background(), oidc.ClientSpec{Name: "Service partenaire de test",
		RedirectURIs: []string{"https://partenaire.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"fr", "en"} {
		for _, jsOff := range []bool{false, true} {
			sum := sha256.Sum256([]byte("verifier-" + lang + strings.Repeat("x", 40)))
			q := url.Values{"response_type": {"code"}, "client_id": {cl.ID}, "redirect_uri": {"https://partenaire.example/cb"},
				"scope": {"openid profile email"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
				"code_challenge_method": {"S256"}, "ui_locales": {lang + "-CA"}}
			tb := newTab(t, jsOff)
			// The provider picks the page's language from ui_locales.
			rep, err := tb.audit(a.URL()+"/oidc/authorize?"+q.Encode(), tl.axe)
			if err != nil {
				t.Fatalf("%s: %v", lang, err)
			}
			at, err := chromedp.Run(tb.ctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != 200 || rep.Lang != lang || !strings.Contains(at, map[string]string{"fr": "/fr/autorisation?demande=", "en": "/en/authorization?demande="}[lang]) {
				t.Fatalf("%s: status %d, lang %q, at %s: not the consent screen", lang, rep.Status, rep.Lang, at)
			}
			if len(rep.Violations) > 0 {
				t.Error(describe("consent screen ("+lang+")", rep.Violations))
			}
		}
	}
}
