package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

func TestOIDCClients(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.DSN(t, d)
			run := func(args ...string) (string, string, int) {
				var out, errOut bytes.Buffer
				code := Run(ctx, append([]string{"oidc", "clients"}, append(args, "--db", dsn)...),
					Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) (string, bool) { return "", false }})
				return out.String(), errOut.String(), code
			}
			out, _, code := run("create", "--name", "Mon dossier SAAQ", "--redirect-uri", "https://saaq.example/cb",
				"--redirect-uri", "https://saaq.example/cb2", "--post-logout-redirect-uri", "https://saaq.example/",
				"--backchannel-logout-uri", "https://saaq.example/logout", "--scope", "openid email")
			m := regexp.MustCompile(`client_id: (\S+)\nclient_secret \(shown once\): (\S+)\n`).FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("create: %d %q", code, out)
			}
			id, secret := m[1], m[2]
			jwks := filepath.Join(t.TempDir(), "jwks.json")
			os.WriteFile(jwks, []byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`), 0o600)
			out, _, code = run("create", "--name", "Traitement de nuit", "--auth", "private_key_jwt", "--jwks-file", jwks,
				"--grant", "client_credentials", "--scope", "dossier.read")
			if code != 0 || strings.Contains(out, "client_secret") || !strings.Contains(out, "client_id: ") {
				t.Fatalf("create private_key_jwt: %d %q", code, out)
			}
			out, _, code = run("list")
			if code != 0 || !strings.Contains(out, id+"  Mon dossier SAAQ  auth=client_secret_basic subject=pairwise sector=saaq.example") ||
				!strings.Contains(out, "Traitement de nuit  auth=private_key_jwt") || strings.Contains(out, secret) {
				t.Fatalf("list: %d %q", code, out)
			}
			for _, tt := range []struct {
				args []string
				want string
			}{
				{[]string{"create", "--redirect-uri", "https://x.example/cb"}, "--name: "},
				{[]string{"create", "--name", "X", "--redirect-uri", "http://x.example/cb"}, "--redirect-uri: "},
				{[]string{"create", "--name", "X", "--redirect-uri", "https://a.example/cb", "--redirect-uri", "https://b.example/cb"}, "--sector: "},
				{[]string{"create", "--name", "X", "--auth", "private_key_jwt", "--grant", "client_credentials"}, "--jwks-file: "},
				{[]string{"create", "--name", "X", "--grant", "implicit", "--redirect-uri", "https://x.example/cb"}, "--grant: "},
				{[]string{"delete", "--id", "nope"}, "There is no such client."},
			} {
				if _, errOut, code := run(tt.args...); code != 1 || !strings.Contains(errOut, tt.want) {
					t.Errorf("%v: %d %q, want %q", tt.args, code, errOut, tt.want)
				}
			}
			if out, _, code := run("delete", "--id", id); code != 0 || !strings.Contains(out, "deleted") {
				t.Fatalf("delete: %d %q", code, out)
			}
			if out, _, _ := run("list"); strings.Contains(out, id) {
				t.Fatalf("still listed: %q", out)
			}
		})
	}
}

func TestOIDCHelp(t *testing.T) {
	for _, args := range [][]string{{"oidc", "--help"}, {"oidc", "clients", "create", "--help"}, {"oidc", "clients", "list", "--help"}, {"oidc", "clients", "delete", "--help"}} {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) (string, bool) { return "", false }})
		if code != 0 || !strings.Contains(errOut.String(), "Usage: guichet oidc") {
			t.Errorf("%v: %d %q", args, code, errOut.String())
		}
	}
	var errOut bytes.Buffer
	if code := Run(context.Background(), []string{"oidc", "clients", "rename"}, Env{Stdout: &errOut, Stderr: &errOut}); code != 2 {
		t.Errorf("unknown subcommand: %d", code)
	}
}
