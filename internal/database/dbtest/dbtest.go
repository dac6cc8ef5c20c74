// Package dbtest gives tests a fresh, migrated store on every supported
// database: SQLite always, PostgreSQL when GUICHET_TEST_POSTGRES holds a URL.
// Each PostgreSQL store lives in its own schema, dropped at the end of the test.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
)

// PostgresEnv names the variable holding the PostgreSQL URL for tests.
const PostgresEnv = "GUICHET_TEST_POSTGRES"

// Each runs fn once per available database, as a named subtest.
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Dialects lists the databases to test on. Without GUICHET_TEST_POSTGRES it
// logs that PostgreSQL is not covered; with CI=true it refuses to go on
// without it.
func Dialects(tb testing.TB) []database.Dialect {
	tb.Helper()
	if os.Getenv(PostgresEnv) != "" {
		return []database.Dialect{database.SQLite, database.Postgres}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is not set: CI must run the store tests on PostgreSQL too", PostgresEnv)
	}
	tb.Logf("PostgreSQL not tested: set %s=postgres://postgres@127.0.0.1:5432/test to include it", PostgresEnv)
	return []database.Dialect{database.SQLite}
}

// DSN returns a DSN for a fresh, empty database of dialect d, removed when
// the test ends.
func DSN(tb testing.TB, d database.Dialect) string {
	tb.Helper()
	if d == database.SQLite {
		return "sqlite:" + filepath.Join(tb.TempDir(), "guichet.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skipf("PostgreSQL not available: set %s", PostgresEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := database.Open(context.Background(), base)
	if err != nil {
		tb.Fatalf("PostgreSQL from %s: %v", PostgresEnv, err)
	}
	err = admin.Write(context.Background(), func(tx *database.Tx) error {
		_, err := tx.Exec(context.Background(), "CREATE SCHEMA "+schema)
		return err
	})
	if err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.Write(context.Background(), func(tx *database.Tx) error {
			_, err := tx.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			return err
		})
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a fresh, migrated store of dialect d, closed when the test ends.
func Open(tb testing.TB, d database.Dialect) *database.DB {
	tb.Helper()
	db, err := database.Open(context.Background(), DSN(tb, d))
	if err != nil {
		tb.Fatalf("open %s: %v", d, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", d, err)
	}
	return db
}
