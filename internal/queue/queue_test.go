package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/queue"
)

func TestTicketNumbersAreUniquePerPointPerDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.clock.Set(at(9, 0))
		const n = 200
		labels := make([]string, n)
		numbers := make([]int, n)
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				service := []string{"svc", "other"}[i%2]
				tk, _, err := e.q.Take(context.Background(), queue.TakeRequest{PointID: "p", ServiceID: service, Channel: queue.ChannelKiosk})
				if err != nil {
					errc <- err
					return
				}
				labels[i], numbers[i] = tk.Label, tk.Number
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatalf("take: %v", err)
		}
		seen := map[int]bool{}
		for i, num := range numbers {
			if num < 1 || num > n || seen[num] {
				t.Fatalf("ticket %d has number %d (duplicate or out of 1..%d)", i, num, n)
			}
			seen[num] = true
			letter := map[int]string{0: "A", 1: "B"}[i%2]
			if want := fmt.Sprintf("%s-%03d", letter, num); labels[i] != want {
				t.Errorf("label %q, want %q", labels[i], want)
			}
		}
		if got := count(t, db, `SELECT COUNT(*) FROM queue_events WHERE type = 'queue.ticket_taken'`); got != n {
			t.Errorf("%d ticket_taken events, want %d", got, n)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM audit_entries WHERE action = 'queue.ticket_taken' AND actor = 'citizen:kiosk'`); got != n {
			t.Errorf("%d audit entries, want %d", got, n)
		}
		// The next local day starts again at 1.
		e.clock.Set(at(9, 0).AddDate(0, 0, 1))
		if tk, _ := e.take(t, "other"); tk.Number != 1 || tk.Label != "B-001" {
			t.Errorf("next day: %d %q, want 1 B-001", tk.Number, tk.Label)
		}
	})
}

func TestTakeRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.clock.Set(at(7, 30))
		_, _, err := e.q.Take(ctx, queue.TakeRequest{PointID: "p", ServiceID: "svc", Channel: queue.ChannelWeb})
		var closed *queue.ClosedError
		if !errs.Is(err, errs.Conflict) || !errors.As(err, &closed) || !closed.NextOpen.Equal(at(8, 0)) {
			t.Errorf("closed point: %v", err)
		}
		e.clock.Set(at(9, 0))
		if _, _, err := e.q.Take(ctx, queue.TakeRequest{PointID: "p", ServiceID: "nothing", Channel: queue.ChannelWeb}); !errs.Is(err, errs.Invalid) {
			t.Errorf("service not offered: %v", err)
		}
		if _, _, err := e.q.Take(ctx, queue.TakeRequest{PointID: "nowhere", ServiceID: "svc", Channel: queue.ChannelWeb}); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown point: %v", err)
		}
		tk, code := e.take(t, "svc")
		if len(code) < 22 {
			t.Errorf("code %q is shorter than 128 bits", code)
		}
		if _, err := e.q.Ticket(ctx, tk.ID, code+"x"); !errs.Is(err, errs.NotFound) {
			t.Errorf("wrong code: %v", err)
		}
		if _, err := e.q.Ticket(ctx, tk.ID+1000, code); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown id: %v", err)
		}
		left, err := e.q.Leave(ctx, tk.ID, code)
		if err != nil || left.Status != queue.Cancelled {
			t.Fatalf("leave: %v %v", left.Status, err)
		}
		if _, err := e.q.Leave(ctx, tk.ID, code); !errs.Is(err, errs.Conflict) {
			t.Errorf("leave twice: %v", err)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM queue_events WHERE type = 'queue.ticket_left'`); got != 1 {
			t.Errorf("%d ticket_left events", got)
		}
	})
}

func TestCallNextRule(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, e *env) (now time.Time)
		want  []string // labels in call order; the appointment is "RDV"
	}{
		{"a due checked-in appointment beats an older ticket", func(t *testing.T, e *env) time.Time {
			e.clock.Set(at(9, 30))
			e.take(t, "svc") // A-001, waiting for 30 minutes
			e.appointment(t, at(10, 0), at(9, 55))
			return at(10, 0)
		}, []string{"RDV", "A-001"}},
		{"an appointment starting within 5 minutes is due", func(t *testing.T, e *env) time.Time {
			e.clock.Set(at(9, 30))
			e.take(t, "svc")
			e.appointment(t, at(10, 0), at(9, 40))
			return at(9, 55)
		}, []string{"RDV", "A-001"}},
		{"a ticket beats an appointment checked in 40 minutes early", func(t *testing.T, e *env) time.Time {
			e.appointment(t, at(10, 45), at(10, 5))
			e.clock.Set(at(10, 5))
			e.take(t, "svc")
			return at(10, 5)
		}, []string{"A-001", "RDV"}},
		{"oldest ticket first, all services", func(t *testing.T, e *env) time.Time {
			e.clock.Set(at(9, 0))
			e.take(t, "other")
			e.clock.Set(at(9, 1))
			e.take(t, "svc")
			return at(9, 10)
		}, []string{"B-001", "A-002"}},
	}
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, dbtest.Open(t, db.Dialect))
				now := tt.setup(t, e)
				e.clock.Set(now)
				var got []string
				for {
					it, err := e.q.CallNext(context.Background(), "p", "3", "agent-1", nil)
					if errs.Is(err, errs.NotFound) {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					label := it.Label
					if it.Kind == queue.KindAppointment {
						label = "RDV"
					}
					if it.Counter != "3" || it.Agent != "agent-1" || it.Status != "called" {
						t.Errorf("called item %+v", it)
					}
					got = append(got, label)
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("call order %v, want %v", got, tt.want)
				}
			})
		}
		t.Run("service filter", func(t *testing.T) {
			e := newEnv(t, dbtest.Open(t, db.Dialect))
			e.clock.Set(at(9, 0))
			e.take(t, "svc")
			e.take(t, "other")
			it, err := e.q.CallNext(context.Background(), "p", "1", "a", []string{"other"})
			if err != nil || it.Label != "B-002" {
				t.Fatalf("filtered call: %+v %v", it, err)
			}
			if _, err := e.q.CallNext(context.Background(), "p", "1", "a", []string{"other"}); !errs.Is(err, errs.NotFound) {
				t.Errorf("nothing left for other: %v", err)
			}
		})
	})
}

func TestConcurrentAgentsNeverShareAnItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		const appointments, tickets, agents = 5, 45, 4
		for i := range appointments {
			e.appointment(t, at(9, 0).Add(time.Duration(i)*15*time.Minute), at(8, 30))
		}
		e.clock.Set(at(8, 40))
		for i := range tickets {
			e.take(t, []string{"svc", "other"}[i%2])
		}
		e.clock.Set(at(10, 0))
		var mu sync.Mutex
		got := map[string]string{}
		var wg sync.WaitGroup
		errc := make(chan error, agents)
		for a := range agents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				agent := fmt.Sprintf("agent-%d", a)
				for {
					it, err := e.q.CallNext(context.Background(), "p", fmt.Sprint(a+1), agent, nil)
					if errs.Is(err, errs.NotFound) {
						return
					}
					if err != nil {
						errc <- err
						return
					}
					mu.Lock()
					if other, dup := got[it.Ref]; dup {
						errc <- fmt.Errorf("%s called by %s and %s", it.Ref, other, agent)
					}
					got[it.Ref] = agent
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Error(err)
		}
		if len(got) != appointments+tickets {
			t.Errorf("%d items called, want %d", len(got), appointments+tickets)
		}
	})
}

// serve takes a ticket of service, has it called, and serves it d later.
func serve(t *testing.T, e *env, service string, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	e.take(t, service)
	it, err := e.q.CallNext(ctx, "p", "1", "a", []string{service})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(d)
	if _, err := e.q.Served(ctx, it.Ref, "a"); err != nil {
		t.Fatal(err)
	}
}

func TestPositionAndEstimate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.clock.Set(at(8, 0))
		// Five service times for svc: 4, 6, 8, 10, 20 minutes → p50 8, p90 20.
		for _, m := range []int{4, 6, 8, 10, 20} {
			serve(t, e, "svc", time.Duration(m)*time.Minute)
		}
		e.clock.Set(at(9, 50))
		e.appointment(t, at(10, 0), at(9, 50)) // due at 9:55: ahead of the tickets
		e.clock.Set(at(9, 51))
		e.take(t, "svc")
		e.take(t, "svc")
		e.take(t, "other")
		e.take(t, "svc")
		tk, code := e.take(t, "svc")
		e.clock.Set(at(9, 56))
		got, err := e.q.Ticket(ctx, tk.ID, code)
		if err != nil {
			t.Fatal(err)
		}
		w := got.Wait
		// ahead: 3 svc tickets + 1 due appointment = 4; 2 counters.
		// low = 4 × 8 / 2 = 16 min; high = 4 × 20 / 2 = 40 min.
		if w.Ahead != 4 || w.Position != 5 || w.Counters != 2 || w.Samples != 5 || w.P50 != 8*time.Minute || w.P90 != 20*time.Minute ||
			w.LowMinutes() != 16 || w.HighMinutes() != 40 {
			t.Errorf("estimate %+v (%d to %d min)", w, w.LowMinutes(), w.HighMinutes())
		}
		// other has no history: its duration (10 min) and 1.5 × it, 1 counter.
		lines, err := e.q.Lines(ctx, "p")
		if err != nil || len(lines) != 2 {
			t.Fatal(lines, err)
		}
		o := lines[1].Wait
		if lines[1].Letter != "B" || lines[1].Waiting != 1 || o.Ahead != 1 || o.Samples != 0 || o.LowMinutes() != 10 || o.HighMinutes() != 15 {
			t.Errorf("other: %+v %+v", lines[1], o)
		}
		if s := lines[0]; s.Waiting != 4 || s.Wait.Ahead != 5 {
			t.Errorf("svc line: %+v", s)
		}
	})
}

func TestNoShows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		appt := e.appointment(t, at(10, 0), time.Time{}) // booked, never checked in
		e.clock.Set(at(9, 50))
		tk, code := e.take(t, "svc")
		if _, err := e.q.CallNext(ctx, "p", "2", "a", nil); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(at(9, 54))
		if s, err := e.q.RunOnce(ctx); err != nil || s != (queue.Swept{}) {
			t.Fatalf("before the grace: %+v %v", s, err)
		}
		got, _ := e.q.Ticket(ctx, tk.ID, code)
		if got.Status != queue.Called || got.Counter != "2" {
			t.Errorf("called ticket: %+v", got)
		}
		e.clock.Set(at(9, 55)) // 5 minutes after the call
		if s, err := e.q.RunOnce(ctx); err != nil || s.Tickets != 1 || s.Appointments != 0 {
			t.Fatalf("ticket sweep: %+v %v", s, err)
		}
		if got, _ := e.q.Ticket(ctx, tk.ID, code); got.Status != queue.NoShow {
			t.Errorf("ticket after the grace: %s", got.Status)
		}
		e.clock.Set(at(10, 9))
		if s, _ := e.q.RunOnce(ctx); s.Appointments != 0 {
			t.Errorf("appointment marked 9 minutes after its start")
		}
		e.clock.Set(at(10, 10))
		if s, err := e.q.RunOnce(ctx); err != nil || s.Appointments != 1 {
			t.Fatalf("appointment sweep: %+v %v", s, err)
		}
		agenda, err := e.book.DayAgenda(ctx, "p", at(12, 0))
		if err != nil || len(agenda) != 1 || agenda[0].Reference != appt.Reference || agenda[0].Status != "no_show" {
			t.Errorf("agenda: %+v %v", agenda, err)
		}
		for _, typ := range []string{"queue.ticket_no_show", "queue.appointment_no_show"} {
			if n := count(t, db, `SELECT COUNT(*) FROM queue_events WHERE type = ?`, typ); n != 1 {
				t.Errorf("%d %s events", n, typ)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_entries WHERE actor = 'system:no-show-sweeper'`); n != 2 {
			t.Errorf("%d sweeper audit entries, want 2", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM booking_events WHERE type = 'appointment.no_show'`); n != 1 {
			t.Errorf("%d booking no_show events", n)
		}
	})
}

func TestServedAndBoard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.appointment(t, at(11, 0), at(10, 0))
		e.clock.Set(at(10, 0))
		e.take(t, "svc")
		e.take(t, "other")
		b, err := e.q.Board(ctx, "p")
		if err != nil || len(b.Waiting) != 2 || len(b.Appointments) != 1 || len(b.Called) != 0 || b.Appointments[0].Due {
			t.Fatalf("board: %+v %v", b, err)
		}
		it, err := e.q.CallNext(ctx, "p", "1", "a", nil)
		if err != nil || it.Label != "A-001" {
			t.Fatal(it, err)
		}
		if _, err := e.q.Served(ctx, "ticket:999999", "a"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown ticket: %v", err)
		}
		e.clock.Add(7 * time.Minute)
		if _, err := e.q.Served(ctx, it.Ref, "a"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.q.Served(ctx, it.Ref, "a"); !errs.Is(err, errs.Conflict) {
			t.Errorf("served twice: %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM queue_events WHERE type = 'queue.ticket_served' AND service_seconds = 420`); n != 1 {
			t.Errorf("served event with 7 minutes of service: %d", n)
		}
		e.clock.Set(at(10, 56))
		if _, err := e.q.CallNext(ctx, "p", "1", "a", []string{"other"}); err != nil {
			t.Fatal(err)
		}
		ap, err := e.q.CallNext(ctx, "p", "1", "a", nil)
		if err != nil || ap.Kind != queue.KindAppointment {
			t.Fatal(ap, err)
		}
		b, _ = e.q.Board(ctx, "p")
		if len(b.Waiting) != 0 || len(b.Appointments) != 0 || len(b.Called) != 2 {
			t.Errorf("board after the calls: %+v", b)
		}
		e.clock.Add(12 * time.Minute)
		if _, err := e.q.Served(ctx, ap.Ref, "a"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM queue_events WHERE type = 'queue.appointment_served' AND service_seconds = 720`); n != 1 {
			t.Errorf("appointment served event: %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM appointments WHERE status = 'served' AND served_at IS NOT NULL AND counter = '1'`); n != 1 {
			t.Errorf("served appointment row: %d", n)
		}
	})
}
