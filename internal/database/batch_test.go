package database_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
)

func TestBatcher(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		b := db.NewBatcher(64)
		defer b.Close()
		boom := errors.New("boom")
		var wg sync.WaitGroup
		results := make([]error, 300)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = b.Do(ctx, func(tx *database.Tx) error {
					if _, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES (?, 'x')`, fmt.Sprintf("k%03d", i)); err != nil {
						return err
					}
					switch i % 10 {
					case 3: // fails after writing: its write must be rolled back alone
						return boom
					case 7: // a constraint violation inside a batch
						_, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES (?, 'dup')`, fmt.Sprintf("k%03d", i))
						return err
					}
					return nil
				})
			}()
		}
		wg.Wait()
		var n int
		db.Read(ctx, func(tx *database.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM platform_settings WHERE name LIKE 'k%'`).Scan(&n)
		})
		if n != 240 {
			t.Fatalf("%d rows committed, want 240", n)
		}
		for i, err := range results {
			switch i % 10 {
			case 3:
				if !errors.Is(err, boom) {
					t.Errorf("%d: %v, want boom", i, err)
				}
			case 7:
				if errs.CodeOf(err) != errs.Conflict {
					t.Errorf("%d: %v, want a conflict", i, err)
				}
			default:
				if err != nil {
					t.Errorf("%d: %v", i, err)
				}
			}
		}
		b.Close()
		if err := b.Do(ctx, func(*database.Tx) error { return nil }); !errors.Is(err, database.ErrBatcherClosed) {
			t.Fatalf("Do after Close: %v", err)
		}
	})
}
