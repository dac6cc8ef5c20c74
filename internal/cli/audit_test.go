package cli_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// TestAuditVerifyCommand runs `guichet audit verify` and `guichet audit
// proof` on a real log, then tampers with the database and checks that
// verify fails naming the entry.
func TestAuditVerifyCommand(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.DSN(t, d)
			keys := t.TempDir()
			db, err := database.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			signer, _, err := audit.LoadOrCreateKey(keys)
			if err != nil {
				t.Fatal(err)
			}
			log := audit.New(db, signer, audit.Options{})
			log.Start(ctx)
			defer log.Close(ctx)
			for i := range 10 {
				if _, err := log.Append(ctx, audit.Entry{Actor: fmt.Sprintf("agent-%d", i), Organization: "ramq", Action: "dossier.read", Object: "citizen-1", Purpose: "renewal"}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := log.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			pub := filepath.Join(keys, audit.VerifyKeyFile)
			code, out, errOut := run(t, nil, "audit", "verify", "--db", dsn, "--public-key", pub)
			if code != 0 || !strings.Contains(out, "intact: 10 entries") {
				t.Fatalf("verify: %d %q %q", code, out, errOut)
			}
			code, out, errOut = run(t, nil, "audit", "proof", "--db", dsn, "--seq", "3")
			if code != 0 || !strings.Contains(out, `"record_hash"`) || !strings.Contains(out, "guichet-audit") {
				t.Fatalf("proof: %d %q %q", code, out, errOut)
			}
			err = db.Write(ctx, func(tx *database.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE audit_entries SET purpose = 'curiosity' WHERE seq = 4`)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			code, _, errOut = run(t, nil, "audit", "verify", "--db", dsn, "--public-key", pub)
			if code != 1 || !strings.Contains(errOut, "NOT intact") || !strings.Contains(errOut, "entry 4") {
				t.Fatalf("verify after tampering: %d %q", code, errOut)
			}
		})
	}
}
