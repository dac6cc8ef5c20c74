package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/dossier"
)

// TestDossierReencryptCommand rotates the keyring and runs `guichet dossier
// reencrypt`: every value moves to the new key, and the old key can go.
func TestDossierReencryptCommand(t *testing.T) {
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
			err = db.Write(ctx, func(tx *database.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO identity_accounts (id, kind, email, password_hash, created_at) VALUES ('c1', 'citizen', 'c1@example.com', 'x', 0)`)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "keys")
			oldLine, newLine := "old:"+strings.Split(dossier.NewKeyLine(time.Now()), ":")[1], "new:"+strings.Split(dossier.NewKeyLine(time.Now()), ":")[1]
			write := func(lines ...string) {
				if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write(oldLine)
			open := func() *dossier.Service {
				ring, err := dossier.LoadKeyring(file)
				if err != nil {
					t.Fatal(err)
				}
				return dossier.New(db, dossier.Options{Keys: ring, Audit: audit.New(db, nil, audit.Options{})})
			}
			if err := open().Record(ctx, "system:test", "", "c1", map[string]string{dossier.FieldHealthNumber: "ABCD12345678", dossier.FieldAddress: "1, rue Principale"}); err != nil {
				t.Fatal(err)
			}
			write(newLine, oldLine)
			code, out, errOut := run(t, nil, "dossier", "reencrypt", "--db", dsn, "--dossier-keys", file, "--batch", "1")
			if code != 0 || !strings.Contains(out, "Re-encrypted 2 of 2 sealed values under key new; 0 left") {
				t.Fatalf("reencrypt: %d %q %q", code, out, errOut)
			}
			write(newLine)
			f, err := open().Mine(ctx, "c1")
			if err != nil || f.Attributes[dossier.FieldHealthNumber] != "ABCD12345678" {
				t.Fatalf("with the new key only: %v %+v", err, f)
			}
			// A keyring without the key a value is sealed under: exit 1, said plainly.
			write(oldLine)
			code, _, errOut = run(t, nil, "dossier", "reencrypt", "--db", dsn, "--dossier-keys", file)
			if code != 1 || !strings.Contains(errOut, "older key missing") {
				t.Errorf("missing key: %d %q", code, errOut)
			}
			if code, out, _ := run(t, nil, "dossier", "new-key"); code != 0 || !strings.Contains(out, ":") {
				t.Errorf("new-key: %d %q", code, out)
			}
			for _, args := range [][]string{{"dossier", "--help"}, {"dossier", "reencrypt", "--help"}} {
				if code, out, errOut := run(t, nil, args...); code != 0 || !strings.Contains(out+errOut, "Usage: guichet dossier") {
					t.Errorf("%v: %d", args, code)
				}
			}
		})
	}
}
