package audit_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
)

// quiet is the tests' logger: the log's messages are not under test.
var quiet = slog.New(slog.DiscardHandler)

// clock is a deterministic clock that moves 1.5 µs per reading (so times
// have nanoseconds, and differ).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2025, 3, 4, 15, 16, 17, 123456789, time.FixedZone("EST", -5*3600))}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(1500 * time.Nanosecond)
	return c.t
}

func newKey(tb testing.TB) (note.Signer, note.Verifier) {
	tb.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.KeyName)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	return s, v
}

func newLog(tb testing.TB, db *database.DB) (*audit.Log, note.Verifier) {
	tb.Helper()
	s, v := newKey(tb)
	return audit.New(db, s, audit.Options{Logger: quiet, Now: newClock().Now}), v
}

func entry(i int) audit.Entry {
	return audit.Entry{
		Actor:        fmt.Sprintf("agent:%d", i%7),
		Organization: "ramq",
		Action:       "dossier.read",
		Object:       fmt.Sprintf("dossier:%d", i),
		Purpose:      "renouvellement",
		DetailsHash:  audit.DetailsHash(map[string]int{"i": i}),
	}
}

// appendTx appends count entries, numbered from first, in one transaction.
func appendTx(tb testing.TB, db *database.DB, l *audit.Log, first, count int) []int64 {
	tb.Helper()
	ctx := context.Background()
	var ids []int64
	err := db.Write(ctx, func(tx *database.Tx) error {
		for i := first; i < first+count; i++ {
			id, err := l.AppendTx(ctx, tx, entry(i))
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return ids
}

func execSQL(tb testing.TB, db *database.DB, query string, args ...any) {
	tb.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
	if err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}
