package queue

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
)

// Estimate is a position in the queue of a service and the expected wait.
//
// The formula:
//
//	ahead    = waiting tickets of the same service taken before this one
//	         + checked-in, not yet called appointments of the service that are
//	           due (start ≤ now + 5 min): they are called first (see CallNext)
//	p50, p90 = median and 90th percentile (nearest rank) of the called→served
//	           durations of the last 50 items served at the point for the
//	           service; with fewer than 5 of them, p50 = the service's
//	           DurationMinutes (15 when unset) and p90 = 1.5 × p50
//	c        = the counters serving the service at the point (at least 1)
//	wait     = from ahead × p50 / c  to  ahead × p90 / c
//
// shown as a range of whole minutes (Low rounded, High rounded up).
type Estimate struct {
	Ahead    int // items served before this one
	Position int // Ahead + 1; 0 when not waiting
	Counters int
	P50, P90 time.Duration
	Samples  int // served items the percentiles come from (0: the fallback)
	Low      time.Duration
	High     time.Duration
}

// LowMinutes and HighMinutes are the range shown to people.
func (e Estimate) LowMinutes() int { return int(math.Round(e.Low.Minutes())) }

// HighMinutes is the upper end of the range, in whole minutes rounded up.
func (e Estimate) HighMinutes() int {
	h := int(math.Ceil(e.High.Minutes()))
	if l := e.LowMinutes(); h < l {
		return l
	}
	return h
}

const (
	// dueWindow: an appointment is due when it starts within 5 minutes.
	dueWindow = 5 * time.Minute
	// sampleSize is how many recent service times the estimate uses.
	sampleSize = 50
	// minSamples below which the service's duration is used instead.
	minSamples = 5
)

// servedTypes are the events that carry a service time.
var servedTypes = []any{"queue.ticket_served", "queue.appointment_served"}

// serviceTimes returns p50 and p90 of the recent service times of a
// service at a point, and how many samples they come from.
func serviceTimes(ctx context.Context, tx *database.Tx, pointID string, sv catalog.Service) (p50, p90 time.Duration, n int, err error) {
	rows, err := tx.Query(ctx, `SELECT service_seconds FROM queue_events
		WHERE point_id = ? AND service_id = ? AND type IN (?, ?) ORDER BY at DESC, id DESC LIMIT ?`,
		pointID, sv.ID, servedTypes[0], servedTypes[1], sampleSize)
	if err != nil {
		return 0, 0, 0, err
	}
	defer rows.Close()
	var secs []int64
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			return 0, 0, 0, err
		}
		secs = append(secs, s)
	}
	if err := rows.Err(); err != nil {
		return 0, 0, 0, err
	}
	if len(secs) < minSamples {
		d := time.Duration(sv.DurationMinutes) * time.Minute
		if d <= 0 {
			d = 15 * time.Minute
		}
		return d, d * 3 / 2, 0, nil
	}
	slices.Sort(secs)
	return time.Duration(percentile(secs, 50)) * time.Second, time.Duration(percentile(secs, 90)) * time.Second, len(secs), nil
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []int64, p int) int64 {
	rank := int(math.Ceil(float64(p) / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// dayBounds returns the local day of now at a point, as instants.
func dayBounds(sched catalog.Schedule, now time.Time) (day string, start, end time.Time) {
	d := sched.Day(now).Date
	return d.Format(time.DateOnly), d, d.AddDate(0, 0, 1)
}

// estimateFor computes the estimate for ahead items of a service.
func (q *Queue) estimateFor(ctx context.Context, tx *database.Tx, p catalog.ServicePoint, serviceID string, ahead int) (Estimate, error) {
	sv, err := q.cat.Service(serviceID)
	if err != nil {
		return Estimate{}, err
	}
	p50, p90, n, err := serviceTimes(ctx, tx, p.ID, sv)
	if err != nil {
		return Estimate{}, err
	}
	c := max(p.Counters(serviceID), 1)
	return Estimate{Ahead: ahead, Position: ahead + 1, Counters: c, P50: p50, P90: p90, Samples: n,
		Low: time.Duration(ahead) * p50 / time.Duration(c), High: time.Duration(ahead) * p90 / time.Duration(c)}, nil
}

// estimate is the position and wait of a waiting ticket (zero otherwise, or
// for a ticket of another day).
func (q *Queue) estimate(ctx context.Context, tx *database.Tx, p catalog.ServicePoint, sched catalog.Schedule, t Ticket) (Estimate, error) {
	now := q.opts.Now()
	day, start, _ := dayBounds(sched, now)
	if t.Status != Waiting || t.Day != day {
		return Estimate{}, nil
	}
	var tickets, appts int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM queue_tickets WHERE point_id = ? AND day = ? AND service_id = ?
		AND status = 'waiting' AND (taken_at < ? OR (taken_at = ? AND id < ?))`,
		t.PointID, t.Day, t.ServiceID, t.TakenAt.UnixMilli(), t.TakenAt.UnixMilli(), t.ID).Scan(&tickets); err != nil {
		return Estimate{}, err
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM appointments WHERE point_id = ? AND service_id = ?
		AND status = 'checked_in' AND called_at IS NULL AND start_at >= ? AND start_at <= ?`,
		t.PointID, t.ServiceID, start.Unix(), now.Add(dueWindow).Unix()).Scan(&appts); err != nil {
		return Estimate{}, err
	}
	return q.estimateFor(ctx, tx, p, t.ServiceID, tickets+appts)
}

// Line is the state of the queue of one service at a point.
type Line struct {
	ServiceID string
	Letter    string
	Waiting   int      // waiting tickets
	Wait      Estimate // for a ticket taken now
}

// Lines returns, per service the point offers (in its order), the waiting
// tickets and the estimate for a ticket taken now.
func (q *Queue) Lines(ctx context.Context, pointID string) ([]Line, error) {
	p, sched, err := q.cat.Point(pointID)
	if err != nil {
		return nil, err
	}
	now := q.opts.Now()
	day, start, _ := dayBounds(sched, now)
	out := make([]Line, 0, len(p.Offers))
	err = q.db.Read(ctx, func(tx *database.Tx) error {
		out = out[:0]
		for i, o := range p.Offers {
			var tickets, appts int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM queue_tickets WHERE point_id = ? AND day = ? AND service_id = ? AND status = 'waiting'`,
				p.ID, day, o.ServiceID).Scan(&tickets); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM appointments WHERE point_id = ? AND service_id = ?
				AND status = 'checked_in' AND called_at IS NULL AND start_at >= ? AND start_at <= ?`,
				p.ID, o.ServiceID, start.Unix(), now.Add(dueWindow).Unix()).Scan(&appts); err != nil {
				return err
			}
			e, err := q.estimateFor(ctx, tx, p, o.ServiceID, tickets+appts)
			if err != nil {
				return err
			}
			out = append(out, Line{ServiceID: o.ServiceID, Letter: Letter(i), Waiting: tickets, Wait: e})
		}
		return nil
	})
	return out, err
}
