package bench

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
)

// Ceiling is the baseline: how many transactions of one single-row INSERT
// each the database commits per second with this many concurrent clients,
// through the application's own pools (database.DB.Write), with no HTTP
// and no batching. A booking does more work than that insert, so
// bookings/s above the ceiling is what group commit buys.
type Ceiling struct {
	Clients   int           `json:"clients"`
	Inserts   int           `json:"inserts"`
	Errors    int           `json:"errors"`
	Elapsed   time.Duration `json:"-"`
	PerSecond float64       `json:"inserts_per_second"`
	Latency   Latency       `json:"latency"`
}

// MarshalJSON writes the elapsed time in milliseconds.
func (c Ceiling) MarshalJSON() ([]byte, error) {
	type plain Ceiling
	return json.Marshal(struct {
		plain
		ElapsedMS float64 `json:"elapsed_ms"`
	}{plain(c), ms(c.Elapsed)})
}

// measureCeiling runs clients goroutines, each committing one INSERT per
// transaction into a scratch table made for the run, for d; the table is
// dropped at the end.
func measureCeiling(ctx context.Context, db *database.DB, run string, clients int, d time.Duration) (Ceiling, error) {
	table := "bench_ceiling_" + run
	exec := func(q string) error {
		return db.Write(ctx, func(tx *database.Tx) error {
			_, err := tx.Exec(ctx, q)
			return err
		})
	}
	if err := exec(`CREATE TABLE ` + table + ` (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)`); err != nil {
		return Ceiling{}, err
	}
	defer exec(`DROP TABLE ` + table) //nolint:errcheck // best effort; the schema or file goes too
	insert := `INSERT INTO ` + table + ` (id, payload) VALUES (?, ?)`
	payload := "citoyen-0000000000@" + mailDomain // about the size of a booking's text
	var seq atomic.Int64
	var errCount atomic.Int64
	times := make([][]time.Duration, clients)
	start := time.Now()
	stop := start.Add(d)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for time.Now().Before(stop) && ctx.Err() == nil {
				id := seq.Add(1)
				t0 := time.Now()
				err := db.Write(ctx, func(tx *database.Tx) error {
					_, err := tx.Exec(ctx, insert, id, payload)
					return err
				})
				times[c] = append(times[c], time.Since(t0))
				if err != nil {
					errCount.Add(1)
				}
			}
		})
	}
	wg.Wait()
	res := Ceiling{Clients: clients, Elapsed: time.Since(start), Errors: int(errCount.Load())}
	var all []time.Duration
	for _, t := range times {
		all = append(all, t...)
	}
	res.Inserts = len(all) - res.Errors
	res.Latency = percentiles(all)
	res.PerSecond = float64(res.Inserts) / res.Elapsed.Seconds()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}
