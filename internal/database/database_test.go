package database_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		dialect database.Dialect
		errPart string
	}{
		{"./data/g.db", database.SQLite, ""},
		{"sqlite:/tmp/x.db", database.SQLite, ""},
		{"postgres://u@h:5432/d", database.Postgres, ""},
		{"postgresql://u@h/d", database.Postgres, ""},
		{"mysql://root@localhost/db", "", "unsupported database \"mysql\"; supported are SQLite"},
		{"", "", "empty database address"},
		{"sqlite:", "", "needs a file path"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got, err := database.ParseDSN(tt.dsn)
			if tt.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errPart) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.errPart)
				}
				return
			}
			if err != nil || got.Dialect != tt.dialect {
				t.Fatalf("got %+v, %v; want dialect %s", got, err, tt.dialect)
			}
		})
	}
}

func TestRebind(t *testing.T) {
	got := database.Rebind(database.Postgres, `SELECT '?' FROM t WHERE a = ? AND b = "x?" AND c = ?`)
	want := `SELECT '?' FROM t WHERE a = $1 AND b = "x?" AND c = $2`
	if got != want {
		t.Fatalf("Rebind = %q, want %q", got, want)
	}
	if q := database.Rebind(database.SQLite, "a = ?"); q != "a = ?" {
		t.Fatalf("SQLite query changed: %q", q)
	}
}

func TestUnreachablePostgresIsAClearError(t *testing.T) {
	// Port 1 on loopback: nothing listens there.
	_, err := database.Open(context.Background(), "postgres://postgres:secret@127.0.0.1:1/test?connect_timeout=2")
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	msg := err.Error()
	if !strings.Contains(msg, "cannot reach PostgreSQL at 127.0.0.1:1/test") {
		t.Fatalf("unclear error: %s", msg)
	}
	if strings.Contains(msg, "secret") {
		t.Fatalf("error leaks the password: %s", msg)
	}
}

func TestStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		t.Run("migrations are recorded and idempotent", func(t *testing.T) {
			list, err := database.Migrations(db.Dialect)
			if err != nil || len(list) == 0 {
				t.Fatalf("migrations: %v %d", err, len(list))
			}
			v, err := db.Version(ctx)
			if err != nil || v != list[len(list)-1].Version {
				t.Fatalf("version = %d, %v; want %d", v, err, list[len(list)-1].Version)
			}
			n, err := db.Migrate(ctx)
			if err != nil || n != 0 {
				t.Fatalf("second Migrate applied %d, %v; want 0", n, err)
			}
		})
		if db.Dialect == database.Postgres { // SQLite waits with busy_timeout
			t.Run("lock waits are bounded", func(t *testing.T) {
				var v string
				db.Read(ctx, func(tx *database.Tx) error { return tx.QueryRow(ctx, `SHOW lock_timeout`).Scan(&v) })
				if v != "5s" {
					t.Fatalf("lock_timeout = %q, want 5s", v)
				}
			})
		}
		t.Run("unique violation is a conflict", func(t *testing.T) {
			insert := func() error {
				return db.Write(ctx, func(tx *database.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES (?, ?)`, "k1", "v")
					return err
				})
			}
			if err := insert(); err != nil {
				t.Fatal(err)
			}
			if err := insert(); errs.CodeOf(err) != errs.Conflict {
				t.Fatalf("duplicate insert: code %q (%v), want conflict", errs.CodeOf(err), err)
			}
		})
		t.Run("missing row is not found", func(t *testing.T) {
			err := db.Read(ctx, func(tx *database.Tx) error {
				var v string
				return tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = ?`, "nope").Scan(&v)
			})
			if errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("code %q (%v), want not_found", errs.CodeOf(err), err)
			}
		})
		t.Run("a failed transaction leaves nothing", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.Write(ctx, func(tx *database.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES (?, ?)`, "rolled", "v"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v", err)
			}
			var n int
			db.Read(ctx, func(tx *database.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM platform_settings WHERE name = 'rolled'`).Scan(&n)
			})
			if n != 0 {
				t.Fatal("rolled-back row is visible")
			}
		})
		t.Run("read-then-write is serialized", func(t *testing.T) {
			// 50 concurrent increments of one counter, each reading then
			// writing in one Write transaction: none may be lost.
			db.Write(ctx, func(tx *database.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES ('counter', '0')`)
				return err
			})
			var wg sync.WaitGroup
			for range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						err := db.Write(ctx, func(tx *database.Tx) error {
							var v int
							q := `SELECT CAST(value AS INTEGER) FROM platform_settings WHERE name = 'counter'`
							if db.Dialect == database.Postgres {
								q += ` FOR UPDATE`
							}
							if err := tx.QueryRow(ctx, q).Scan(&v); err != nil {
								return err
							}
							_, err := tx.Exec(ctx, `UPDATE platform_settings SET value = ? WHERE name = 'counter'`, itoa(v+1))
							return err
						})
						if err == nil {
							return
						}
						if !errs.Is(err, errs.Conflict) {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			var v int
			db.Read(ctx, func(tx *database.Tx) error {
				return tx.QueryRow(ctx, `SELECT CAST(value AS INTEGER) FROM platform_settings WHERE name = 'counter'`).Scan(&v)
			})
			if v != 50 {
				t.Fatalf("counter = %d, want 50", v)
			}
		})
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
