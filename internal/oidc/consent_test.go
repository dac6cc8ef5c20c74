package oidc_test

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/oidc"
)

func TestConsentRememberedAndRevocable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-a.example"))
		// Without consent given or recorded, Complete refuses.
		e.set(func(e *env) { e.consent = false })
		params, _ := c.codeParams("openid email")
		resp, err := e.browser().Get(e.srv.URL + "/oidc/authorize?" + params.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("completed without consent: %d", resp.StatusCode)
		}
		req := e.lastReq
		if !slices.Equal(req.Claims, []string{"sub", "email", "email_verified"}) || req.ClientName != "Service rp-a.example" {
			t.Fatalf("request %+v", req)
		}
		if need, err := e.p.NeedsConsent(ctx, alice.AccountID, req); err != nil || !need {
			t.Fatalf("needs consent before: %v %v", need, err)
		}
		e.set(func(e *env) { e.consent = true })
		tok := c.login(t, "openid email offline_access")
		req.Scopes = []string{"openid", "email"}
		if need, _ := e.p.NeedsConsent(ctx, alice.AccountID, req); need {
			t.Fatal("consent not remembered")
		}
		req.Scopes = []string{"openid", "profile"}
		if need, _ := e.p.NeedsConsent(ctx, alice.AccountID, req); !need {
			t.Fatal("a new scope needs consent")
		}
		req.Scopes, req.PromptConsent = []string{"openid"}, true
		if need, _ := e.p.NeedsConsent(ctx, alice.AccountID, req); !need {
			t.Fatal("prompt=consent asks again")
		}
		// Remembered: the next sign-in completes without asking.
		e.set(func(e *env) { e.consent = false })
		c.login(t, "openid email")
		list, err := e.p.Consents(ctx, alice.AccountID)
		if err != nil || len(list) != 1 || list[0].ClientID != c.id || list[0].ClientName != "Service rp-a.example" ||
			!slices.Equal(list[0].Scopes, []string{"email", "offline_access", "openid"}) {
			t.Fatalf("consents %+v %v", list, err)
		}
		if err := e.p.RevokeConsent(ctx, alice.AccountID, c.id); err != nil {
			t.Fatal(err)
		}
		if err := e.p.RevokeConsent(ctx, alice.AccountID, c.id); !errs.Is(err, errs.NotFound) {
			t.Fatalf("second revocation: %v", err)
		}
		if list, _ := e.p.Consents(ctx, alice.AccountID); len(list) != 0 {
			t.Fatalf("after revocation %+v", list)
		}
		status, out := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, c.id, c.secret)
		if status != 400 {
			t.Fatalf("refresh after consent revoked: %d %v", status, out)
		}
		if info := userinfo(t, e, tok.AccessToken); info["status"] == nil {
			t.Fatalf("access token after consent revoked: %v", info)
		}
	})
}

func TestAuditHasGrantsWithoutSecrets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-a.example"))
		tok := c.login(t, "openid email offline_access")
		e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, c.id, c.secret)
		if err := e.p.RevokeConsent(ctx, alice.AccountID, c.id); err != nil {
			t.Fatal(err)
		}
		var got []string
		err := db.Read(ctx, func(tx *database.Tx) error {
			rows, err := tx.Query(ctx, `SELECT actor, action, object, purpose FROM audit_entries ORDER BY id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var actor, action, object, purpose string
				if err := rows.Scan(&actor, &action, &object, &purpose); err != nil {
					return err
				}
				for _, secret := range []string{tok.AccessToken, tok.RefreshToken, c.secret, "session-1"} {
					if secret != "" && (actor == secret || object == secret || purpose == secret) {
						t.Errorf("secret in audit entry %s", action)
					}
				}
				got = append(got, actor+" "+action+" "+object+" "+purpose)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"account:acct-alice oidc.consent.grant client:" + c.id + " email offline_access openid",
			"account:acct-alice oidc.token.authorization_code client:" + c.id + " openid email offline_access",
			"account:acct-alice oidc.token.refresh_token client:" + c.id + " openid email offline_access",
			"account:acct-alice oidc.consent.revoke client:" + c.id + " ",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("audit\n%q\nwant\n%q", got, want)
		}
	})
}

func TestClientsAdministration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		bad := []oidc.ClientSpec{
			{Name: ""},
			{Name: "x", RedirectURIs: []string{"http://rp.example/cb"}},                                      // http off loopback
			{Name: "x", RedirectURIs: []string{"https://rp.example/cb#f"}},                                   // fragment
			{Name: "x", AuthMethod: oidc.AuthPrivateKeyJWT, RedirectURIs: []string{"https://rp.example/cb"}}, // no keys
			{Name: "x", AuthMethod: oidc.AuthNone, GrantTypes: []string{oidc.GrantClientCredentials}},
			{Name: "x", GrantTypes: []string{"implicit"}, RedirectURIs: []string{"https://rp.example/cb"}},
			{Name: "x", SubjectType: "secret", RedirectURIs: []string{"https://rp.example/cb"}},
		}
		for i, spec := range bad {
			if _, _, err := e.p.Clients().Create(ctx, spec); !errs.Is(err, errs.Invalid) {
				t.Errorf("case %d: %v", i, err)
			}
		}
		c := e.client(t, webClient("rp-a.example"))
		list, err := e.p.Clients().List(ctx)
		if err != nil || len(list) != 1 || list[0].ID != c.id || list[0].Sector != "rp-a.example" || list[0].SubjectType != oidc.SubjectPairwise {
			t.Fatalf("list %+v %v", list, err)
		}
		if err := e.p.Clients().Delete(ctx, c.id); err != nil {
			t.Fatal(err)
		}
		if err := e.p.Clients().Delete(ctx, c.id); !errs.Is(err, errs.NotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}
