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
	"github.com/guichet-qc/guichet/internal/staff"
)

func TestStaffAdd(t *testing.T) {
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
			run := func(stdin string, args ...string) (string, string, error) {
				var out, errOut bytes.Buffer
				err := staffWith(ctx, Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) (string, bool) { return "", false }},
					strings.NewReader(stdin), append([]string{"add", "--db", dsn}, args...))
				return out.String(), errOut.String(), err
			}
			base := []string{"--name", "Louise Tremblay", "--org", "saaq", "--points", "saaq-laval, saaq-gatineau"}
			for _, tt := range []struct {
				name, stdin string
				args        []string
				want        string
			}{
				{"short password", "court\n", append([]string{"--email", "louise@saaq.example"}, base...), "shorter than 12"},
				{"no password", "", append([]string{"--email", "louise@saaq.example"}, base...), "shorter than 12"},
				{"no e-mail", "un mot de passe assez long\n", base, "--email is required"},
				{"unknown point", "un mot de passe assez long\n", []string{"--email", "louise@saaq.example", "--name", "L", "--org", "saaq", "--points", "nowhere"}, "no service point"},
				{"another organization's point", "un mot de passe assez long\n", []string{"--email", "louise@saaq.example", "--name", "L", "--org", "saaq", "--points", "saaq-laval,ramq-quebec"}, "belongs to organization \"ramq\""},
			} {
				t.Run(tt.name, func(t *testing.T) {
					if _, _, err := run(tt.stdin, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
						t.Errorf("err = %v, want %q", err, tt.want)
					}
				})
			}
			out, _, err := run("un mot de passe assez long\nsecond line\n", append([]string{"--email", "Louise@SAAQ.example"}, base...)...)
			if err != nil || !strings.Contains(out, "louise@saaq.example at saaq-laval, saaq-gatineau") || strings.Contains(out, "mot de passe") {
				t.Fatalf("add: %q %v", out, err)
			}
			store := staff.NewStore(db, nil)
			a, _, err := store.SignIn(ctx, "louise@saaq.example", "un mot de passe assez long")
			if err != nil || !a.MayServe("saaq-gatineau") || a.MayServe("saaq-levis") || a.Name != "Louise Tremblay" {
				t.Fatalf("sign in: %+v %v", a, err)
			}
			if _, _, err := run("un mot de passe assez long\n", append([]string{"--email", "louise@saaq.example"}, base...)...); err == nil ||
				!strings.Contains(err.Error(), "already exists") {
				t.Errorf("twice: %v", err)
			}
			out, _, err = run("", append([]string{"--email", "marc@saaq.example", "--generate"}, base...)...)
			m := regexp.MustCompile(`Password \(shown once\): (\S+)`).FindStringSubmatch(out)
			if err != nil || m == nil {
				t.Fatalf("--generate: %q %v", out, err)
			}
			if _, _, err := store.SignIn(ctx, "marc@saaq.example", m[1]); err != nil {
				t.Errorf("sign in with the generated password: %v", err)
			}
		})
	}
}

func TestStaffHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"add", "--help"}} {
		var out, errOut bytes.Buffer
		err := staffWith(context.Background(), Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) (string, bool) { return "", false }},
			strings.NewReader(""), args)
		if (err != nil && !errors.Is(err, flag.ErrHelp)) || !strings.Contains(out.String()+errOut.String(), "Usage: guichet staff add") {
			t.Errorf("%v: %v\n%s%s", args, err, out.String(), errOut.String())
		}
	}
	var errOut bytes.Buffer
	if err := staffWith(context.Background(), Env{Stdout: &errOut, Stderr: &errOut}, strings.NewReader(""), nil); !errors.Is(err, errUsage) {
		t.Errorf("no subcommand: %v", err)
	}
}
