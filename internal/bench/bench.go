// Package bench measures Guichet under load, end to end over HTTP on
// loopback, and always beside a baseline measured in the same run on the
// same database, so that a figure reads as a ratio rather than as a number
// that depends on the machine.
//
// Booking is the booking benchmark behind `guichet bench booking`: many
// concurrent clients POST /api/v1/appointments, spread over thousands of
// slots or all on one hot slot, and the database's own ceiling for one
// single-row insert transaction is measured beside them.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/app"
	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
)

// Scenarios of the booking benchmark.
const (
	// Spread: every request books a place in a different slot of a point
	// with many counters, round-robin over thousands of slots; all succeed.
	Spread = "spread"
	// Hot: every request asks for the same slot of capacity HotCapacity;
	// exactly HotCapacity succeed, every other answer is 409.
	Hot = "hot"
)

// Options of the booking benchmark. The zero value runs the defaults on a
// temporary SQLite database with the platform started in-process.
type Options struct {
	// DB is the database. "" is a temporary SQLite file; sqlite:PATH is a
	// SQLite file that must not exist yet (it is removed at the end); a
	// postgres:// URL gets a schema bench_<random> made for the run and
	// dropped at the end. With URL set, DB must be the running server's
	// own database and is used as it is.
	DB string
	// URL, when set, is an already running server on loopback (see
	// Booking); "" starts the platform in-process on 127.0.0.1:0.
	URL string
	// Clients lists the numbers of concurrent clients (default 100, 1000).
	Clients []int
	// Duration of each run (default 10 s).
	Duration time.Duration
	// Rate, when positive, makes the clients open-loop: together they send
	// Rate requests per second on a fixed schedule (each client every
	// Clients/Rate seconds), whatever the answers' speed, and latency is
	// measured from the scheduled time (no coordinated omission). Zero:
	// each client sends its next request as soon as it has an answer.
	Rate float64
	// MaxRequests stops a run after this many requests (default 500,000).
	MaxRequests int
	// MinRequests keeps a run going, past Duration if need be (up to one
	// more minute), until this many requests were answered; tests use it
	// to make counts independent of the machine's speed.
	MinRequests int
	// CeilingClients and CeilingDuration set the baseline run (default 100
	// clients, 3 s).
	CeilingClients  int
	CeilingDuration time.Duration
	// Logger receives the in-process server's logs (default: warnings
	// and errors to stderr).
	Logger *slog.Logger
	// Progress, when set, receives one line as each run ends.
	Progress io.Writer
}

// HotCapacity is the capacity of the hot slot (its point's counters).
const HotCapacity = 100

// SpreadCounters is the capacity of each slot of the spread point.
const SpreadCounters = 500

func (o *Options) defaults() {
	if len(o.Clients) == 0 {
		o.Clients = []int{100, 1000}
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.MaxRequests <= 0 {
		o.MaxRequests = 500_000
	}
	if o.CeilingClients <= 0 {
		o.CeilingClients = 100
	}
	if o.CeilingDuration <= 0 {
		o.CeilingDuration = 3 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// Report is the outcome of a booking benchmark.
type Report struct {
	Dialect   string        `json:"dialect"`
	Database  string        `json:"database"` // without secrets
	Server    string        `json:"server"`   // "in-process" or the URL given
	Duration  time.Duration `json:"-"`
	Rate      float64       `json:"rate,omitempty"` // open-loop requests per second offered (0: closed loop)
	OpenFiles OpenFiles     `json:"open_files"`
	Ceiling   Ceiling       `json:"ceiling"`
	Runs      []Result      `json:"runs"`
	Check     Check         `json:"check"`
}

// OK tells whether every run was answered without a server error or a
// transport error and the database holds no overbooking.
func (r Report) OK() bool {
	for _, x := range r.Runs {
		if x.ServerErrors+x.TransportErrors > 0 {
			return false
		}
	}
	return r.Check.OK()
}

// Booking runs the booking benchmark: the ceiling first, then every
// scenario at every number of clients, then the overbooking check. The
// error is for a benchmark that could not run; server errors and
// overbooking are in the report (see Report.OK).
//
// With Options.URL the server must already run on loopback with
// Options.DB as its database: the fixture is written into that database and
// the benchmark waits until the server's catalogue has reloaded it (it
// checks every 5 s). The bookings made stay in that database.
func Booking(ctx context.Context, o Options) (Report, error) {
	o.defaults()
	rep := Report{Rate: o.Rate, OpenFiles: raiseOpenFiles(2*maxOf(o.Clients) + 256)}
	run := randomID()
	var (
		db      *database.DB
		baseURL string
		reload  = func(context.Context) error { return nil } // a remote server reloads by itself
		err     error
	)
	if o.URL != "" {
		if baseURL, err = loopbackURL(o.URL); err != nil {
			return rep, err
		}
		if o.DB == "" {
			return rep, errors.New("--url needs --db: the running server's own database, for the fixture, the ceiling and the overbooking check")
		}
		if db, err = database.Open(ctx, o.DB); err != nil {
			return rep, err
		}
		defer db.Close()
		rep.Server = baseURL
	} else {
		srv, err := startServer(ctx, o, run)
		if err != nil {
			return rep, err
		}
		defer srv.stop()
		db, baseURL = srv.app.DB(), srv.app.URL()
		rep.Server = "in-process " + baseURL
		reload = srv.app.Catalog().Reload
	}
	rep.Dialect, rep.Database = string(db.Dialect), db.Where()

	fx, err := writeFixture(ctx, db)
	if err != nil {
		return rep, fmt.Errorf("bench fixture: %w", err)
	}
	if err := reload(ctx); err != nil {
		return rep, err
	}
	client := newClient(maxOf(o.Clients))
	defer client.CloseIdleConnections()
	if err := waitForFixture(ctx, client, baseURL, o.URL != ""); err != nil {
		return rep, err
	}
	spread, err := fetchSlots(ctx, client, baseURL, fx.spreadPoint, 0)
	if err != nil {
		return rep, err
	}
	hot, err := fetchSlots(ctx, client, baseURL, fx.hotPoint, HotCapacity)
	if err != nil {
		return rep, err
	}
	if len(hot) < len(o.Clients) {
		return rep, fmt.Errorf("bench fixture: only %d untouched hot slots left, need %d", len(hot), len(o.Clients))
	}

	began := time.Now()
	if rep.Ceiling, err = measureCeiling(ctx, db, run, o.CeilingClients, o.CeilingDuration); err != nil {
		return rep, fmt.Errorf("ceiling: %w", err)
	}
	fmt.Fprintf(o.Progress, "ceiling: %d clients, %.0f single-row insert transactions/s\n", rep.Ceiling.Clients, rep.Ceiling.PerSecond)
	for i, n := range o.Clients {
		for _, sc := range []string{Spread, Hot} {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			l := load{client: client, url: baseURL, runID: run, scenario: sc, clients: n, fx: fx,
				duration: o.Duration, maxRequests: o.MaxRequests, minRequests: o.MinRequests, rate: o.Rate}
			if sc == Spread {
				l.slots = spread
			} else {
				l.slots = hot[i : i+1]
			}
			res := l.run(ctx)
			res.setRatio(rep.Ceiling.PerSecond)
			rep.Runs = append(rep.Runs, res)
			fmt.Fprintf(o.Progress, "%s, %d clients: %d requests, %d booked, %.0f bookings/s, p99 %s\n",
				sc, n, res.Requests, res.Created, res.BookingsPerSecond, res.Latency.P99.Round(time.Microsecond))
		}
	}
	rep.Duration = time.Since(began)
	if rep.Check, err = check(ctx, db, fx, run, rep.Runs); err != nil {
		return rep, fmt.Errorf("overbooking check: %w", err)
	}
	return rep, nil
}

// server is the platform started in-process for the run.
type server struct {
	app  *app.App
	stop func()
}

func startServer(ctx context.Context, o Options, run string) (*server, error) {
	dir, err := os.MkdirTemp("", "guichet-bench-")
	if err != nil {
		return nil, err
	}
	cleanups := []func(){func() { os.RemoveAll(dir) }}
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	dsn, drop, err := freshDatabase(ctx, o.DB, dir, run)
	if err != nil {
		cleanup()
		return nil, err
	}
	cleanups = append(cleanups, drop)
	cfg := config.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = dsn
	cfg.NoDemo = true
	cfg.DataDir = filepath.Join(dir, "keys")
	a, err := app.New(ctx, cfg, o.Logger)
	if err != nil {
		cleanup()
		return nil, err
	}
	cleanups = append(cleanups, func() {
		if err := a.Close(); err != nil {
			o.Logger.Warn("bench: closing the platform", "err", err)
		}
	})
	if err := a.Listen(); err != nil {
		cleanup()
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(rctx) }()
	cleanups = append(cleanups, func() {
		cancel()
		if err := <-done; err != nil {
			o.Logger.Warn("bench: stopping the platform", "err", err)
		}
	})
	return &server{app: a, stop: cleanup}, nil
}

// freshDatabase returns the DSN of an empty database for the run and how to
// remove it.
func freshDatabase(ctx context.Context, dsn, dir, run string) (string, func(), error) {
	if dsn == "" {
		return "sqlite:" + filepath.Join(dir, "bench.db"), func() {}, nil
	}
	t, err := database.ParseDSN(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("--db: %w", err)
	}
	if t.Dialect == database.SQLite {
		if _, err := os.Stat(t.Path); err == nil {
			return "", nil, fmt.Errorf("--db %s exists; the benchmark needs a new SQLite file (it removes it at the end)", t.Path)
		}
		return dsn, func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(t.Path + suffix)
			}
		}, nil
	}
	schema := "bench_" + run
	admin, err := database.Open(ctx, t.URL)
	if err != nil {
		return "", nil, err
	}
	exec := func(q string) error {
		return admin.Write(context.Background(), func(tx *database.Tx) error {
			_, err := tx.Exec(context.Background(), q)
			return err
		})
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop := func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "bench: could not drop schema %s: %v\n", schema, err)
		}
		admin.Close()
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// loopbackURL accepts only a server on this machine: the benchmark sends
// no traffic off loopback.
func loopbackURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--url %q must be an http address such as http://127.0.0.1:8080", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return "", fmt.Errorf("--url %q is not on loopback; the benchmark only talks to a server on this machine (127.0.0.1, ::1 or localhost)", raw)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host, "/"), nil
}

func randomID() string {
	var b [5]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
