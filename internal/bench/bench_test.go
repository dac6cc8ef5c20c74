package bench_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/bench"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// testWriter sends the in-process server's warnings and errors to the test
// log, so that a 5xx comes with its cause.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) { w.tb.Log(string(p)); return len(p), nil }

// TestBookingBenchmark runs a short benchmark and checks counts and
// invariants, never speed: every spread request is booked, the hot slot
// takes exactly its capacity and answers 409 to everyone else, no server
// or transport error, and the database holds exactly the bookings answered
// 201 with no slot over capacity.
func TestBookingBenchmark(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			dsn := "" // a temporary SQLite file
			if d == database.Postgres {
				dsn = os.Getenv(dbtest.PostgresEnv)
			}
			const clients, minRequests = 20, 300
			rep, err := bench.Booking(context.Background(), bench.Options{
				DB: dsn, Clients: []int{clients}, Duration: 500 * time.Millisecond, MinRequests: minRequests,
				CeilingClients: 10, CeilingDuration: 200 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
			})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Dialect != string(d) {
				t.Errorf("dialect %q, want %q", rep.Dialect, d)
			}
			if rep.Ceiling.Inserts == 0 || rep.Ceiling.Errors != 0 || rep.Ceiling.PerSecond <= 0 {
				t.Errorf("ceiling: %+v", rep.Ceiling)
			}
			if len(rep.Runs) != 2 {
				t.Fatalf("%d runs, want spread and hot", len(rep.Runs))
			}
			for _, r := range rep.Runs {
				if r.Clients != clients || r.Requests < minRequests {
					t.Errorf("%s: %d clients, %d requests; want %d clients, at least %d requests", r.Scenario, r.Clients, r.Requests, clients, minRequests)
				}
				if r.ServerErrors+r.TransportErrors != 0 || len(r.Other) != 0 {
					t.Errorf("%s: statuses other than 201/409: %v, %d transport errors; first: %s", r.Scenario, r.Other, r.TransportErrors, r.FirstProblem)
				}
				if r.Requests != r.Created+r.Conflicts {
					t.Errorf("%s: %d requests ≠ %d created + %d conflicts", r.Scenario, r.Requests, r.Created, r.Conflicts)
				}
				if r.Latency.P50 <= 0 || r.Latency.P50 > r.Latency.P99 || r.Latency.P99 > r.Latency.Max {
					t.Errorf("%s: latency out of order: %+v", r.Scenario, r.Latency)
				}
			}
			spread, hot := rep.Runs[0], rep.Runs[1]
			if spread.Scenario != bench.Spread || hot.Scenario != bench.Hot {
				t.Fatalf("runs %s, %s; want spread, hot", spread.Scenario, hot.Scenario)
			}
			// Every spread answer should be 201, but booking references have
			// 30 random bits and a collision is answered 409 (see the report
			// of the benchmark); the test asserts only what is certain.
			if spread.Created == 0 || spread.BookingsPerSecond <= 0 || spread.BookingsRatio <= 0 {
				t.Errorf("spread: %d of %d booked, %.0f bookings/s, ×%.2f", spread.Created, spread.Requests, spread.BookingsPerSecond, spread.BookingsRatio)
			}
			if hot.Created != bench.HotCapacity || hot.Conflicts != hot.Requests-bench.HotCapacity {
				t.Errorf("hot: %d booked and %d conflicts of %d requests; want exactly %d booked, the rest 409",
					hot.Created, hot.Conflicts, hot.Requests, bench.HotCapacity)
			}
			c := rep.Check
			if !c.OK() || c.Booked != spread.Created+bench.HotCapacity || c.Slots == 0 {
				t.Errorf("check: %s (%+v)", c, c)
			}
			if !rep.OK() {
				t.Error("report not OK")
			}
		})
	}
}

func TestURLMustBeLoopback(t *testing.T) {
	for _, u := range []string{"http://example.org", "http://10.0.0.1:8080", "ftp://127.0.0.1"} {
		_, err := bench.Booking(context.Background(), bench.Options{URL: u, DB: "sqlite:" + t.TempDir() + "/x.db"})
		if err == nil {
			t.Errorf("%s: accepted", u)
		}
	}
	if _, err := bench.Booking(context.Background(), bench.Options{URL: "http://127.0.0.1:1"}); err == nil {
		t.Error("--url without --db accepted")
	}
}
