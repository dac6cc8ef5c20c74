package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/oidc"
)

// follow follows the redirects that stay on the site and returns the last
// answer: a page, or a redirect to another site (a service's callback).
func (b *browser) follow(resp *http.Response, body string) (*http.Response, string) {
	b.t.Helper()
	for i := 0; i < 10 && resp.StatusCode >= 300 && resp.StatusCode < 400; i++ {
		loc := resp.Header.Get("Location")
		if strings.HasPrefix(loc, b.base) {
			loc = strings.TrimPrefix(loc, b.base)
		}
		if !strings.HasPrefix(loc, "/") {
			return resp, body
		}
		resp, body = b.get(loc)
	}
	return resp, body
}

// relyingParty is a partner service signing people in with Guichet, with
// the real coreos/go-oidc and golang.org/x/oauth2 clients.
type relyingParty struct {
	t        *testing.T
	cfg      oauth2.Config
	verifier *gooidc.IDTokenVerifier
	provider *gooidc.Provider
}

func newRelyingParty(t *testing.T, r *running, name, host string) *relyingParty {
	t.Helper()
	ctx := context.Background()
	cl, secret, err := r.OIDC().Clients().Create(ctx, oidc.ClientSpec{Name: name, RedirectURIs: []string{"https://" + host + "/cb"},
		PostLogoutRedirectURIs: []string{"https://" + host + "/bye"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gooidc.NewProvider(ctx, r.url)
	if err != nil {
		t.Fatal(err)
	}
	return &relyingParty{t: t, cfg: oauth2.Config{ClientID: cl.ID, ClientSecret: secret, Endpoint: p.Endpoint(),
		RedirectURL: "https://" + host + "/cb", Scopes: []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess}},
		verifier: p.Verifier(&gooidc.Config{ClientID: cl.ID}), provider: p}
}

// signIn starts a sign-in at the service, lets act drive the pages from
// where the provider sends the browser, and returns the verified ID token
// and the tokens.
func (rp *relyingParty) signIn(b *browser, extra url.Values, act func(resp *http.Response, body string) (*http.Response, string)) (*gooidc.IDToken, *oauth2.Token) {
	rp.t.Helper()
	verifier := oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-0S6_WzA2Mj")}
	for k := range extra {
		opts = append(opts, oauth2.SetAuthURLParam(k, extra.Get(k)))
	}
	u, _ := url.Parse(rp.cfg.AuthCodeURL("xyz", opts...))
	resp, body := b.follow(b.get(u.RequestURI()))
	resp, body = act(resp, body)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther || loc.Host != strings.TrimPrefix(rp.cfg.RedirectURL[:len(rp.cfg.RedirectURL)-3], "https://") {
		rp.t.Fatalf("the browser did not come back to the service: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
		rp.t.Fatalf("callback %q", loc)
	}
	tok, err := rp.cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		rp.t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := rp.verifier.Verify(context.Background(), raw)
	if err != nil {
		rp.t.Fatalf("ID token: %v", err)
	}
	if id.Nonce != "n-0S6_WzA2Mj" {
		rp.t.Errorf("nonce %q", id.Nonce)
	}
	return id, tok
}

type idClaims struct {
	ACR   string   `json:"acr"`
	AMR   []string `json:"amr"`
	SID   string   `json:"sid"`
	Email string   `json:"email"`
	Given string   `json:"given_name"`
}

func claimsOf(t *testing.T, id *gooidc.IDToken) idClaims {
	t.Helper()
	var c idClaims
	if err := id.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// accept posts the consent screen's "allow".
func accept(b *browser, body string) (*http.Response, string) {
	b.t.Helper()
	m := regexp.MustCompile(`name="demande" value="([^"]+)"`).FindStringSubmatch(body)
	a := regexp.MustCompile(`<form method="post" action="([^"]+)" class="button-row">`).FindStringSubmatch(body)
	if m == nil || a == nil {
		b.t.Fatalf("no consent form:\n%s", body)
	}
	return b.follow(b.post(a[1], a[1], url.Values{"demande": {m[1]}, "decision": {"accept"}}))
}

// TestOIDCWithThePages: partner services sign a citizen in through the real
// pages (no JavaScript): the code flow with PKCE, consent remembered,
// pairwise subjects for services of different sectors, acr_values that
// force a second factor, refresh rotation with reuse detection, and a
// logout that ends the session.
func TestOIDCWithThePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		r := start(t, d.Dialect)
		ctx := context.Background()
		const email, password = "rp@example.com", "Un parcours au Saguenay"
		if err := r.Identity().SignUp(ctx, identity.SignUp{Email: email, GivenName: "Rosalie", FamilyName: "Paré", Password: password, Addr: "192.0.2.8"}); err != nil {
			t.Fatal(err)
		}
		link, _ := url.Parse(r.url + mailLink(t, r, "identity.verify_email", email))
		if _, err := r.Identity().VerifyEmail(ctx, link.Query().Get("jeton")); err != nil {
			t.Fatal(err)
		}
		acct, _ := r.Identity().AccountByEmail(ctx, email)
		impots := newRelyingParty(t, r, "Impôts en ligne", "impots.example")
		biblio := newRelyingParty(t, r, "Bibliothèque", "biblio.example")
		b := newBrowser(t, r.url)

		// First sign-in: the sign-in page, then the consent screen.
		id1, tok := impots.signIn(b, nil, func(resp *http.Response, body string) (*http.Response, string) {
			if !strings.Contains(body, `name="password"`) {
				t.Fatalf("not the sign-in page:\n%s", body)
			}
			next := regexp.MustCompile(`name="next" value="([^"]+)"`).FindStringSubmatch(body)
			resp, body = b.follow(b.post("/fr/connexion", "/fr/connexion", url.Values{"email": {email}, "password": {password}, "next": {next[1]}}))
			if !strings.Contains(body, "Impôts en ligne") || !strings.Contains(body, "votre adresse courriel") {
				t.Fatalf("no consent screen:\n%s", body)
			}
			return accept(b, body)
		})
		c1 := claimsOf(t, id1)
		if c1.ACR != assurance.LoA1 || !slices.Equal(c1.AMR, []string{"pwd"}) || c1.SID == "" || id1.Subject == acct.ID {
			t.Fatalf("ID token: sub %q %+v", id1.Subject, c1)
		}
		info, err := impots.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		var profile idClaims
		if err != nil || info.Subject != id1.Subject || info.Claims(&profile) != nil || profile.Email != email || profile.Given != "Rosalie" {
			t.Fatalf("userinfo: %+v %+v %v", info, profile, err)
		}
		// Again: signed in and consented, straight back with a code.
		id1b, _ := impots.signIn(b, nil, func(resp *http.Response, body string) (*http.Response, string) { return resp, body })
		if id1b.Subject != id1.Subject {
			t.Error("the same service sees another subject")
		}
		// Another sector: another subject for the same person.
		id2, _ := biblio.signIn(b, nil, func(resp *http.Response, body string) (*http.Response, string) { return accept(b, body) })
		if id2.Subject == id1.Subject {
			t.Fatal("two services of different sectors see the same subject")
		}

		// A service that asks for level 2: the person adds an app, then goes on.
		var secret string
		id3, _ := impots.signIn(b, url.Values{"acr_values": {assurance.LoA2}}, func(resp *http.Response, body string) (*http.Response, string) {
			m := regexp.MustCompile(`href="(/fr/compte/application\?next=[^"]+)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no way to add a factor:\n%s", body)
			}
			enrolNext, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
			secret, _ = b.enrol(enrolNext.Query().Get("next"), password)
			return b.follow(b.get(enrolNext.Query().Get("next")))
		})
		if c := claimsOf(t, id3); c.ACR != assurance.LoA2 || !slices.Contains(c.AMR, "otp") {
			t.Fatalf("after the step-up: %+v", c)
		}

		// prompt=login (and max_age=0): a fresh sign-in, password and code,
		// then straight back to the service; other services keep theirs.
		for _, extra := range []url.Values{{"prompt": {"login"}}, {"max_age": {"0"}}} {
			before := claimsOf(t, id3)
			id4, _ := impots.signIn(b, extra, func(resp *http.Response, body string) (*http.Response, string) {
				if !strings.Contains(body, "Le service demande que vous vous connectiez de nouveau") {
					t.Fatalf("%v: not asked to sign in again:\n%s", extra, body)
				}
				next := regexp.MustCompile(`name="next" value="([^"]+)"`).FindStringSubmatch(body)
				resp, body = b.post("/fr/connexion", "/fr/connexion", url.Values{"email": {email}, "password": {password}, "next": {next[1]}})
				loc, _ := url.Parse(resp.Header.Get("Location"))
				return b.follow(b.post(loc.RequestURI(), "/fr/connexion/code", url.Values{"code": {codes.next(t, secret)}, "next": {loc.Query().Get("next")}}))
			})
			if !id4.IssuedAt.After(id3.IssuedAt.Add(-time.Second)) || claimsOf(t, id4).SID != before.SID {
				t.Errorf("%v: after a fresh sign-in the service sees another session (sid %q, was %q)", extra, claimsOf(t, id4).SID, before.SID)
			}
		}

		// Refresh tokens rotate; the old one, presented again, is refused and
		// ends the grant.
		fresh, err := impots.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
			t.Fatalf("refresh: %v", err)
		}
		if _, err := impots.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Fatal("a rotated refresh token was accepted")
		}
		if _, err := impots.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); err == nil {
			t.Fatal("the grant survived the reuse of a rotated refresh token")
		}

		// The signing keys are sealed with the platform's keyring.
		var stored string
		if err := r.DB().Read(ctx, func(tx *database.Tx) error {
			return tx.QueryRow(ctx, `SELECT private_key FROM oidc_keys LIMIT 1`).Scan(&stored)
		}); err != nil || !strings.HasPrefix(stored, "g1.") {
			t.Errorf("signing key stored as %.12q… (%v), want sealed", stored, err)
		}

		// The account page lists the connected services.
		_, body := b.get("/fr/compte")
		if !strings.Contains(body, "Impôts en ligne") || !strings.Contains(body, "Bibliothèque") {
			t.Errorf("connected services not listed:\n%s", body)
		}

		// Logout from the service ends the session here.
		_, tok3 := impots.signIn(b, nil, func(resp *http.Response, body string) (*http.Response, string) { return resp, body })
		raw, _ := tok3.Extra("id_token").(string)
		endpoint := strings.TrimSuffix(r.url, "/") + "/oidc/end_session?" + url.Values{"id_token_hint": {raw},
			"post_logout_redirect_uri": {"https://impots.example/bye"}, "state": {"s1"}}.Encode()
		resp, _ := b.get(strings.TrimPrefix(endpoint, r.url))
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "https://impots.example/bye") || !strings.Contains(loc, "state=s1") {
			t.Fatalf("end_session: %d %q", resp.StatusCode, loc)
		}
		if resp, _ := b.get("/fr/compte"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the session survived the logout: %d", resp.StatusCode)
		}
		if _, err := impots.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok3.RefreshToken}).Token(); err == nil {
			t.Error("a refresh token issued under the ended session still works")
		}
	})
}
