package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/guichet-qc/guichet/internal/bench"
	"github.com/guichet-qc/guichet/internal/database"
)

func benchCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "booking" {
		fmt.Fprint(env.Stderr, `Usage: guichet bench booking [flags]

  booking  bookings per second and latency over HTTP on loopback, beside the
           database's own ceiling for single-row insert transactions

Run "guichet bench booking --help" for flags.
`)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	fs := flagSet(env, "bench booking", "bench booking [--db DSN] [--clients 100,1000] [--duration 10s] [--url URL] [--json]",
		"Starts the platform in-process on 127.0.0.1:0 on a fresh database with a bench\n"+
			"fixture (one service of 15 minutes; a point open every day 00:00-23:59 with 500\n"+
			"counters, and one with 100), then, for each number of clients, sends\n"+
			"POST /api/v1/appointments for distinct citizens over keep-alive connections:\n"+
			"  spread  round-robin over thousands of slots (every answer should be 201)\n"+
			"  hot     all clients on one slot of capacity 100 (100 answers 201, then 409)\n"+
			"Beside them, in the same run and on the same database, it measures the ceiling:\n"+
			"transactions of one single-row INSERT per second with 100 clients. Figures read\n"+
			"as ratios to that ceiling. At the end it checks the database: no slot over\n"+
			"capacity, places taken = booked appointments, 201 answers = bookings stored.\n"+
			"Exit status 1 on any 5xx, transport error or inconsistency.\n\n"+
			"--db: empty for a temporary SQLite file; sqlite:PATH for a new SQLite file\n"+
			"(removed at the end); postgres://… to run in a schema bench_<random> made for\n"+
			"the run and dropped at the end.\n"+
			"--url: an already running server on loopback instead; --db must then be that\n"+
			"server's own database: the fixture is written into it (the server picks it up\n"+
			"within 5 s) and the bench bookings stay in it.")
	dsn := fs.String("db", "", "database (see above); default a temporary SQLite file")
	target := fs.String("url", "", "benchmark an already running server on loopback (needs --db)")
	clients := fs.String("clients", "100,1000", "numbers of concurrent clients, comma-separated")
	duration := fs.Duration("duration", 10*time.Second, "length of each run")
	maxReq := fs.Int("max-requests", 500_000, "stop a run after this many requests")
	rate := fs.Float64("rate", 0, "open loop: all clients together send this many requests per second on a fixed schedule,\nlatency counted from the scheduled time (0: each client sends again as soon as answered)")
	ceilingFor := fs.Duration("ceiling-duration", 3*time.Second, "length of the ceiling run")
	asJSON := fs.Bool("json", false, "print the results as JSON instead of a table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (clients and in-process server) to this file")
	logLevel := fs.String("log-level", "warn", "log level of the in-process server: debug, info, warn or error")
	if err := fs.Parse(args[1:]); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see --help", fs.Arg(0))
	}
	counts, err := parseClients(*clients)
	if err != nil {
		return err
	}
	if *duration <= 0 || *ceilingFor <= 0 || *maxReq <= 0 {
		return errors.New("--duration, --ceiling-duration and --max-requests must be positive")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level %q is not a level; use debug, info, warn or error", *logLevel)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench.Booking(ctx, bench.Options{
		DB: *dsn, URL: *target, Clients: counts, Duration: *duration, MaxRequests: *maxReq, Rate: *rate,
		CeilingDuration: *ceilingFor, Logger: newLogger(env.Stderr, "text", level), Progress: env.Stderr,
	})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printBench(env.Stdout, rep, *duration)
	}
	if !rep.OK() {
		return errors.New("the benchmark saw server errors, transport errors or an inconsistent database (see above)")
	}
	return nil
}

func parseClients(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 100_000 {
			return nil, fmt.Errorf("--clients %q must list whole numbers from 1 to 100000, e.g. 100,1000", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// Targets of the booking benchmark on a 2-core machine (issue of the
// capability): bookings/s on the spread scenario, p99 at 1,000 clients.
var benchTargets = map[string]float64{string(database.SQLite): 3000, string(database.Postgres): 2000}

const benchTargetP99 = 100 * time.Millisecond

func printBench(w io.Writer, r bench.Report, d time.Duration) {
	fmt.Fprintf(w, "Guichet booking benchmark — %s, server %s, %s per run\n", r.Database, r.Server, d)
	if r.Rate > 0 {
		fmt.Fprintf(w, "open loop: %.0f requests/s offered in all, on a fixed schedule; latency from the scheduled time\n", r.Rate)
	}
	if r.OpenFiles.Note != "" {
		fmt.Fprintf(w, "WARNING: %s\n", r.OpenFiles.Note)
	} else {
		fmt.Fprintf(w, "open files: limit %d (need %d)\n", r.OpenFiles.Limit, r.OpenFiles.Needed)
	}
	c := r.Ceiling
	fmt.Fprintf(w, "ceiling: %d clients each committing one single-row INSERT per transaction: %.0f inserts/s (p50 %s, p99 %s",
		c.Clients, c.PerSecond, round(c.Latency.P50), round(c.Latency.P99))
	if c.Errors > 0 {
		fmt.Fprintf(w, ", %d ERRORS", c.Errors)
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tclients\trequests\t201\t409\tother\tbookings/s\t÷ceiling\trequests/s\t÷ceiling\tp50\tp90\tp99\tmax\tfilled in\t")
	for _, x := range r.Runs {
		fill := "-"
		if x.Scenario == bench.Hot {
			fill = round(x.FillTime)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%.0f\t×%.2f\t%.0f\t×%.2f\t%s\t%s\t%s\t%s\t%s\t\n",
			x.Scenario, x.Clients, x.Requests, x.Created, x.Conflicts, others(x), x.BookingsPerSecond, x.BookingsRatio,
			x.RequestsPerSecond, x.RequestsRatio, round(x.Latency.P50), round(x.Latency.P90), round(x.Latency.P99),
			round(x.Latency.Max), fill)
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, x := range r.Runs {
		if x.ServerErrors+x.TransportErrors > 0 || len(x.Other) > 0 || (x.Scenario == bench.Spread && x.Conflicts > 0) {
			fmt.Fprintf(w, "PROBLEM in %s at %d clients: %d server errors (5xx), %d transport errors, %d answers 409; first: %s\n",
				x.Scenario, x.Clients, x.ServerErrors, x.TransportErrors, x.Conflicts, x.FirstProblem)
		}
	}
	fmt.Fprintln(w, r.Check)
	if want, ok := benchTargets[r.Dialect]; ok {
		for _, x := range r.Runs {
			if x.Scenario == bench.Spread {
				fmt.Fprintf(w, "target %s spread at %d clients: ≥ %.0f bookings/s: %s (%.0f)\n", r.Dialect, x.Clients, want, met(x.BookingsPerSecond >= want), x.BookingsPerSecond)
			}
			if x.Clients == 1000 {
				fmt.Fprintf(w, "target %s %s at 1000 clients: p99 ≤ %s: %s (%s)\n", r.Dialect, x.Scenario, benchTargetP99, met(x.Latency.P99 <= benchTargetP99), round(x.Latency.P99))
			}
		}
	}
}

func others(x bench.Result) string {
	if len(x.Other)+x.TransportErrors == 0 {
		return "0"
	}
	codes := make([]int, 0, len(x.Other))
	for k := range x.Other {
		codes = append(codes, k)
	}
	sort.Ints(codes)
	var parts []string
	for _, k := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", x.Other[k], k))
	}
	if x.TransportErrors > 0 {
		parts = append(parts, fmt.Sprintf("%d×net", x.TransportErrors))
	}
	return strings.Join(parts, ",")
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func round(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}
