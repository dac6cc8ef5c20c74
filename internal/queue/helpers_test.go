package queue_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/queue"
)

var (
	quiet   = slog.New(slog.NewTextHandler(io.Discard, nil))
	toronto = mustLoad("America/Toronto")
	// tuesday is the tests' day: Tuesday 1 December 2026.
	tuesday = time.Date(2026, 12, 1, 0, 0, 0, 0, toronto)
)

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a time of the test day: at(10, 5) is 10:05.
func at(h, m int) time.Time {
	return tuesday.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// clock is the injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a queue on a fixture catalogue: point "p" offers "svc" (15
// minutes, 2 counters) and "other" (10 minutes, 1 counter), open 08:00–17:00
// on weekdays.
type env struct {
	db    *database.DB
	clock *clock
	book  *booking.Service
	q     *queue.Queue
	n     int // citizens booked so far
}

func newEnv(t *testing.T, db *database.DB) *env {
	t.Helper()
	ctx := context.Background()
	var hours [7][]catalog.Interval
	for d := time.Monday; d <= time.Friday; d++ {
		hours[d] = []catalog.Interval{{Open: "08:00", Close: "17:00"}}
	}
	err := db.Write(ctx, func(tx *database.Tx) error {
		if _, err := catalog.UpsertOrganizations(ctx, tx, []catalog.Organization{{ID: "org", Name: catalog.Text{FR: "Organisme", EN: "Body"}}}); err != nil {
			return err
		}
		if _, err := catalog.UpsertServices(ctx, tx, []catalog.Service{
			{ID: "svc", OrganizationID: "org", Name: catalog.Text{FR: "Service", EN: "Service"}, DurationMinutes: 15},
			{ID: "other", OrganizationID: "org", Name: catalog.Text{FR: "Autre", EN: "Other"}, DurationMinutes: 10},
		}); err != nil {
			return err
		}
		_, err := catalog.UpsertServicePoints(ctx, tx, []catalog.ServicePoint{{ID: "p", OrganizationID: "org",
			Name: catalog.Text{FR: "Point", EN: "Point"}, Address: "1, rue Principale", Municipality: "Montréal",
			Lat: 45.5, Lon: -73.6, Precision: catalog.PrecisionApproximate, TimeZone: "America/Toronto", Hours: hours,
			Offers: []catalog.Offer{{ServiceID: "svc", Counters: 2}, {ServiceID: "other", Counters: 1}}, Source: "test"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open(ctx, db, quiet)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := booking.LoadOrCreateTokens(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: at(7, 0)}
	b := booking.New(db, cat, tokens, booking.Options{Now: c.Now, Logger: quiet, MinNotice: time.Minute})
	t.Cleanup(b.Close)
	q := queue.New(db, cat, b, queue.Options{Now: c.Now, Logger: quiet})
	t.Cleanup(q.Close)
	return &env{db: db, clock: c, book: b, q: q}
}

// take takes a ticket for service at the clock's time.
func (e *env) take(t *testing.T, service string) (queue.Ticket, string) {
	t.Helper()
	tk, code, err := e.q.Take(context.Background(), queue.TakeRequest{PointID: "p", ServiceID: service, Channel: queue.ChannelWeb, Lang: "fr"})
	if err != nil {
		t.Fatalf("take %s at %s: %v", service, e.clock.Now().Format("15:04"), err)
	}
	return tk, code
}

// appointment books svc at start (the clock moves back to 07:00 for the
// booking) and, when checkIn is not zero, checks it in at that time. The
// clock is left at checkIn (or where it was).
func (e *env) appointment(t *testing.T, start, checkIn time.Time) booking.Appointment {
	t.Helper()
	ctx := context.Background()
	was := e.clock.Now()
	e.clock.Set(at(7, 0))
	e.n++
	conf, err := e.book.Book(ctx, booking.Request{PointID: "p", ServiceID: "svc", Start: start,
		Citizen: booking.Citizen{Name: "Personne", Email: fmt.Sprintf("p%d@exemple.qc.ca", e.n)}, Lang: "fr", Channel: booking.ChannelWeb})
	if err != nil {
		t.Fatalf("book %s: %v", start.Format("15:04"), err)
	}
	e.clock.Set(was)
	if checkIn.IsZero() {
		return conf.Appointment
	}
	e.clock.Set(checkIn)
	if _, err := e.q.CheckIn(ctx, conf.Reference, "agent-1"); err != nil {
		t.Fatalf("check in: %v", err)
	}
	return conf.Appointment
}

// count runs a COUNT(*) query.
func count(t *testing.T, db *database.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Read(context.Background(), func(tx *database.Tx) error { return tx.QueryRow(context.Background(), query, args...).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}
