package oidc_test

import (
	"context"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/oidc"
)

func TestCodeFlowWithPKCE(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		c := e.client(t, webClient("rp-a.example"))
		tok := c.login(t, "openid profile email offline_access")
		_, claims := c.idToken(t, tok)
		if claims.ACR != oidc.LoA2 || len(claims.AMR) != 2 || claims.AMR[1] != "otp" || claims.AuthTime != e.auth.AuthTime.Unix() || claims.SID == "" || claims.Nonce != "n-1" {
			t.Fatalf("claims %+v", claims)
		}
		if claims.SID == e.auth.SessionID {
			t.Fatal("sid reveals the session id")
		}
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token")
		}
		prov, _ := c.verifier(t, nil), 0
		_ = prov
		info := userinfo(t, e, tok.AccessToken)
		if info["email"] != alice.Email || info["given_name"] != "Alice" || info["sub"] != claims.Sub {
			t.Fatalf("userinfo %v", info)
		}
		_ = context.Background()
	})
}
