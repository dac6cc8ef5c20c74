package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchHelpAndBadFlags(t *testing.T) {
	for _, args := range [][]string{{"bench", "--help"}, {"bench", "booking", "--help"}} {
		code, out, errOut := run(t, nil, args...)
		if code != 0 || !strings.Contains(out+errOut, "Usage: guichet bench") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no subcommand", []string{"bench"}, 2, "Usage: guichet bench booking"},
		{"bad clients", []string{"bench", "booking", "--clients", "100,x"}, 1, "--clients"},
		{"remote off loopback", []string{"bench", "booking", "--url", "http://192.0.2.1:8080", "--db", "x.db"}, 1, "not on loopback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tc.code, tc.want)
			}
		})
	}
}

// TestBenchBookingJSON runs a tiny benchmark through the command line and
// reads its JSON: both scenarios, the ceiling and a clean check.
func TestBenchBookingJSON(t *testing.T) {
	code, out, errOut := run(t, nil, "bench", "booking", "--clients", "5", "--duration", "200ms",
		"--ceiling-duration", "100ms", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rep struct {
		Ceiling struct {
			PerSecond float64 `json:"inserts_per_second"`
		} `json:"ceiling"`
		Runs []struct {
			Scenario       string
			Clients        int
			ServerErrors   int `json:"server_errors"`
			Latency        map[string]float64
			BookingsPerSec float64 `json:"bookings_per_second"`
		} `json:"runs"`
		Check struct {
			OverCapacity int `json:"over_capacity"`
			Mismatched   int `json:"mismatched"`
			Created      int `json:"created"`
			Booked       int `json:"booked"`
		} `json:"check"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Ceiling.PerSecond <= 0 || len(rep.Runs) != 2 || rep.Runs[0].Scenario != "spread" || rep.Runs[1].Scenario != "hot" {
		t.Fatalf("report: %s", out)
	}
	for _, r := range rep.Runs {
		if r.Clients != 5 || r.ServerErrors != 0 || r.Latency["p99_ms"] <= 0 || r.BookingsPerSec <= 0 {
			t.Errorf("%s: %+v", r.Scenario, r)
		}
	}
	if c := rep.Check; c.OverCapacity != 0 || c.Mismatched != 0 || c.Created != c.Booked || c.Booked == 0 {
		t.Errorf("check: %+v", c)
	}
}
