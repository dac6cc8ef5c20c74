package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
)

func TestEnqueueCommitAndRollback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clk := newClock()
		s := &fakeSender{}
		o := NewOutbox(db, s, Options{Now: clk.Now, Logger: testLogger(&syncBuffer{})})

		errRollback := errors.New("rollback")
		err := db.Write(ctx, func(tx *database.Tx) error {
			if _, err := Enqueue(ctx, tx, sampleMessage()); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Write = %v", err)
		}
		if n := runOnce(t, o); n != 0 || s.count() != 0 {
			t.Fatalf("after rollback: sent %d, sender got %d; want 0", n, s.count())
		}

		m := sampleMessage()
		m.Calendar = Calendar(Event{UID: "RV-7KQ2ZP@guichet", Start: clk.Now(), End: clk.Now().Add(time.Hour), TimeZone: "America/Toronto", Stamp: clk.Now()})
		m.CalendarMethod = "request"
		id := mustEnqueue(t, db, o, m)
		if n := runOnce(t, o); n != 1 {
			t.Fatalf("sent %d; want 1", n)
		}
		if n := runOnce(t, o); n != 0 {
			t.Fatalf("second round sent %d; want 0", n)
		}
		if s.count() != 1 || s.sent[0].ID != id || s.sent[0].Text != m.Text || string(s.sent[0].Calendar) != string(m.Calendar) {
			t.Fatalf("sender got %+v", s.sent)
		}
		got := mustGet(t, db, id)
		want := m
		want.ID, want.Status, want.Attempts, want.CalendarMethod = id, StatusSent, 1, "REQUEST"
		want.CreatedAt, want.SentAt = clk.Now(), clk.Now()
		if got.Status != want.Status || got.Attempts != 1 || !got.SentAt.Equal(want.SentAt) || !got.CreatedAt.Equal(want.CreatedAt) ||
			got.CalendarMethod != "REQUEST" || got.To != m.To || got.Subject != m.Subject || got.Ref != m.Ref || !got.NotBefore.IsZero() {
			t.Fatalf("stored %+v\nwant %+v", got, want)
		}
		if list, err := ByRef(ctx, db, "RV-7KQ2ZP"); err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("ByRef = %v, %v", list, err)
		}
		if list, err := Recent(ctx, db, 10); err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("Recent = %v, %v", list, err)
		}
		if _, err := Get(ctx, db, id+100); !errs.Is(err, errs.NotFound) {
			t.Fatalf("Get missing = %v; want not found", err)
		}
	})
}

func TestEnqueueInvalid(t *testing.T) {
	db := dbtest.Open(t, database.SQLite)
	tests := []struct {
		name  string
		edit  func(*Message)
		field string
	}{
		{"no kind", func(m *Message) { m.Kind = "" }, "kind"},
		{"bad address", func(m *Message) { m.To = "pas une adresse" }, "to"},
		{"named address", func(m *Message) { m.To = "Jeanne <j@exemple.ca>" }, "to"},
		{"bad lang", func(m *Message) { m.Lang = "de" }, "lang"},
		{"header injection", func(m *Message) { m.Subject = "Bonjour\r\nBcc: x@exemple.ca" }, "subject"},
		{"empty body", func(m *Message) { m.Text = " " }, "text"},
		{"calendar without method", func(m *Message) { m.Calendar = []byte("BEGIN:VCALENDAR") }, "calendar_method"},
		{"method without calendar", func(m *Message) { m.CalendarMethod = "REQUEST" }, "calendar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sampleMessage()
			tt.edit(&m)
			err := db.Write(context.Background(), func(tx *database.Tx) error {
				_, err := Enqueue(context.Background(), tx, m)
				return err
			})
			if e := errs.As(err); e.Code != errs.Invalid || e.Field != tt.field {
				t.Fatalf("Enqueue = %v; want invalid %s", err, tt.field)
			}
		})
	}
}

func TestRetryBackoffAndFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		clk := newClock()
		var logs syncBuffer
		failing := true
		s := &fakeSender{fail: func(Message) error {
			if failing {
				return errTemporary
			}
			return nil
		}}
		o := NewOutbox(db, s, Options{
			Now: clk.Now, Logger: testLogger(&logs), MaxAttempts: 3,
			Backoff: func(n int) time.Duration { return time.Duration(n) * time.Minute },
		})
		m := sampleMessage()
		id := mustEnqueue(t, db, o, m)

		// Attempt 1 fails: due again in 1 min.
		if n := runOnce(t, o); n != 0 {
			t.Fatalf("sent %d", n)
		}
		got := mustGet(t, db, id)
		if got.Status != StatusPending || got.Attempts != 1 || !got.NotBefore.Equal(clk.Now().Add(time.Minute)) || got.LastError != errTemporary.Error() {
			t.Fatalf("after attempt 1: %+v", got)
		}
		if n := runOnce(t, o); n != 0 || got.Attempts != mustGet(t, db, id).Attempts {
			t.Fatal("retried before its due time")
		}
		// Attempt 2 fails: due again in 2 min.
		clk.Advance(time.Minute)
		runOnce(t, o)
		got = mustGet(t, db, id)
		if got.Status != StatusPending || got.Attempts != 2 || !got.NotBefore.Equal(clk.Now().Add(2*time.Minute)) {
			t.Fatalf("after attempt 2: %+v", got)
		}
		// Attempt 3 succeeds.
		failing = false
		clk.Advance(2 * time.Minute)
		if n := runOnce(t, o); n != 1 {
			t.Fatalf("attempt 3 sent %d; want 1", n)
		}
		got = mustGet(t, db, id)
		if got.Status != StatusSent || got.Attempts != 3 || got.LastError != "" || !got.SentAt.Equal(clk.Now()) {
			t.Fatalf("after attempt 3: %+v", got)
		}

		// Another message fails MaxAttempts times: failed.
		failing = true
		id2 := mustEnqueue(t, db, o, m)
		for range 3 {
			runOnce(t, o)
			clk.Advance(time.Hour)
		}
		got = mustGet(t, db, id2)
		if got.Status != StatusFailed || got.Attempts != 3 || got.LastError != errTemporary.Error() {
			t.Fatalf("after MaxAttempts: %+v", got)
		}
		if n := runOnce(t, o); n != 0 || mustGet(t, db, id2).Attempts != 3 {
			t.Fatal("a failed message was tried again")
		}

		// A permanent error fails at once.
		s.fail = func(Message) error { return Permanent(errors.New("550 5.1.1 no such user")) }
		id3 := mustEnqueue(t, db, o, m)
		runOnce(t, o)
		if got := mustGet(t, db, id3); got.Status != StatusFailed || got.Attempts != 1 {
			t.Fatalf("after a permanent error: %+v", got)
		}

		out := logs.String()
		if !strings.Contains(out, "will retry") || !strings.Contains(out, "given up") || !strings.Contains(out, fmt.Sprintf("id=%d", id2)) {
			t.Fatalf("logs lack the expected events:\n%s", out)
		}
		for _, secret := range []string{m.To, m.Subject, "Trois-Rivières", "Bonjour", "jeanne"} {
			if strings.Contains(out, secret) {
				t.Fatalf("logs contain personal data %q:\n%s", secret, out)
			}
		}
	})
}

func TestNotBeforeAndCancelPending(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clk := newClock()
		s := &fakeSender{}
		o := NewOutbox(db, s, Options{Now: clk.Now, Logger: testLogger(&syncBuffer{})})

		reminder := sampleMessage()
		reminder.Kind = "appointment.reminder"
		reminder.NotBefore = clk.Now().Add(24 * time.Hour)
		idKept := mustEnqueue(t, db, o, reminder)

		other := reminder
		other.Ref = "RV-CANCEL1"
		idCancelled := mustEnqueue(t, db, o, other)
		confirmation := sampleMessage()
		confirmation.Ref = "RV-CANCEL1"
		confirmation.NotBefore = clk.Now().Add(24 * time.Hour)
		idConfirmation := mustEnqueue(t, db, o, confirmation)

		if n := runOnce(t, o); n != 0 {
			t.Fatalf("sent %d before NotBefore", n)
		}
		var cancelled int
		err := db.Write(ctx, func(tx *database.Tx) error {
			var err error
			cancelled, err = CancelPending(ctx, tx, "RV-CANCEL1", "appointment.reminder")
			return err
		})
		if err != nil || cancelled != 1 {
			t.Fatalf("CancelPending = %d, %v; want 1", cancelled, err)
		}
		clk.Advance(24*time.Hour - time.Millisecond)
		if n := runOnce(t, o); n != 0 {
			t.Fatalf("sent %d a millisecond early", n)
		}
		clk.Advance(time.Millisecond)
		if n := runOnce(t, o); n != 2 {
			t.Fatalf("sent %d at NotBefore; want 2", n)
		}
		if got := mustGet(t, db, idCancelled); got.Status != StatusCancelled || got.Attempts != 0 {
			t.Fatalf("cancelled reminder: %+v", got)
		}
		for _, id := range []int64{idKept, idConfirmation} {
			if got := mustGet(t, db, id); got.Status != StatusSent || !got.NotBefore.Equal(reminder.NotBefore) {
				t.Fatalf("message %d: %+v", id, got)
			}
		}
		err = db.Write(ctx, func(tx *database.Tx) error {
			_, err := CancelPending(ctx, tx, "", "")
			return err
		})
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("CancelPending without ref = %v; want invalid", err)
		}
	})
}

func TestConcurrentOutboxesSendEachOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		const total = 200
		clk := newClock()
		var mu sync.Mutex
		sends := map[int64]int{}
		s := &fakeSender{fail: func(m Message) error {
			mu.Lock()
			sends[m.ID]++
			mu.Unlock()
			return nil
		}}
		opts := Options{Now: clk.Now, Logger: testLogger(&syncBuffer{}), BatchSize: 7}
		a, b := NewOutbox(db, s, opts), NewOutbox(db, s, opts)
		err := db.Write(context.Background(), func(tx *database.Tx) error {
			for range total {
				if _, err := a.Enqueue(context.Background(), tx, sampleMessage()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		counts := make([]int, 2)
		errc := make(chan error, 2)
		for i, o := range []*Outbox{a, b} {
			wg.Go(func() {
				for {
					n, err := o.RunOnce(context.Background())
					if err != nil {
						errc <- err
						return
					}
					if n == 0 {
						return
					}
					counts[i] += n
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatalf("RunOnce: %v", err)
		}
		if len(sends) != total || counts[0]+counts[1] != total {
			t.Fatalf("%d distinct messages sent, counts %v; want %d", len(sends), counts, total)
		}
		for id, n := range sends {
			if n != 1 {
				t.Fatalf("message %d sent %d times", id, n)
			}
		}
		t.Logf("outbox A sent %d, B sent %d", counts[0], counts[1])
	})
}

func TestExpiredLeaseIsReclaimed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clk := newClock()
		s := &fakeSender{}
		opts := Options{Now: clk.Now, Logger: testLogger(&syncBuffer{}), Lease: 5 * time.Minute, MaxAttempts: 2}
		crashed := NewOutbox(db, s, opts)
		o := NewOutbox(db, s, opts)
		id := mustEnqueue(t, db, o, sampleMessage())

		// A worker claims the message and dies before recording anything.
		claimed, err := crashed.claim(ctx)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim = %v, %v", claimed, err)
		}
		if n := runOnce(t, o); n != 0 {
			t.Fatalf("sent %d while the lease holds", n)
		}
		clk.Advance(5*time.Minute - time.Millisecond)
		if n := runOnce(t, o); n != 0 {
			t.Fatalf("sent %d before the lease expired", n)
		}
		clk.Advance(time.Millisecond)
		if n := runOnce(t, o); n != 1 {
			t.Fatalf("sent %d after the lease expired; want 1", n)
		}
		if got := mustGet(t, db, id); got.Status != StatusSent || got.Attempts != 2 {
			t.Fatalf("after reclaim: %+v", got)
		}
		// The dead worker's late result changes nothing.
		err = db.Write(ctx, func(tx *database.Tx) error {
			held, err := markRetry(ctx, tx, claimed[0], 0, "late")
			if held {
				t.Error("a stale claim updated the message")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// A lease that expires on the last attempt fails the message.
		id2 := mustEnqueue(t, db, o, sampleMessage())
		for range 2 {
			if _, err := crashed.claim(ctx); err != nil {
				t.Fatal(err)
			}
			clk.Advance(5 * time.Minute)
		}
		runOnce(t, o)
		if got := mustGet(t, db, id2); got.Status != StatusFailed || got.Attempts != 2 || got.LastError != errLeaseExpired {
			t.Fatalf("after the last lease expired: %+v", got)
		}
		if s.count() != 1 {
			t.Fatalf("sender got %d messages; want 1", s.count())
		}
	})
}

func TestCloseFinishesTheCurrentMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		clk := newClock()
		started := make(chan struct{})
		finish := make(chan struct{})
		s := &blockingSender{started: started, finish: finish}
		o := NewOutbox(db, s, Options{Now: clk.Now, Logger: testLogger(&syncBuffer{}), PollInterval: time.Hour})
		first := mustEnqueue(t, db, o, sampleMessage())
		second := mustEnqueue(t, db, o, sampleMessage())
		o.Start(context.Background())
		<-started // the first message is being sent
		closed := make(chan error)
		go func() { closed <- o.Close(context.Background()) }()
		// Close waits for the send in progress.
		select {
		case err := <-closed:
			t.Fatalf("Close returned %v during a send", err)
		default:
		}
		close(finish)
		if err := <-closed; err != nil {
			t.Fatalf("Close = %v", err)
		}
		if got := mustGet(t, db, first); got.Status != StatusSent {
			t.Fatalf("first: %+v", got)
		}
		if got := mustGet(t, db, second); got.Status != StatusPending || got.Attempts != 0 {
			t.Fatalf("second was not given back: %+v", got)
		}
	})
}

// blockingSender signals the first send and waits until finish is closed.
type blockingSender struct {
	once    sync.Once
	started chan struct{}
	finish  chan struct{}
}

func (s *blockingSender) Send(ctx context.Context, _ Message) error {
	s.once.Do(func() { close(s.started) })
	select {
	case <-s.finish:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestWorkerSendsWhenNudged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		sent := make(chan int64, 1)
		o := NewOutbox(db, senderFunc(func(_ context.Context, m Message) error {
			sent <- m.ID
			return nil
		}), Options{Logger: testLogger(&syncBuffer{}), PollInterval: time.Hour})
		o.Start(context.Background())
		defer o.Close(context.Background())
		id := mustEnqueue(t, db, o, sampleMessage())
		o.Nudge()
		if got := <-sent; got != id {
			t.Fatalf("sent %d; want %d", got, id)
		}
	})
}

type senderFunc func(context.Context, Message) error

func (f senderFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

func TestDefaultBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 5: 8 * time.Minute, 8: time.Hour, 40: time.Hour} {
		for range 50 {
			if d := DefaultBackoff(n); d < want/2 || d > want {
				t.Fatalf("DefaultBackoff(%d) = %v; want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

func TestLastErrorAndRedact(t *testing.T) {
	long := strings.Repeat("é", 400)
	if s := lastError(errors.New(long)); len(s) > maxError+len("…") || !strings.HasSuffix(s, "…") {
		t.Fatalf("lastError kept %d bytes", len(s))
	}
	m := sampleMessage()
	got := redact("550 <"+m.To+"> rejected; other <x.y@z.example> too; "+m.Subject, m)
	for _, secret := range []string{m.To, "x.y@z.example", m.Subject} {
		if strings.Contains(got, secret) {
			t.Fatalf("redact left %q in %q", secret, got)
		}
	}
}
