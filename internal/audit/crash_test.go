package audit_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// childDSNEnv tells the child process of TestKillNine which database to
// append to.
const childDSNEnv = "GUICHET_AUDIT_CHILD_DSN"

// TestKillNine kills a process that appends as fast as it can with SIGKILL
// and checks that every append it acknowledged survived, and that the log
// then integrates, signs and verifies.
func TestKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process; skipped with -short")
	}
	const acks = 2000
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

			acked := dbtest.KillAfterAcks(t, childDSNEnv, dsn, acks)
			db2, err := database.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			present := dbtest.Keys(t, db2, `SELECT CAST(id AS TEXT) FROM audit_entries`)
			for id := range acked {
				if !present[id] {
					t.Fatalf("acknowledged entry id %s is lost (%d acknowledged, %d present)", id, len(acked), len(present))
				}
			}
			s, v := newKey(t)
			l := audit.New(db2, s, audit.Options{Logger: quiet})
			if _, err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Verify(ctx, db2, v)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Pending != 0 || rep.Entries != int64(len(present)) {
				t.Fatalf("report %+v, want %d entries and none pending", rep, len(present))
			}
			t.Logf("%d acknowledged, %d present after kill -9, all integrated and verified", len(acked), len(present))
		})
	}
}

// runAppenderChild is the process TestKillNine kills (TestMain runs it when
// the child variable is set): 32 goroutines append in a loop and print
// "ack ID" for each acknowledged append.
func runAppenderChild(dsn string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // in case the parent dies
	defer cancel()
	db, err := database.Open(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	dir, err := os.MkdirTemp("", "audit-child")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	defer os.RemoveAll(dir)
	s, _, err := audit.LoadOrCreateKey(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	l := audit.New(db, s, audit.Options{Logger: quiet})
	l.Start(ctx)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				id, err := l.Append(ctx, entry(w*1_000_000+i))
				if err != nil {
					continue
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "ack %d\n", id) // unbuffered: one write per line
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Fprintln(os.Stderr, "child: not killed within a minute")
	os.Exit(4)
}

// TestMain runs the appender child when TestKillNine starts this binary as
// one, and the tests otherwise.
func TestMain(m *testing.M) {
	if dsn := os.Getenv(childDSNEnv); dsn != "" {
		runAppenderChild(dsn)
	}
	os.Exit(m.Run())
}
