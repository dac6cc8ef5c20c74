package queue

import (
	"context"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/database"
)

// Start runs the no-show worker: RunOnce every Interval until Close.
func (q *Queue) Start() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stop != nil {
		return
	}
	q.stop, q.done = make(chan struct{}), make(chan struct{})
	go q.loop(q.stop, q.done)
}

func (q *Queue) loop(stop, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(q.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), q.opts.Interval)
			if _, err := q.RunOnce(ctx); err != nil {
				q.opts.Logger.Error("queue: no-show sweep failed", "err", err)
			}
			cancel()
		}
	}
}

// Close stops the worker and waits for a sweep in progress.
func (q *Queue) Close() {
	q.mu.Lock()
	stop, done := q.stop, q.done
	q.stop = nil
	q.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// Swept counts what one sweep marked.
type Swept struct {
	Tickets      int // called tickets not served within NoShowGrace
	Appointments int // booked appointments not checked in AppointmentGrace after their start
}

// RunOnce marks no_show, in one transaction, the called tickets not served
// within NoShowGrace of their call, and the booked appointments not checked
// in AppointmentGrace after their start (booking.SweepNoShowsTx), each with
// its audit entry and queue event.
func (q *Queue) RunOnce(ctx context.Context) (Swept, error) {
	var s Swept
	err := q.db.Write(ctx, func(tx *database.Tx) error {
		s = Swept{}
		now := q.opts.Now()
		rows, err := tx.Query(ctx, `SELECT `+ticketColumns+` FROM queue_tickets WHERE status = 'called' AND called_at <= ? ORDER BY id`,
			now.Add(-q.opts.NoShowGrace).UnixMilli())
		if err != nil {
			return err
		}
		var late []Ticket
		for rows.Next() {
			t, _, err := scanTicket(rows)
			if err != nil {
				rows.Close()
				return err
			}
			late = append(late, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, t := range late {
			if err := q.end(ctx, tx, &t, NoShow, "system:no-show-sweeper", "queue.ticket_no_show"); err != nil {
				return err
			}
			s.Tickets++
		}
		s.Appointments, err = q.book.SweepNoShowsTx(ctx, tx, now, q.opts.AppointmentGrace, func(a booking.Appointment) error {
			return q.event(ctx, tx, "queue.appointment_no_show", a.PointID, a.ServiceID, a.Channel, string(KindAppointment), a.ID, 0, 0)
		})
		return err
	})
	return s, err
}
