package booking_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
)

// TestAtTheCounter: check-in, the day's agenda, served, no-show, and the
// sweep of appointments nobody came to, each recorded for the agent.
func TestAtTheCounter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		clock := now
		s := booking.New(db, fixture(t, db), booking.NewTokens([]byte("0123456789abcdef0123456789abcdef")),
			booking.Options{Logger: quiet, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
		t.Cleanup(s.Close)
		set := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }

		var refs []string
		for i, start := range []time.Time{slot, slot.Add(15 * time.Minute), slot.Add(30 * time.Minute)} {
			c, err := s.Book(ctx, req("big", start, i))
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, c.Reference)
		}
		set(slot.Add(-10 * time.Minute))
		a, err := s.CheckIn(ctx, refs[0], "agent-7")
		if err != nil || a.Status != booking.CheckedIn {
			t.Fatalf("check in: %v %v", a.Status, err)
		}
		if _, err := s.CheckIn(ctx, refs[0], "agent-7"); !errs.Is(err, errs.Conflict) {
			t.Errorf("check in twice: %v", err)
		}
		if _, err := s.CheckIn(ctx, "RV-000000", "agent-7"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown reference: %v", err)
		}
		agenda, err := s.DayAgenda(ctx, "big", slot)
		if err != nil || len(agenda) != 3 || agenda[0].Reference != refs[0] || agenda[2].Reference != refs[2] ||
			agenda[0].Status != booking.CheckedIn || agenda[1].Status != booking.Booked {
			t.Fatalf("agenda: %+v %v", agenda, err)
		}
		if other, _ := s.DayAgenda(ctx, "big", now); len(other) != 0 {
			t.Errorf("agenda of another day: %d", len(other))
		}
		if _, err := s.MarkServed(ctx, refs[1], "agent-7"); !errs.Is(err, errs.Conflict) {
			t.Errorf("served without check-in: %v", err)
		}
		if a, err := s.MarkServed(ctx, refs[0], "agent-7"); err != nil || a.Status != booking.Served {
			t.Errorf("served: %v %v", a.Status, err)
		}
		set(slot.Add(20 * time.Minute))
		if a, err := s.MarkNoShow(ctx, refs[1], "agent-7"); err != nil || a.Status != booking.NoShow {
			t.Errorf("no-show: %v %v", a.Status, err)
		}
		// The third starts at 9:30: not a no-show until 9:40.
		if n, err := s.SweepNoShows(ctx, slot.Add(39*time.Minute), 10*time.Minute); err != nil || n != 0 {
			t.Errorf("sweep at 9:39: %d %v", n, err)
		}
		if n, err := s.SweepNoShows(ctx, slot.Add(40*time.Minute), 10*time.Minute); err != nil || n != 1 {
			t.Errorf("sweep at 9:40: %d %v", n, err)
		}
		var agent, sweeper, events int
		db.Read(ctx, func(tx *database.Tx) error {
			tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_entries WHERE actor = 'agent:agent-7'`).Scan(&agent)
			tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_entries WHERE actor = 'system:no-show-sweeper'`).Scan(&sweeper)
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM booking_events WHERE type IN
				('appointment.checked_in', 'appointment.served', 'appointment.no_show')`).Scan(&events)
		})
		if agent != 3 || sweeper != 1 || events != 4 {
			t.Errorf("recorded: %d agent entries, %d sweeper entries, %d events; want 3, 1, 4", agent, sweeper, events)
		}
	})
}
