package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/cli"
)

func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	return code, out.String(), errOut.String()
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"serve", "--help"}, {"migrate", "--help"},
		{"audit", "--help"}, {"audit", "verify", "--help"}, {"audit", "proof", "--help"}} {
		code, out, errOut := run(t, nil, args...)
		text := out + errOut
		if code != 0 || !strings.Contains(text, "Usage: guichet") {
			t.Errorf("%v: exit %d\n%s", args, code, text)
		}
	}
}

func TestBadConfigurationIsOneClearLine(t *testing.T) {
	code, _, errOut := run(t, nil, "serve", "--db", "mysql://root@localhost/db")
	if code == 0 {
		t.Fatal("exit 0 with an unsupported database")
	}
	want := "guichet serve: --db: unsupported database \"mysql\"; supported are SQLite"
	if !strings.HasPrefix(errOut, want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("stderr %q, want one line starting %q", errOut, want)
	}
	code, _, errOut = run(t, map[string]string{"GUICHET_ADDR": "nonsense"})
	if code == 0 || !strings.Contains(errOut, "is not HOST:PORT") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	if code, _, errOut = run(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
}

func TestMigrateAndVerifyAnEmptyLog(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "g.db")
	code, out, errOut := run(t, nil, "migrate", "--db", dsn)
	if code != 0 || !strings.Contains(out, "Applied") {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, nil, "migrate", "--db", dsn)
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
	code, _, errOut = run(t, nil, "audit", "verify", "--db", dsn, "--public-key", filepath.Join(dir, "missing.pub"))
	if code != 1 || !strings.Contains(errOut, "public key") {
		t.Fatalf("verify without key: %d %q", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	if code, out, _ := run(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "guichet ") {
		t.Fatalf("%d %q", code, out)
	}
}
