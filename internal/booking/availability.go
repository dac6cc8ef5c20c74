package booking

import (
	"context"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// offer is a service at a point, as the catalogue describes it.
type offer struct {
	point    catalog.ServicePoint
	sched    catalog.Schedule
	service  catalog.Service
	capacity int
	duration time.Duration
	step     time.Duration
}

func (s *Service) offer(pointID, serviceID string) (offer, error) {
	p, sched, err := s.cat.Point(pointID)
	if err != nil {
		return offer{}, errs.E(errs.Invalid, "booking.unknown_point", pointID).OnField("service_point_id")
	}
	sv, err := s.cat.Service(serviceID)
	if err != nil {
		return offer{}, errs.E(errs.Invalid, "booking.unknown_service", serviceID).OnField("service_id")
	}
	n := p.Counters(serviceID)
	if n == 0 {
		return offer{}, errs.E(errs.Invalid, "booking.not_offered", sv.ID, p.ID).OnField("service_id")
	}
	d := time.Duration(sv.DurationMinutes) * time.Minute
	if d <= 0 {
		d = 15 * time.Minute
	}
	return offer{point: p, sched: sched, service: sv, capacity: n, duration: d,
		step: d + time.Duration(sv.BufferMinutes)*time.Minute}, nil
}

// window is the earliest and latest start a citizen may book now.
func (s *Service) window() (time.Time, time.Time) {
	now := s.opts.Now()
	return now.Add(s.opts.MinNotice), now.AddDate(0, 0, s.opts.HorizonDays)
}

// starts lists the slot starts of an offer between from and to (inclusive
// of from, exclusive of to), inside the opening hours of each day in the
// point's time zone, with the service's duration and buffer.
func (o offer) starts(from, to time.Time) []time.Time {
	var out []time.Time
	day := o.sched.Day(from).Date
	for !day.After(to) {
		for _, span := range o.sched.Spans(o.sched.Day(day)) {
			for t := span.Start; !t.Add(o.duration).After(span.End); t = t.Add(o.step) {
				if !t.Before(from) && t.Before(to) {
					out = append(out, t)
				}
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return out
}

// isStart tells whether t is a slot start of the offer.
func (o offer) isStart(t time.Time) bool {
	for _, st := range o.starts(t, t.Add(time.Second)) {
		if st.Equal(t) {
			return true
		}
	}
	return false
}

// MaxRange is the longest period one availability query covers.
const MaxRange = 31 * 24 * time.Hour

// Availability lists the bookable slots of a service at a point between
// from and to, with the places left, in the point's time zone.
func (s *Service) Availability(ctx context.Context, pointID, serviceID string, from, to time.Time) ([]Slot, error) {
	o, err := s.offer(pointID, serviceID)
	if err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, errs.E(errs.Invalid, "booking.bad_range").OnField("to")
	}
	if to.Sub(from) > MaxRange {
		return nil, errs.E(errs.Invalid, "booking.range_too_long", 31).OnField("to")
	}
	earliest, latest := s.window()
	if from.Before(earliest) {
		from = earliest
	}
	if to.After(latest) {
		to = latest
	}
	starts := o.starts(from, to)
	taken := map[int64]int{}
	if len(starts) > 0 {
		err = s.db.Read(ctx, func(tx *database.Tx) error {
			rows, err := tx.Query(ctx, `SELECT start_at, taken FROM booking_slots
				WHERE point_id = ? AND service_id = ? AND start_at >= ? AND start_at <= ?`,
				pointID, serviceID, starts[0].Unix(), starts[len(starts)-1].Unix())
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var at int64
				var n int
				if err := rows.Scan(&at, &n); err != nil {
					return err
				}
				taken[at] = n
			}
			return rows.Err()
		})
		if err != nil {
			return nil, err
		}
	}
	loc := o.sched.Location()
	out := make([]Slot, 0, len(starts))
	for _, st := range starts {
		left := o.capacity - taken[st.Unix()]
		if left <= 0 {
			continue
		}
		out = append(out, Slot{Start: st.In(loc), End: st.Add(o.duration).In(loc), Remaining: left})
	}
	return out, nil
}
