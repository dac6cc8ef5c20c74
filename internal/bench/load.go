package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one run: a scenario at a number of concurrent clients.
type Result struct {
	Scenario string        `json:"scenario"`
	Clients  int           `json:"clients"`
	Slot     string        `json:"slot,omitempty"` // the hot slot's start
	Elapsed  time.Duration `json:"-"`
	// Requests answered or failed; Created are 201s (bookings made),
	// Conflicts 409s (slot full), Other any other HTTP status, by status.
	Requests        int         `json:"requests"`
	Created         int         `json:"created"`
	Conflicts       int         `json:"conflicts"`
	Other           map[int]int `json:"other_statuses,omitempty"`
	ServerErrors    int         `json:"server_errors"`    // 5xx answers
	TransportErrors int         `json:"transport_errors"` // no answer at all
	FirstProblem    string      `json:"first_problem,omitempty"`
	// BookingsPerSecond is Created over the run's time; RequestsPerSecond
	// counts every answer (on the hot slot, mostly clear 409s).
	BookingsPerSecond float64 `json:"bookings_per_second"`
	RequestsPerSecond float64 `json:"requests_per_second"`
	// FillTime is when the last 201 arrived, from the run's start (how
	// long the hot slot took to fill).
	FillTime time.Duration `json:"-"`
	Latency  Latency       `json:"latency"`
	// BookingsRatio is BookingsPerSecond ÷ the ceiling, RequestsRatio
	// RequestsPerSecond ÷ the ceiling.
	BookingsRatio float64 `json:"bookings_ratio"`
	RequestsRatio float64 `json:"requests_ratio"`
}

// MarshalJSON writes durations in milliseconds.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		ElapsedMS  float64 `json:"elapsed_ms"`
		FillTimeMS float64 `json:"fill_time_ms"`
	}{plain(r), ms(r.Elapsed), ms(r.FillTime)})
}

func (r *Result) setRatio(ceiling float64) {
	if ceiling > 0 {
		r.BookingsRatio = r.BookingsPerSecond / ceiling
		r.RequestsRatio = r.RequestsPerSecond / ceiling
	}
}

// Latency summarizes the per-request times, from sending the request to
// reading the whole answer.
type Latency struct {
	P50, P90, P99, Max time.Duration
}

// MarshalJSON writes the percentiles in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]float64{"p50_ms": ms(l.P50), "p90_ms": ms(l.P90), "p99_ms": ms(l.P99), "max_ms": ms(l.Max)})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentiles of sorted times (nearest rank).
func percentiles(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	rank := func(q float64) time.Duration {
		i := int(math.Ceil(q*float64(len(d)))) - 1
		return d[min(max(i, 0), len(d)-1)]
	}
	return Latency{P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: d[len(d)-1]}
}

// newClient is the HTTP client of all runs: keep-alive connections, one
// per client, never through a proxy (the traffic stays on loopback).
func newClient(clients int) *http.Client {
	t := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        clients + 16,
		MaxIdleConnsPerHost: clients + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: t, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// load is one run.
type load struct {
	client                   *http.Client
	url, runID, scenario     string
	clients                  int
	fx                       fixture
	slots                    []slot
	duration                 time.Duration
	maxRequests, minRequests int
	rate                     float64 // open-loop total requests per second (0: closed loop)
}

// grace is how long past its duration a run may go to reach minRequests.
const grace = time.Minute

// tally is what one client saw.
type tally struct {
	times                                 []time.Duration
	created, conflicts, server, transport int
	other                                 map[int]int
	problem                               string
	lastCreated                           time.Duration
}

func (l load) run(ctx context.Context) Result {
	var seq, answered atomic.Int64
	start := time.Now()
	stopAt, hardStop := start.Add(l.duration), start.Add(l.duration+grace)
	more := func(now time.Time) bool {
		if now.After(hardStop) || ctx.Err() != nil {
			return false
		}
		return now.Before(stopAt) || answered.Load() < int64(l.minRequests)
	}
	tallies := make([]tally, l.clients)
	var wg sync.WaitGroup
	for c := range l.clients {
		wg.Go(func() {
			t := &tallies[c]
			t.times = make([]time.Duration, 0, 256)
			for k := 0; more(time.Now()); k++ {
				i := seq.Add(1) - 1
				if i >= int64(l.maxRequests) {
					return
				}
				due := time.Time{}
				if l.rate > 0 {
					// Client c sends its k-th request at (k·clients + c)/rate.
					due = start.Add(time.Duration(float64(k*l.clients+c) / l.rate * float64(time.Second)))
					if wait := time.Until(due); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							return
						}
					}
				}
				l.one(ctx, int(i), start, due, t)
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	res := Result{Scenario: l.scenario, Clients: l.clients, Elapsed: time.Since(start)}
	if l.scenario == Hot {
		res.Slot = l.slots[0].Start
	}
	var all []time.Duration
	for _, t := range tallies {
		all = append(all, t.times...)
		res.Created += t.created
		res.Conflicts += t.conflicts
		res.ServerErrors += t.server
		res.TransportErrors += t.transport
		res.FillTime = max(res.FillTime, t.lastCreated)
		for k, v := range t.other {
			if res.Other == nil {
				res.Other = map[int]int{}
			}
			res.Other[k] += v
		}
		if res.FirstProblem == "" {
			res.FirstProblem = t.problem
		}
	}
	res.Requests = len(all)
	res.Latency = percentiles(all)
	if s := res.Elapsed.Seconds(); s > 0 {
		res.BookingsPerSecond = float64(res.Created) / s
		res.RequestsPerSecond = float64(res.Requests) / s
	}
	return res
}

// Citizen e-mail addresses are under .invalid (RFC 2606): no message to a
// bench citizen can ever be delivered.
const mailDomain = "guichet-bench.invalid"

// one sends booking number i: a distinct citizen, a distinct
// Idempotency-Key, the next slot round-robin.
// one sends request i; latency counts from due when set (open loop), else
// from the moment it is sent.
func (l load) one(ctx context.Context, i int, start, due time.Time, t *tally) {
	id := "b" + l.runID + "-" + l.scenario + "-" + strconv.Itoa(l.clients) + "-" + strconv.Itoa(i)
	body, _ := json.Marshal(map[string]any{
		"service_point_id": l.pointID(), "service_id": l.fx.service, "start": l.slots[i%len(l.slots)].Start,
		"citizen": map[string]string{"name": "Citoyen " + strconv.Itoa(i), "email": id + "@" + mailDomain},
		"lang":    "fr",
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url+"/api/v1/appointments", bytes.NewReader(body))
	if err != nil {
		t.fail(&t.transport, err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", id)
	sent := time.Now()
	if !due.IsZero() {
		sent = due
	}
	resp, err := l.client.Do(req)
	if err != nil {
		t.times = append(t.times, time.Since(sent))
		t.fail(&t.transport, err.Error())
		return
	}
	answer, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	t.times = append(t.times, time.Since(sent))
	switch {
	case rerr != nil:
		t.fail(&t.transport, rerr.Error())
	case resp.StatusCode == http.StatusCreated:
		t.created++
		t.lastCreated = time.Since(start)
	case resp.StatusCode == http.StatusConflict:
		t.conflicts++
		if l.scenario == Spread {
			// Every spread slot has places left and every citizen is new:
			// a 409 here is unexpected, keep its reason.
			t.fail(nil, fmt.Sprintf("unexpected 409 on a slot with places left: %.200s", answer))
		}
	default:
		if t.other == nil {
			t.other = map[int]int{}
		}
		t.other[resp.StatusCode]++
		if resp.StatusCode >= 500 {
			t.server++
		}
		t.fail(nil, fmt.Sprintf("status %d: %.200s", resp.StatusCode, answer))
	}
}

func (l load) pointID() string {
	if l.scenario == Hot {
		return l.fx.hotPoint
	}
	return l.fx.spreadPoint
}

func (t *tally) fail(counter *int, msg string) {
	if counter != nil {
		*counter++
	}
	if t.problem == "" {
		t.problem = msg
	}
}
