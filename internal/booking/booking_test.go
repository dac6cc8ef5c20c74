package booking_test

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
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
)

var (
	quiet   = slog.New(slog.NewTextHandler(io.Discard, nil))
	toronto = mustLoad("America/Toronto")
	// now is the fixed clock of the tests: Tuesday 1 December 2026, 10:00.
	now = time.Date(2026, 12, 1, 10, 0, 0, 0, toronto)
	// slot is a bookable start the next day.
	slot = time.Date(2026, 12, 2, 9, 0, 0, 0, toronto)
)

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// fixture writes a small catalogue: one service of 15 minutes offered at a
// point with 100 counters ("big") and at one with a single counter
// ("small"), both open 08:00–17:00 every weekday.
func fixture(t testing.TB, db *database.DB) *catalog.Catalog {
	t.Helper()
	ctx := context.Background()
	var hours [7][]catalog.Interval
	for d := time.Monday; d <= time.Friday; d++ {
		hours[d] = []catalog.Interval{{Open: "08:00", Close: "12:00"}, {Open: "13:00", Close: "17:00"}}
	}
	point := func(id string, counters int) catalog.ServicePoint {
		return catalog.ServicePoint{ID: id, OrganizationID: "org", Name: catalog.Text{FR: id, EN: id}, Address: "1, rue Principale",
			Municipality: "Montréal", Lat: 45.5, Lon: -73.6, Precision: catalog.PrecisionApproximate, TimeZone: "America/Toronto",
			Hours: hours, Offers: []catalog.Offer{{ServiceID: "svc", Counters: counters}}, Source: "test"}
	}
	err := db.Write(ctx, func(tx *database.Tx) error {
		if _, err := catalog.UpsertOrganizations(ctx, tx, []catalog.Organization{{ID: "org", Name: catalog.Text{FR: "Organisme", EN: "Body"}}}); err != nil {
			return err
		}
		if _, err := catalog.UpsertServices(ctx, tx, []catalog.Service{{ID: "svc", OrganizationID: "org", Name: catalog.Text{FR: "Service", EN: "Service"},
			AppointmentRequired: true, DurationMinutes: 15}, {ID: "other", OrganizationID: "org", Name: catalog.Text{FR: "Autre", EN: "Other"}}}); err != nil {
			return err
		}
		_, err := catalog.UpsertServicePoints(ctx, tx, []catalog.ServicePoint{point("big", 100), point("small", 1)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Open(ctx, db, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newService(t testing.TB, db *database.DB) *booking.Service {
	t.Helper()
	s := booking.New(db, fixture(t, db), booking.NewTokens([]byte("0123456789abcdef0123456789abcdef")),
		booking.Options{Now: func() time.Time { return now }, Logger: quiet})
	t.Cleanup(s.Close)
	return s
}

func citizen(i int) booking.Citizen {
	return booking.Citizen{Name: fmt.Sprintf("Personne %d", i), Email: fmt.Sprintf("p%d@exemple.qc.ca", i)}
}

func req(point string, start time.Time, i int) booking.Request {
	return booking.Request{PointID: point, ServiceID: "svc", Start: start, Citizen: citizen(i), Lang: "fr", Channel: booking.ChannelAPI}
}

// TestNoOverbooking: 2,000 concurrent requests for one slot give exactly as
// many bookings as the slot has places, and a clear conflict for the rest.
func TestNoOverbooking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		s := newService(t, db)
		for _, tt := range []struct {
			point    string
			capacity int
		}{{"big", 100}, {"small", 1}} {
			t.Run(tt.point, func(t *testing.T) {
				const requests = 2000
				var wg sync.WaitGroup
				var mu sync.Mutex
				ok, full := 0, 0
				for i := range requests {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := s.Book(context.Background(), req(tt.point, slot, tt.capacity*10000+i))
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil:
							ok++
						case errs.Is(err, errs.Conflict) && errs.As(err).Key == "booking.slot_full":
							full++
						default:
							t.Errorf("request %d: %v", i, err)
						}
					}()
				}
				wg.Wait()
				if ok != tt.capacity || full != requests-tt.capacity {
					t.Fatalf("%d booked, %d refused as full; want %d and %d", ok, full, tt.capacity, requests-tt.capacity)
				}
				assertConsistent(t, db)
			})
		}
	})
}

// assertConsistent checks every slot: places taken equal the appointments
// booked there, and never exceed the capacity.
func assertConsistent(t *testing.T, db *database.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT s.point_id, s.start_at, s.capacity, s.taken,
			(SELECT COUNT(*) FROM appointments a WHERE a.point_id = s.point_id AND a.service_id = s.service_id
				AND a.start_at = s.start_at AND a.status = 'booked')
			FROM booking_slots s`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var point string
			var at int64
			var capacity, taken, booked int
			if err := rows.Scan(&point, &at, &capacity, &taken, &booked); err != nil {
				return err
			}
			if taken != booked || taken > capacity {
				t.Errorf("%s at %v: taken %d, booked %d, capacity %d", point, time.Unix(at, 0), taken, booked, capacity)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBadRequests(t *testing.T) {
	s := newService(t, dbtest.Open(t, database.SQLite))
	tests := []struct {
		name  string
		mod   func(*booking.Request)
		code  errs.Code
		key   string
		field string
	}{
		{"past", func(r *booking.Request) { r.Start = now.Add(-2 * time.Hour) }, errs.Invalid, "booking.in_past", "start"},
		{"too soon", func(r *booking.Request) { r.Start = now.Add(30 * time.Minute) }, errs.Invalid, "booking.too_soon", "start"},
		{"too far", func(r *booking.Request) { r.Start = slot.AddDate(0, 3, 0) }, errs.Invalid, "booking.too_far", "start"},
		{"not a slot", func(r *booking.Request) { r.Start = slot.Add(7 * time.Minute) }, errs.Invalid, "booking.not_a_slot", "start"},
		{"lunch break", func(r *booking.Request) { r.Start = slot.Add(3*time.Hour + 15*time.Minute) }, errs.Invalid, "booking.not_a_slot", "start"},
		{"weekend", func(r *booking.Request) { r.Start = slot.AddDate(0, 0, 3) }, errs.Invalid, "booking.not_a_slot", "start"},
		{"no contact", func(r *booking.Request) { r.Citizen.Email = "" }, errs.Invalid, "booking.contact_required", "citizen.email"},
		{"no name", func(r *booking.Request) { r.Citizen.Name = "  " }, errs.Invalid, "booking.name_required", "citizen.name"},
		{"bad email", func(r *booking.Request) { r.Citizen.Email = "jean@" }, errs.Invalid, "booking.bad_email", "citizen.email"},
		{"bad phone", func(r *booking.Request) { r.Citizen.Phone = "12ab" }, errs.Invalid, "booking.bad_phone", "citizen.phone"},
		{"unknown point", func(r *booking.Request) { r.PointID = "nowhere" }, errs.Invalid, "booking.unknown_point", "service_point_id"},
		{"unknown service", func(r *booking.Request) { r.ServiceID = "nothing" }, errs.Invalid, "booking.unknown_service", "service_id"},
		{"not offered", func(r *booking.Request) { r.ServiceID = "other" }, errs.Invalid, "booking.not_offered", "service_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req("big", slot, 1)
			tt.mod(&r)
			_, err := s.Book(context.Background(), r)
			e := errs.As(err)
			if e.Code != tt.code || e.Key != tt.key || e.Field != tt.field {
				t.Fatalf("got %v (field %q), want %s %s on %s", err, e.Field, tt.code, tt.key, tt.field)
			}
		})
	}
	// A phone number alone is enough, in any usual form.
	r := req("big", slot, 2)
	r.Citizen.Email, r.Citizen.Phone = "", "+1 (514) 555-0199"
	if _, err := s.Book(context.Background(), r); err != nil {
		t.Fatalf("phone only: %v", err)
	}
}

func TestIdempotencyAndOneActiveBooking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		s := newService(t, db)
		ctx := context.Background()
		r := req("big", slot, 1)
		r.IdempotencyKey, r.RequestHash = "key-1", "hash-a"
		first, err := s.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.Book(ctx, r)
		if err != nil || !again.Replayed || again.Reference != first.Reference || again.ManageToken != first.ManageToken {
			t.Fatalf("retry: %+v, %v", again, err)
		}
		r.RequestHash = "hash-b"
		if _, err := s.Book(ctx, r); errs.As(err).Key != "booking.idempotency_mismatch" {
			t.Fatalf("same key, other body: %v", err)
		}
		// The same person cannot hold two bookings for the service…
		other := req("big", slot.Add(15*time.Minute), 1)
		if _, err := s.Book(ctx, other); !errs.Is(err, errs.Conflict) || errs.As(err).Key != "booking.already_booked" {
			t.Fatalf("second booking: %v", err)
		}
		// …until the first is cancelled.
		if _, err := s.Cancel(ctx, first.Reference, first.ManageToken, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Book(ctx, other); err != nil {
			t.Fatalf("after cancelling: %v", err)
		}
	})
}

func TestCancelAndReschedule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		s := newService(t, db)
		ctx := context.Background()
		s1, s2 := slot, slot.Add(15*time.Minute)
		a, err := s.Book(ctx, req("small", s1, 1))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Book(ctx, req("small", s2, 2))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, a.Reference, b.ManageToken); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another booking's token: %v", err)
		}
		if _, err := s.Reschedule(ctx, a.Reference, a.ManageToken, s2, ""); errs.As(err).Key != "booking.slot_full" {
			t.Fatalf("move to a full slot: %v", err)
		}
		got, err := s.Get(ctx, a.Reference, a.ManageToken)
		if err != nil || !got.Start.Equal(s1) || got.Status != booking.Booked {
			t.Fatalf("after a failed move the booking must stay: %+v %v", got, err)
		}
		if _, err := s.Book(ctx, req("small", s1, 3)); errs.As(err).Key != "booking.slot_full" {
			t.Fatalf("s1 should still be taken: %v", err)
		}
		if _, err := s.Cancel(ctx, b.Reference, b.ManageToken, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Cancel(ctx, b.Reference, b.ManageToken, ""); errs.As(err).Key != "booking.not_active" {
			t.Fatalf("cancel twice: %v", err)
		}
		moved, err := s.Reschedule(ctx, "rv"+a.Reference[3:], a.ManageToken, s2, "")
		if err != nil || !moved.Start.Equal(s2) {
			t.Fatalf("move: %+v %v", moved, err)
		}
		if _, err := s.Book(ctx, req("small", s1, 3)); err != nil {
			t.Fatalf("the old place was not released: %v", err)
		}
		slots, err := s.Availability(ctx, "small", "svc", slot.Add(-time.Hour), slot.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, sl := range slots {
			if sl.Start.Equal(s1) || sl.Start.Equal(s2) {
				t.Errorf("full slot %v listed as available", sl.Start)
			}
		}
		assertConsistent(t, db)
	})
}

// TestConcurrentChanges: bookings, cancellations and moves racing on the
// same few slots never leave a slot over capacity or out of step.
func TestConcurrentChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		s := newService(t, db)
		ctx := context.Background()
		starts := []time.Time{slot, slot.Add(15 * time.Minute), slot.Add(30 * time.Minute)}
		var mu sync.Mutex
		var held []booking.Confirmation
		for i := range 3 {
			c, err := s.Book(ctx, req("small", starts[i], i))
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
		}
		var wg sync.WaitGroup
		for i := range 300 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				target := starts[i%3]
				switch i % 3 {
				case 0:
					mu.Lock()
					c := held[i%len(held)]
					mu.Unlock()
					s.Reschedule(ctx, c.Reference, c.ManageToken, target, "")
				case 1:
					mu.Lock()
					c := held[(i/3)%len(held)]
					mu.Unlock()
					s.Cancel(ctx, c.Reference, c.ManageToken, "")
				default:
					if c, err := s.Book(ctx, req("small", target, 1000+i)); err == nil {
						mu.Lock()
						held = append(held, c)
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		assertConsistent(t, db)
	})
}

func TestAvailability(t *testing.T) {
	s := newService(t, dbtest.Open(t, database.SQLite))
	ctx := context.Background()
	day := time.Date(2026, 12, 2, 0, 0, 0, 0, toronto)
	slots, err := s.Availability(ctx, "big", "svc", day, day.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	// 08:00–12:00 and 13:00–17:00 in 15-minute slots: 16 + 16.
	if len(slots) != 32 || !slots[0].Start.Equal(day.Add(8*time.Hour)) || slots[0].Remaining != 100 {
		t.Fatalf("%d slots, first %+v", len(slots), slots[0])
	}
	if name, _ := slots[0].Start.Zone(); name != "EST" {
		t.Errorf("slot time zone %s, want the point's (EST)", name)
	}
	if _, err := s.Book(ctx, req("big", slots[0].Start, 1)); err != nil {
		t.Fatal(err)
	}
	slots, _ = s.Availability(ctx, "big", "svc", day, day.AddDate(0, 0, 1))
	if slots[0].Remaining != 99 {
		t.Errorf("remaining after one booking: %d", slots[0].Remaining)
	}
	// Today: nothing before now + minimum notice (11:00).
	slots, _ = s.Availability(ctx, "big", "svc", now.Add(-10*time.Hour), now.Add(14*time.Hour))
	if len(slots) == 0 || slots[0].Start.Before(now.Add(time.Hour)) {
		t.Errorf("first slot today %v, want from 11:00", slots[0].Start)
	}
	if _, err := s.Availability(ctx, "big", "svc", day, day.AddDate(0, 2, 0)); errs.As(err).Key != "booking.range_too_long" {
		t.Errorf("two months: %v", err)
	}
}

func TestWaitlist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		clock := now
		var changes []booking.Change
		s := booking.New(db, fixture(t, db), booking.NewTokens([]byte("0123456789abcdef0123456789abcdef")),
			booking.Options{Now: func() time.Time { return clock }, Logger: quiet, HoldFor: time.Hour,
				Notify: func(_ context.Context, _ *database.Tx, c booking.Change) error {
					changes = append(changes, c)
					return nil
				}})
		defer s.Close()
		ctx := context.Background()
		day := time.Date(2026, 12, 2, 0, 0, 0, 0, toronto)
		holder, err := s.Book(ctx, req("small", slot, 1))
		if err != nil {
			t.Fatal(err)
		}
		wait := func(i int) (booking.WaitEntry, string) {
			w, tok, err := s.JoinWaitlist(ctx, booking.WaitRequest{PointID: "small", ServiceID: "svc", FirstDay: day, LastDay: day,
				Citizen: citizen(i), Lang: "fr", Channel: booking.ChannelWeb})
			if err != nil {
				t.Fatal(err)
			}
			return w, tok
		}
		first, firstTok := wait(2)
		second, secondTok := wait(3)
		if _, err := s.Cancel(ctx, holder.Reference, holder.ManageToken, ""); err != nil {
			t.Fatal(err)
		}
		// The freed place is held for the first in line, and nobody else can take it.
		got, err := s.WaitlistEntry(ctx, first.ID, firstTok)
		if err != nil || got.Status != booking.WaitOffered || !got.OfferStart.Equal(slot) {
			t.Fatalf("first in line: %+v %v", got, err)
		}
		offered := false
		for _, c := range changes {
			offered = offered || (c.Kind == "waitlist.offered" && c.Wait.ID == first.ID && c.ManageToken == firstTok)
		}
		if !offered {
			t.Fatalf("no offer sent to the first in line: %+v", changes)
		}
		if _, err := s.Book(ctx, req("small", slot, 9)); errs.As(err).Key != "booking.slot_full" {
			t.Fatalf("held place was booked by someone else: %v", err)
		}
		assertConsistentWithHolds(t, db)
		// The first does not answer in time: the place goes to the second.
		clock = clock.Add(61 * time.Minute)
		if n, err := s.SweepOffers(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		if _, err := s.AcceptOffer(ctx, first.ID, firstTok); errs.As(err).Key != "booking.offer_gone" {
			t.Fatalf("late acceptance: %v", err)
		}
		conf, err := s.AcceptOffer(ctx, second.ID, secondTok)
		if err != nil || !conf.Start.Equal(slot) {
			t.Fatalf("second accepts: %+v %v", conf, err)
		}
		if _, err := s.AcceptOffer(ctx, second.ID, firstTok); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another entry's token: %v", err)
		}
		assertConsistentWithHolds(t, db)
	})
}

// assertConsistentWithHolds: places taken equal appointments booked plus
// places held for the waiting list.
func assertConsistentWithHolds(t *testing.T, db *database.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT s.point_id, s.start_at, s.capacity, s.taken,
			(SELECT COUNT(*) FROM appointments a WHERE a.point_id = s.point_id AND a.service_id = s.service_id
				AND a.start_at = s.start_at AND a.status = 'booked'),
			(SELECT COUNT(*) FROM booking_waitlist w WHERE w.point_id = s.point_id AND w.service_id = s.service_id
				AND w.offer_start = s.start_at AND w.status = 'offered')
			FROM booking_slots s`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var point string
			var at int64
			var capacity, taken, booked, held int
			if err := rows.Scan(&point, &at, &capacity, &taken, &booked, &held); err != nil {
				return err
			}
			if taken != booked+held || taken > capacity {
				t.Errorf("%s at %v: taken %d, booked %d, held %d, capacity %d", point, time.Unix(at, 0), taken, booked, held, capacity)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAvailabilityAcrossDaylightSaving: slots keep their local times on the
// days the clocks change, in the point's own time zone.
func TestAvailabilityAcrossDaylightSaving(t *testing.T) {
	db := dbtest.Open(t, database.SQLite)
	ctx := context.Background()
	var hours [7][]catalog.Interval
	for d := range hours {
		hours[d] = []catalog.Interval{{Open: "08:00", Close: "10:00"}}
	}
	err := db.Write(ctx, func(tx *database.Tx) error {
		if _, err := catalog.UpsertOrganizations(ctx, tx, []catalog.Organization{{ID: "org", Name: catalog.Text{FR: "O", EN: "O"}}}); err != nil {
			return err
		}
		if _, err := catalog.UpsertServices(ctx, tx, []catalog.Service{{ID: "svc", OrganizationID: "org", Name: catalog.Text{FR: "S", EN: "S"}, DurationMinutes: 30}}); err != nil {
			return err
		}
		_, err := catalog.UpsertServicePoints(ctx, tx, []catalog.ServicePoint{
			{ID: "mtl", OrganizationID: "org", Name: catalog.Text{FR: "M", EN: "M"}, TimeZone: "America/Toronto", Hours: hours, Holidays: "none",
				Offers: []catalog.Offer{{ServiceID: "svc", Counters: 1}}, Source: "test"},
			{ID: "idlm", OrganizationID: "org", Name: catalog.Text{FR: "I", EN: "I"}, TimeZone: "America/Halifax", Hours: hours, Holidays: "none",
				Offers: []catalog.Offer{{ServiceID: "svc", Counters: 1}}, Source: "test"},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open(ctx, db, quiet)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 10, 30, 12, 0, 0, 0, time.UTC)
	s := booking.New(db, cat, booking.NewTokens(make([]byte, 32)), booking.Options{Now: func() time.Time { return clock }, Logger: quiet})
	defer s.Close()
	halifax := mustLoad("America/Halifax")
	for _, tt := range []struct {
		point string
		loc   *time.Location
		day   time.Time // the day before the clocks go back (at 2:00 on 1 November 2026)
	}{
		{"mtl", toronto, time.Date(2026, 10, 31, 0, 0, 0, 0, toronto)},
		{"idlm", halifax, time.Date(2026, 10, 31, 0, 0, 0, 0, halifax)},
	} {
		slots, err := s.Availability(ctx, tt.point, "svc", tt.day, tt.day.AddDate(0, 0, 2))
		if err != nil {
			t.Fatal(err)
		}
		if len(slots) != 8 { // 4 a day: 08:00, 08:30, 09:00, 09:30 — on both sides of the change
			t.Fatalf("%s: %d slots, want 8: %v", tt.point, len(slots), slots)
		}
		for _, sl := range slots {
			local := sl.Start.In(tt.loc)
			if local.Hour() < 8 || local.Hour() > 9 || (local.Minute() != 0 && local.Minute() != 30) {
				t.Errorf("%s: slot at %s local", tt.point, local.Format(time.RFC3339))
			}
		}
		// 08:00 the day before and 08:00 on the change day are 25 hours apart.
		if gap := slots[4].Start.Sub(slots[0].Start); gap != 25*time.Hour {
			t.Errorf("%s: %v between 08:00 the day before the change and 08:00 on the day, want 25h", tt.point, gap)
		}
	}
	clock = time.Date(2027, 3, 5, 12, 0, 0, 0, time.UTC)
	spring := time.Date(2027, 3, 13, 0, 0, 0, 0, toronto) // the clocks go forward at 2:00 on 14 March 2027
	slots, err := s.Availability(ctx, "mtl", "svc", spring, spring.AddDate(0, 0, 2))
	if err != nil || len(slots) != 8 || slots[4].Start.Sub(slots[0].Start) != 23*time.Hour {
		t.Fatalf("spring forward: %v %v", slots, err)
	}
}
