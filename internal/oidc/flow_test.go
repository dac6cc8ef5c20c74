package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/oidc"
)

func TestCodeFlowWithPKCE(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-a.example"))
		tok := c.login(t, "openid profile email offline_access")
		_, claims := c.idToken(t, tok)
		if claims.ACR != assurance.LoA2 || !slices.Equal(claims.AMR, []string{"pwd", "otp"}) ||
			claims.AuthTime != e.auth.AuthTime.Unix() || claims.SID == "" || claims.Nonce != "n-1" {
			t.Fatalf("claims %+v", claims)
		}
		if claims.SID == e.auth.SessionID || claims.Sub == alice.AccountID {
			t.Fatal("sid or sub reveals an internal id")
		}
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token")
		}
		info := userinfo(t, e, tok.AccessToken)
		if info["email"] != alice.Email || info["given_name"] != "Alice" || info["sub"] != claims.Sub {
			t.Fatalf("userinfo %v", info)
		}
	})
}

func TestPKCEIsRequiredWithS256(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		conf := e.client(t, webClient("rp-a.example"))
		spec := webClient("app.example")
		spec.AuthMethod = oidc.AuthNone
		public := e.client(t, spec)
		for _, c := range []*rp{conf, public} {
			params, _ := c.codeParams("openid")
			params.Del("code_challenge")
			params.Del("code_challenge_method")
			if u := c.authorize(t, params); u.Query().Get("error") != "invalid_request" || u.Query().Get("code") != "" {
				t.Fatalf("without PKCE: %s", u)
			}
			params, verifier := c.codeParams("openid")
			params.Set("code_challenge", verifier)
			params.Set("code_challenge_method", "plain")
			if u := c.authorize(t, params); u.Query().Get("error") != "invalid_request" {
				t.Fatalf("plain PKCE: %s", u)
			}
			params, _ = c.codeParams("openid")
			params.Del("code_challenge_method") // defaults to plain
			if u := c.authorize(t, params); u.Query().Get("error") != "invalid_request" {
				t.Fatalf("PKCE without method: %s", u)
			}
			// A wrong verifier is refused at the token endpoint.
			params, _ = c.codeParams("openid")
			code := c.authorize(t, params).Query().Get("code")
			other, _ := pkce()
			if _, err := c.exchange(code, other); errorOf(err) != "invalid_grant" {
				t.Fatalf("wrong verifier: %v", err)
			}
		}
		// The public client completes the flow with PKCE alone.
		public.conf.ClientSecret = ""
		public.conf.Scopes = []string{"openid"}
		if tok := public.login(t, "openid"); tok.AccessToken == "" {
			t.Fatal("no access token")
		}
	})
}

func TestLevelsOfAssurance(t *testing.T) {
	if !assurance.AtLeast(assurance.LoA3, assurance.LoA2) || assurance.AtLeast(assurance.LoA1, assurance.LoA2) ||
		!assurance.AtLeast(assurance.LoA1, "") || assurance.AtLeast("x", "") || assurance.AtLeast(assurance.LoA3, "x") {
		t.Fatal("LevelAtLeast")
	}
	if !slices.Equal(assurance.Levels, []string{"urn:guichet:loa:1", "urn:guichet:loa:2", "urn:guichet:loa:3"}) {
		t.Fatal(assurance.Levels)
	}
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-a.example"))
		// acr_values lists acceptable levels: the lowest one is what must be reached.
		params, verifier := c.codeParams("openid")
		params.Set("acr_values", assurance.LoA3+" "+assurance.LoA2+" urn:other:level")
		code := c.authorize(t, params).Query().Get("code")
		if e.lastReq.ACR != assurance.LoA2 {
			t.Fatalf("Request.ACR = %q", e.lastReq.ACR)
		}
		tok, err := c.exchange(code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		if _, cl := c.idToken(t, tok); cl.ACR != assurance.LoA2 {
			t.Fatalf("acr %q", cl.ACR)
		}
		// A sign-in below the level asked for does not complete.
		e.set(func(e *env) { e.auth.ACR, e.auth.AMR = assurance.LoA1, []string{"pwd"} })
		params, _ = c.codeParams("openid")
		params.Set("acr_values", assurance.LoA2)
		var refused error
		e.set(func(e *env) {
			e.signIn = func(w http.ResponseWriter, r *http.Request, req oidc.Request) {
				_, refused = e.p.Complete(r.Context(), req.ID, e.auth, true)
				to, _ := e.p.Deny(r.Context(), req.ID)
				http.Redirect(w, r, to, http.StatusFound)
			}
		})
		u := c.authorize(t, params)
		if !errs.Is(refused, errs.Invalid) || u.Query().Get("error") != "access_denied" || u.Query().Get("state") != "st-1" {
			t.Fatalf("refused %v, redirect %s", refused, u)
		}
	})
}

func TestPairwiseSubjects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		a := e.client(t, webClient("rp-a.example"))
		a2spec := webClient("login.rp-a2.example")
		a2spec.Sector = "rp-a.example" // same sector, declared
		a2 := e.client(t, a2spec)
		b := e.client(t, webClient("rp-b.example"))
		pubSpec := webClient("rp-c.example")
		pubSpec.SubjectType = oidc.SubjectPublic
		pub := e.client(t, pubSpec)
		sub := func(c *rp) string {
			_, cl := c.idToken(t, c.login(t, "openid"))
			return cl.Sub
		}
		sa, sa2, sb, sp := sub(a), sub(a2), sub(b), sub(pub)
		if sa != sa2 || sa == sb || sa == "" || sb == "" {
			t.Fatalf("same sector %q %q, other sector %q", sa, sa2, sb)
		}
		if sp != alice.AccountID {
			t.Fatalf("public subject %q", sp)
		}
		// A pairwise client with redirect URIs on two hosts must declare its sector.
		spec := webClient("x.example")
		spec.RedirectURIs = append(spec.RedirectURIs, "https://y.example/cb")
		if _, _, err := e.p.Clients().Create(context.Background(), spec); !errs.Is(err, errs.Invalid) {
			t.Fatalf("two hosts without sector: %v", err)
		}
	})
}

func TestAuthTimeAndMaxAge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-a.example"))
		e.clock.Advance(time.Hour) // the session is an hour old
		params, _ := c.codeParams("openid")
		params.Set("max_age", "60")
		var refused error
		e.set(func(e *env) {
			e.signIn = func(w http.ResponseWriter, r *http.Request, req oidc.Request) {
				if req.MaxAge == nil || *req.MaxAge != time.Minute {
					t.Errorf("MaxAge %v", req.MaxAge)
				}
				_, refused = e.p.Complete(r.Context(), req.ID, e.auth, true)
				e.auth.AuthTime = e.clock.Now() // signs in again
				to, err := e.p.Complete(r.Context(), req.ID, e.auth, true)
				if err != nil {
					t.Error(err)
				}
				http.Redirect(w, r, to, http.StatusFound)
			}
		})
		u := c.authorize(t, params)
		if !errs.Is(refused, errs.Invalid) || u.Query().Get("code") == "" {
			t.Fatalf("refused %v, redirect %s", refused, u)
		}
		_ = url.Values{}
	})
}
