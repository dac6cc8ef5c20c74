package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/catalog/demo"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/identity"
)

func TestUsersCreate(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.DSN(t, d)
			db, err := database.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Write(ctx, func(tx *database.Tx) error { return demo.Install(ctx, tx) }); err != nil {
				t.Fatal(err)
			}
			run := func(stdin string, args ...string) (string, error) {
				var out, errOut bytes.Buffer
				err := usersWith(ctx, Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) (string, bool) { return "", false }},
					strings.NewReader(stdin), append(args[:1:1], append([]string{"--db", dsn}, args[1:]...)...))
				return out.String(), err
			}
			const pw = "un mot de passe assez long\n"
			agent := []string{"create-agent", "--name", "Louise Tremblay", "--org", "saaq", "--points", "saaq-laval, saaq-gatineau"}
			for _, tt := range []struct {
				name, stdin string
				args        []string
				want        string
			}{
				{"short password", "court\n", append(agent, "--email", "louise@saaq.example"), "at least 12"},
				{"common password", "password1234\n", append(agent, "--email", "louise@saaq.example"), "most common"},
				{"no password", "", append(agent, "--email", "louise@saaq.example"), "no password"},
				{"no e-mail", pw, agent, "--email is required"},
				{"unknown role", pw, append(agent, "--email", "louise@saaq.example", "--roles", "boss"), "Unknown role: boss"},
				{"unknown point", pw, []string{"create-agent", "--email", "louise@saaq.example", "--name", "L", "--org", "saaq", "--points", "nowhere"}, "no service point"},
				{"another organization's point", pw, []string{"create-agent", "--email", "louise@saaq.example", "--name", "L", "--org", "saaq", "--points", "saaq-laval,ramq-quebec"}, "belongs to organization \"ramq\""},
			} {
				t.Run(tt.name, func(t *testing.T) {
					if _, err := run(tt.stdin, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
						t.Errorf("err = %v, want %q", err, tt.want)
					}
				})
			}
			out, err := run(pw+"second line\n", append(agent, "--email", "Louise@SAAQ.example", "--roles", "agent,supervisor")...)
			if err != nil || !strings.Contains(out, "louise@saaq.example at saaq-laval, saaq-gatineau") || strings.Contains(out, "mot de passe") {
				t.Fatalf("create-agent: %q %v", out, err)
			}
			svc, _ := identity.New(db, identity.Options{})
			in, err := svc.SignIn(ctx, "louise@saaq.example", strings.TrimSpace(pw), identity.Client{Addr: "192.0.2.1"})
			if err != nil || in.Stage != identity.StageEnrol || !in.Account.MayServe("saaq-gatineau") || in.Account.MayServe("saaq-levis") ||
				!in.Account.Has(identity.RoleSupervisor) || in.Account.Name() != "Louise Tremblay" {
				t.Fatalf("sign in: %+v %v", in, err)
			}
			if _, err := run(pw, append(agent, "--email", "louise@saaq.example")...); err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Errorf("twice: %v", err)
			}
			out, err = run("", "create-admin", "--email", "admin@guichet.example", "--name", "Ada", "--generate")
			m := regexp.MustCompile(`Password \(shown once\): (\S+)`).FindStringSubmatch(out)
			if err != nil || m == nil {
				t.Fatalf("create-admin --generate: %q %v", out, err)
			}
			in, err = svc.SignIn(ctx, "admin@guichet.example", m[1], identity.Client{Addr: "192.0.2.1"})
			if err != nil || !in.Account.Has(identity.RolePlatformAdmin) {
				t.Errorf("sign in with the generated password: %+v %v", in, err)
			}
		})
	}
}

func TestUsersHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"create-admin", "--help"}, {"create-agent", "--help"}} {
		var out, errOut bytes.Buffer
		err := usersWith(context.Background(), Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) (string, bool) { return "", false }},
			strings.NewReader(""), args)
		if (err != nil && !errors.Is(err, flag.ErrHelp)) || !strings.Contains(out.String()+errOut.String(), "Usage: guichet users") {
			t.Errorf("%v: %v\n%s%s", args, err, out.String(), errOut.String())
		}
	}
	var errOut bytes.Buffer
	if err := usersWith(context.Background(), Env{Stdout: &errOut, Stderr: &errOut}, strings.NewReader(""), nil); !errors.Is(err, errUsage) {
		t.Errorf("no subcommand: %v", err)
	}
}
