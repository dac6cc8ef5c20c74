package booking_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/notify"
)

const childEnv = "GUICHET_BOOKING_CHILD_DSN"

// TestMain runs the booking child of TestKillNineLosesNoBooking when asked.
func TestMain(m *testing.M) {
	if dsn := os.Getenv(childEnv); dsn != "" {
		runBookingChild(dsn)
	}
	os.Exit(m.Run())
}

// enqueueConfirmation is the child's notifier: the confirmation goes into
// the outbox in the booking's transaction.
func enqueueConfirmation(ctx context.Context, tx *database.Tx, c booking.Change) error {
	_, err := notify.Enqueue(ctx, tx, notify.Message{Kind: c.Kind, To: c.Appointment.Citizen.Email, Lang: "fr",
		Subject: "Confirmation " + c.Appointment.Reference, Text: "Bonjour", Ref: c.Appointment.Reference})
	return err
}

// runBookingChild books as fast as it can from 32 goroutines and prints
// "ack REFERENCE" for each booking acknowledged, until it is killed.
func runBookingChild(dsn string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := database.Open(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	cat, err := catalog.Open(ctx, db, quiet)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	s := booking.New(db, cat, booking.NewTokens(make([]byte, 32)), booking.Options{Now: func() time.Time { return now },
		Logger: quiet, Notify: enqueueConfirmation})
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				start := slot.Add(time.Duration(i%28) * 15 * time.Minute)
				c, err := s.Book(ctx, req("big", start, w*1_000_000+i))
				if err != nil {
					continue
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "ack %s\n", c.Reference)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	os.Exit(4)
}

type recorder struct {
	mu   sync.Mutex
	sent map[string]int
}

func (r *recorder) Send(_ context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[m.Ref]++
	return nil
}

// TestKillNineLosesNoBooking kills a process that books under load with
// SIGKILL: every booking it acknowledged is in the database, no slot is
// over capacity, and every confirmation queued before the kill is sent
// after the restart.
func TestKillNineLosesNoBooking(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			dsn := dbtest.DSN(t, d)
			db, err := database.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			fixture(t, db)
			acked := dbtest.KillAfterAcks(t, childEnv, dsn, 1500)
			present := dbtest.Keys(t, db, `SELECT reference FROM appointments WHERE status = 'booked'`)
			lost := 0
			for ref := range acked {
				if !present[ref] {
					lost++
				}
			}
			if lost > 0 {
				t.Fatalf("%d acknowledged bookings lost after kill -9", lost)
			}
			assertConsistent(t, db)
			ctx := context.Background()
			// Restart: every queued confirmation is sent.
			rec := &recorder{sent: map[string]int{}}
			o := notify.NewOutbox(db, rec, notify.Options{Logger: quiet, BatchSize: 500})
			for {
				n, err := o.RunOnce(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			for ref := range present {
				if rec.sent[ref] != 1 {
					t.Fatalf("confirmation of %s sent %d times", ref, rec.sent[ref])
				}
			}
			t.Logf("%d acknowledged, %d present after kill -9, %d confirmations sent after restart", len(acked), len(present), len(rec.sent))
		})
	}
}
