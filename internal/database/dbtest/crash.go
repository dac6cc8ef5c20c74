package dbtest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
)

// KillAfterAcks runs the test binary again as a child process with env set
// to dsn (the package's TestMain turns that into a writer that prints
// "ack KEY" for each write it acknowledged), kills it with SIGKILL once it
// has acknowledged n writes, and returns every key it acknowledged, those
// printed just before the kill included.
func KillAfterAcks(tb testing.TB, env, dsn string, n int) map[string]bool {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), env+"="+dsn)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	acked := map[string]bool{}
	lines := bufio.NewScanner(out)
	read := func() bool {
		if !lines.Scan() {
			return false
		}
		if key, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			acked[key] = true
		}
		return true
	}
	for len(acked) < n && read() {
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		tb.Fatal(err)
	}
	for read() { // acknowledgements written before the kill count too
	}
	cmd.Wait()
	if len(acked) < n {
		tb.Fatalf("the child acknowledged only %d writes before it stopped (%v)", len(acked), lines.Err())
	}
	return acked
}

// Keys returns the values of a query that selects one column, as a set.
func Keys(tb testing.TB, db *database.DB, query string) map[string]bool {
	tb.Helper()
	ctx := context.Background()
	keys := map[string]bool{}
	err := db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			if err := rows.Scan(&key); err != nil {
				return err
			}
			keys[key] = true
		}
		return rows.Err()
	})
	if err != nil {
		tb.Fatal(err)
	}
	return keys
}
