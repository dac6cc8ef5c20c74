package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
)

// TestMoveOnBehalf: an agent moves an appointment of their point without
// its manage token; another point's appointment is refused, a full slot
// keeps the old time, and the move is recorded for the agent.
func TestMoveOnBehalf(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		var changes []booking.Change
		s := booking.New(db, fixture(t, db), booking.NewTokens([]byte("0123456789abcdef0123456789abcdef")),
			booking.Options{Logger: quiet, Now: func() time.Time { return now },
				Notify: func(_ context.Context, _ *database.Tx, c booking.Change) error {
					changes = append(changes, c)
					return nil
				}})
		t.Cleanup(s.Close)

		mine, err := s.Book(ctx, req("small", slot, 1))
		if err != nil {
			t.Fatal(err)
		}
		full, err := s.Book(ctx, req("small", slot.Add(15*time.Minute), 2)) // the only place of that slot
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.Book(ctx, req("big", slot, 3))
		if err != nil {
			t.Fatal(err)
		}
		later := slot.Add(30 * time.Minute)

		for _, tt := range []struct {
			name, ref, point string
			start            time.Time
			code             errs.Code
		}{
			{"another point's appointment", other.Reference, "small", later, errs.NotFound},
			{"an appointment of this point asked from another", mine.Reference, "big", later, errs.NotFound},
			{"unknown reference", "RV-000000", "small", later, errs.NotFound},
			{"malformed reference", "nonsense", "small", later, errs.NotFound},
			{"a full slot", mine.Reference, "small", full.Start, errs.Conflict},
			{"the same slot", mine.Reference, "small", slot, errs.Invalid},
			{"not a slot", mine.Reference, "small", later.Add(time.Minute), errs.Invalid},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := s.MoveOnBehalf(ctx, tt.ref, tt.start, "staff:1", tt.point); !errs.Is(err, tt.code) {
					t.Errorf("err = %v, want %s", err, tt.code)
				}
			})
		}
		agenda, err := s.DayAgenda(ctx, "small", slot)
		if err != nil || len(agenda) != 2 || agenda[0].Reference != mine.Reference || !agenda[0].Start.Equal(slot) {
			t.Fatalf("after the refusals the appointment moved: %+v %v", agenda, err)
		}

		n := len(changes)
		a, err := s.MoveOnBehalf(ctx, mine.Reference, later, "staff:1", "small")
		if err != nil || !a.Start.Equal(later) || a.Status != booking.Booked {
			t.Fatalf("move: %+v %v", a, err)
		}
		if len(changes) != n+1 || changes[n].Kind != "appointment.changed" || changes[n].ManageToken != "" ||
			changes[n].Previous == nil || !changes[n].Previous.Start.Equal(slot) {
			t.Errorf("notification: %+v", changes[n:])
		}
		// The old place is free again, the new one taken.
		slots, err := s.Availability(ctx, "small", "svc", slot, slot.Add(45*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		starts := map[time.Time]bool{}
		for _, sl := range slots {
			starts[sl.Start.UTC()] = true
		}
		if !starts[slot.UTC()] || starts[later.UTC()] {
			t.Errorf("availability after the move: %v", slots)
		}
		var actor string
		if err := db.Read(ctx, func(tx *database.Tx) error {
			return tx.QueryRow(ctx, `SELECT actor FROM audit_entries WHERE action = 'appointment.rescheduled' AND object = ?`,
				mine.Reference).Scan(&actor)
		}); err != nil || actor != "agent:staff:1" {
			t.Errorf("audit actor %q %v", actor, err)
		}
		// A moved appointment cannot be moved once checked in.
		if _, err := s.CheckIn(ctx, mine.Reference, "staff:1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MoveOnBehalf(ctx, mine.Reference, slot, "staff:1", "small"); !errs.Is(err, errs.Conflict) {
			t.Errorf("move a checked-in appointment: %v", err)
		}
	})
}
