package queue

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Kind says what a queue item is.
type Kind string

// Item kinds.
const (
	KindTicket      Kind = "ticket"
	KindAppointment Kind = "appointment"
)

// Item is a ticket or an appointment in a point's queue, as agents see it.
type Item struct {
	Ref       string // "ticket:<id>" or "appointment:<reference>": what Served and NoShow take
	Kind      Kind
	Label     string // the ticket's number (« B-042 ») or the appointment's reference
	PointID   string
	ServiceID string
	Channel   string
	Status    string    // waiting, called (tickets); checked_in, called (appointments)
	Since     time.Time // taken, or checked in
	Start     time.Time // the appointment's start (zero for a ticket)
	Due       bool      // an appointment starting within 5 minutes (or late)
	CalledAt  time.Time
	Counter   string
	Agent     string
}

// Board is the state of a point's queue today.
type Board struct {
	PointID      string
	Now          time.Time
	Waiting      []Item // waiting tickets, oldest first
	Appointments []Item // checked-in appointments not yet called, by start
	Called       []Item // called, not yet served nor no-show
}

func ticketItem(t Ticket) Item {
	return Item{Ref: "ticket:" + strconv.FormatInt(t.ID, 10), Kind: KindTicket, Label: t.Label, PointID: t.PointID,
		ServiceID: t.ServiceID, Channel: t.Channel, Status: string(t.Status), Since: t.TakenAt, CalledAt: t.CalledAt,
		Counter: t.Counter, Agent: t.Agent}
}

func visitItem(v booking.Visit, now time.Time) Item {
	it := Item{Ref: "appointment:" + v.Reference, Kind: KindAppointment, Label: v.Reference, PointID: v.PointID,
		ServiceID: v.ServiceID, Channel: v.Channel, Status: string(v.Status), Since: v.CheckedInAt, Start: v.Start,
		Due: !v.Start.After(now.Add(dueWindow)), CalledAt: v.CalledAt, Counter: v.Counter, Agent: v.Agent}
	if !v.CalledAt.IsZero() {
		it.Status = "called"
	}
	return it
}

// ParseRef splits an item reference into its kind and key.
func ParseRef(ref string) (Kind, string, error) {
	kind, key, ok := strings.Cut(ref, ":")
	switch {
	case ok && Kind(kind) == KindTicket && key != "":
		if _, err := strconv.ParseInt(key, 10, 64); err == nil {
			return KindTicket, key, nil
		}
	case ok && Kind(kind) == KindAppointment && key != "":
		return KindAppointment, key, nil
	}
	return "", "", errs.E(errs.Invalid, "queue.bad_item").OnField("item")
}

// Board returns the waiting tickets, the checked-in appointments and the
// called items of a point today.
func (q *Queue) Board(ctx context.Context, pointID string) (Board, error) {
	_, sched, err := q.cat.Point(pointID)
	if err != nil {
		return Board{}, errs.E(errs.NotFound, "queue.point_not_found")
	}
	now := q.opts.Now()
	day, start, end := dayBounds(sched, now)
	b := Board{PointID: pointID, Now: now, Waiting: []Item{}, Appointments: []Item{}, Called: []Item{}}
	err = q.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+ticketColumns+` FROM queue_tickets
			WHERE point_id = ? AND day = ? AND status IN ('waiting', 'called') ORDER BY taken_at, id`, pointID, day)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, _, err := scanTicket(rows)
			if err != nil {
				return err
			}
			if t.Status == Waiting {
				b.Waiting = append(b.Waiting, ticketItem(t))
			} else {
				b.Called = append(b.Called, ticketItem(t))
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		visits, err := q.book.VisitsTx(ctx, tx, pointID, start, end, nil)
		if err != nil {
			return err
		}
		for _, v := range visits {
			if v.CalledAt.IsZero() {
				b.Appointments = append(b.Appointments, visitItem(v, now))
			} else {
				b.Called = append(b.Called, visitItem(v, now))
			}
		}
		return nil
	})
	return b, err
}

// CallNext calls the next item of a point's queue to a counter, for the
// given services (all when serviceIDs is empty). The rule, one for
// appointments and tickets:
//
//  1. the checked-in appointment with the earliest start, if it starts at
//     or before now + 5 minutes: appointments keep their time;
//  2. else the oldest waiting ticket (walk-ins are not starved by people
//     who arrive early for their appointment);
//  3. else the checked-in appointment that arrived early, earliest start
//     first (nobody is waiting: serve it now).
//
// Only today's items (local day of the point) count. The item is claimed by
// a conditional UPDATE (… WHERE status = 'waiting', or checked_in and not
// yet called); when another agent claimed it first, 0 rows change and the
// choice is made again, so concurrent calls, from several instances too,
// never return the same item. Nothing to call is a NotFound error.
func (q *Queue) CallNext(ctx context.Context, pointID, counter, agentID string, serviceIDs []string) (Item, error) {
	p, sched, err := q.cat.Point(pointID)
	if err != nil {
		return Item{}, errs.E(errs.NotFound, "queue.point_not_found")
	}
	counter, agentID = strings.TrimSpace(counter), strings.TrimSpace(agentID)
	if counter == "" {
		return Item{}, errs.E(errs.Invalid, "queue.counter_required").OnField("counter")
	}
	if agentID == "" {
		return Item{}, errs.E(errs.Invalid, "queue.agent_required").OnField("agent")
	}
	for _, sv := range serviceIDs {
		if !p.OffersService(sv) {
			return Item{}, errs.E(errs.Invalid, "queue.not_offered").OnField("service")
		}
	}
	var out Item
	for attempt := 0; attempt < 5; attempt++ {
		err = q.db.Write(ctx, func(tx *database.Tx) error {
			var err error
			out, err = q.callNext(ctx, tx, sched, pointID, counter, agentID, serviceIDs)
			return err
		})
		if !errs.Is(err, errs.Conflict) || errs.As(err).Key != "error.retry" {
			break // serialization failures (PostgreSQL) are retried
		}
	}
	return out, err
}

func (q *Queue) callNext(ctx context.Context, tx *database.Tx, sched catalog.Schedule, pointID, counter, agentID string, services []string) (Item, error) {
	for range 100 {
		now := q.opts.Now()
		day, start, end := dayBounds(sched, now)
		visits, err := q.book.VisitsTx(ctx, tx, pointID, start, end, services)
		if err != nil {
			return Item{}, err
		}
		var appt *booking.Visit
		for i := range visits {
			if visits[i].CalledAt.IsZero() {
				appt = &visits[i]
				break
			}
		}
		ticket, found, err := oldestWaiting(ctx, tx, pointID, day, services)
		if err != nil {
			return Item{}, err
		}
		var claimed bool
		var it Item
		switch {
		case appt != nil && !appt.Start.After(now.Add(dueWindow)):
			claimed, it, err = q.claimAppointment(ctx, tx, *appt, counter, agentID, now)
		case found:
			claimed, it, err = q.claimTicket(ctx, tx, ticket, counter, agentID, now)
		case appt != nil:
			claimed, it, err = q.claimAppointment(ctx, tx, *appt, counter, agentID, now)
		default:
			return Item{}, errs.E(errs.NotFound, "queue.nothing_waiting")
		}
		if err != nil || claimed {
			return it, err
		}
		// Another agent took it first: choose again.
	}
	return Item{}, errs.E(errs.Conflict, "error.retry")
}

func oldestWaiting(ctx context.Context, tx *database.Tx, pointID, day string, services []string) (Ticket, bool, error) {
	query := `SELECT ` + ticketColumns + ` FROM queue_tickets WHERE point_id = ? AND day = ? AND status = 'waiting'`
	args := []any{pointID, day}
	if len(services) > 0 {
		query += ` AND service_id IN (?` + strings.Repeat(`, ?`, len(services)-1) + `)`
		for _, s := range services {
			args = append(args, s)
		}
	}
	t, _, err := scanTicket(tx.QueryRow(ctx, query+` ORDER BY taken_at, id LIMIT 1`, args...))
	if errs.Is(err, errs.NotFound) {
		return Ticket{}, false, nil
	}
	return t, err == nil, err
}

func (q *Queue) claimTicket(ctx context.Context, tx *database.Tx, t Ticket, counter, agentID string, now time.Time) (bool, Item, error) {
	res, err := tx.Exec(ctx, `UPDATE queue_tickets SET status = 'called', called_at = ?, counter = ?, agent = ?
		WHERE id = ? AND status = 'waiting'`, now.UnixMilli(), counter, agentID, t.ID)
	if err != nil {
		return false, Item{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, Item{}, nil
	}
	t.Status, t.CalledAt, t.Counter, t.Agent = Called, now, counter, agentID
	if err := q.record(ctx, tx, "agent:"+agentID, "queue.ticket_called", t, now.Sub(t.TakenAt), 0); err != nil {
		return false, Item{}, err
	}
	return true, ticketItem(t), nil
}

func (q *Queue) claimAppointment(ctx context.Context, tx *database.Tx, v booking.Visit, counter, agentID string, now time.Time) (bool, Item, error) {
	ok, err := q.book.ClaimTx(ctx, tx, v.ID, counter, agentID)
	if err != nil || !ok {
		return false, Item{}, err
	}
	v.CalledAt, v.Counter, v.Agent = now, counter, agentID
	if err := q.event(ctx, tx, "queue.appointment_called", v.PointID, v.ServiceID, v.Channel, string(KindAppointment), v.ID,
		now.Sub(v.CheckedInAt), 0); err != nil {
		return false, Item{}, err
	}
	return true, visitItem(v, now), nil
}

// Served records that a called item was served.
func (q *Queue) Served(ctx context.Context, ref, agentID string) (Item, error) {
	return q.finish(ctx, ref, agentID, Served)
}

// NoShow records that a called (or waiting) item did not come to the counter.
func (q *Queue) NoShow(ctx context.Context, ref, agentID string) (Item, error) {
	return q.finish(ctx, ref, agentID, NoShow)
}

func (q *Queue) finish(ctx context.Context, ref, agentID string, to Status) (Item, error) {
	kind, key, err := ParseRef(ref)
	if err != nil {
		return Item{}, err
	}
	if strings.TrimSpace(agentID) == "" {
		return Item{}, errs.E(errs.Invalid, "queue.agent_required").OnField("agent")
	}
	var out Item
	err = q.db.Write(ctx, func(tx *database.Tx) error {
		if kind == KindTicket {
			id, _ := strconv.ParseInt(key, 10, 64)
			t, _, err := ticketByID(ctx, tx, id, true)
			if err != nil {
				return err
			}
			if t.Status != Called && !(to == NoShow && t.Status == Waiting) {
				return errs.E(errs.Conflict, "queue.not_called")
			}
			if err := q.end(ctx, tx, &t, to, "agent:"+agentID, "queue.ticket_"+string(to)); err != nil {
				return err
			}
			out = ticketItem(t)
			return nil
		}
		v, err := q.book.FinishTx(ctx, tx, key, agentID, booking.Status(to))
		if err != nil {
			return err
		}
		now := q.opts.Now()
		var wait, service time.Duration
		if !v.CalledAt.IsZero() {
			wait, service = v.CalledAt.Sub(v.CheckedInAt), now.Sub(v.CalledAt)
		}
		if to != Served {
			service = 0
		}
		out = visitItem(v, now)
		out.Status = string(to)
		return q.event(ctx, tx, "queue.appointment_"+string(to), v.PointID, v.ServiceID, v.Channel, string(KindAppointment), v.ID, wait, service)
	})
	return out, err
}

// CheckIn records an appointment holder's arrival at the point: from now on
// the appointment is in the queue (see CallNext).
func (q *Queue) CheckIn(ctx context.Context, reference, agentID string) (Item, error) {
	if strings.TrimSpace(agentID) == "" {
		return Item{}, errs.E(errs.Invalid, "queue.agent_required").OnField("agent")
	}
	var out Item
	err := q.db.Write(ctx, func(tx *database.Tx) error {
		v, err := q.book.CheckInTx(ctx, tx, reference, agentID)
		if err != nil {
			return err
		}
		now := q.opts.Now()
		out = visitItem(v, now)
		return q.event(ctx, tx, "queue.appointment_checked_in", v.PointID, v.ServiceID, v.Channel, string(KindAppointment), v.ID, 0, 0)
	})
	return out, err
}
