package booking

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking/reference"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Appointments at the counter: check-in on arrival, the day's agenda, and
// the outcome (served or no-show). An appointment is "called" (by the queue,
// internal/queue) while its status is still checked_in and CalledAt is set.
//
// Each public method is one transaction with its audit entry (actor
// "agent:<id>", or "system:no-show-sweeper") and its booking_events row.
// The …Tx variants run inside a caller's transaction, so that the queue can
// record its own event in the same commit.

// Visit is an appointment as the counter sees it.
type Visit struct {
	Appointment
	CheckedInAt time.Time // zero until checked in
	CalledAt    time.Time // zero until called
	ServedAt    time.Time // zero until served
	Counter     string    // the counter that called it
	Agent       string    // the agent who called it
}

const visitColumns = appointmentColumns + `, checked_in_at, called_at, served_at, counter, agent`

func scanVisit(row scanner) (Visit, error) {
	var v Visit
	var start, end, created, updated int64
	var checkedIn, called, served sql.NullInt64
	var status string
	a := &v.Appointment
	err := row.Scan(&a.ID, &a.Reference, &a.nonce, &a.PointID, &a.ServiceID, &start, &end, &status,
		&a.Citizen.Name, &a.Citizen.Email, &a.Citizen.Phone, &a.Lang, &a.Channel, &created, &updated,
		&checkedIn, &called, &served, &v.Counter, &v.Agent)
	a.Status = Status(status)
	a.Start, a.End = time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC()
	a.CreatedAt, a.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	v.CheckedInAt, v.CalledAt, v.ServedAt = msTime(checkedIn), msTime(called), msTime(served)
	return v, err
}

func msTime(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

func visitByReference(ctx context.Context, tx *database.Tx, ref string) (Visit, error) {
	canon, ok := reference.Parse(ref)
	if !ok {
		return Visit{}, errs.E(errs.Invalid, "booking.bad_reference").OnField("reference")
	}
	q := `SELECT ` + visitColumns + ` FROM appointments WHERE reference = ?`
	if tx.Dialect() == database.Postgres {
		q += ` FOR UPDATE`
	}
	v, err := scanVisit(tx.QueryRow(ctx, q, canon))
	if errs.Is(err, errs.NotFound) {
		return Visit{}, errs.E(errs.NotFound, "booking.not_found")
	}
	return v, err
}

// CheckIn records the arrival of the holder of a booked appointment (the
// agent has checked who they are). Checking in twice is refused.
func (s *Service) CheckIn(ctx context.Context, ref, agent string) (Appointment, error) {
	var out Visit
	err := s.batch.Do(ctx, func(tx *database.Tx) error {
		var err error
		out, err = s.CheckInTx(ctx, tx, ref, agent)
		return err
	})
	return out.Appointment, err
}

// CheckInTx is CheckIn inside the caller's transaction.
func (s *Service) CheckInTx(ctx context.Context, tx *database.Tx, ref, agent string) (Visit, error) {
	v, err := visitByReference(ctx, tx, ref)
	if err != nil {
		return Visit{}, err
	}
	if v.Status != Booked {
		return Visit{}, errs.E(errs.Conflict, "booking.not_active")
	}
	now := s.opts.Now()
	v.Status, v.UpdatedAt, v.CheckedInAt = CheckedIn, now, now
	if _, err := tx.Exec(ctx, `UPDATE appointments SET status = ?, checked_in_at = ?, updated_at = ? WHERE id = ? AND status = 'booked'`,
		string(v.Status), now.UnixMilli(), now.UnixMilli(), v.ID); err != nil {
		return Visit{}, err
	}
	return v, s.recordBy(ctx, tx, "agent:"+agent, "appointment.checked_in", v.Appointment)
}

// DayAgenda lists the appointments of a point on the local day of day
// (booked, checked in, no-show and served; not cancelled), by start time.
func (s *Service) DayAgenda(ctx context.Context, pointID string, day time.Time) ([]Appointment, error) {
	_, sched, err := s.cat.Point(pointID)
	if err != nil {
		return nil, err
	}
	d := sched.Day(day).Date
	var out []Appointment
	err = s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		out, err = queryAppointments(ctx, tx, `SELECT `+appointmentColumns+` FROM appointments
			WHERE point_id = ? AND start_at >= ? AND start_at < ? AND status <> 'cancelled'
			ORDER BY start_at, id`, pointID, d.Unix(), d.AddDate(0, 0, 1).Unix())
		return err
	})
	return out, err
}

// VisitsTx lists the checked-in appointments of a point that start in
// [from, to) (called or not; the services filter is optional), by start.
func (s *Service) VisitsTx(ctx context.Context, tx *database.Tx, pointID string, from, to time.Time, services []string) ([]Visit, error) {
	q := `SELECT ` + visitColumns + ` FROM appointments
		WHERE point_id = ? AND status = 'checked_in' AND start_at >= ? AND start_at < ?`
	args := []any{pointID, from.Unix(), to.Unix()}
	if len(services) > 0 {
		q += ` AND service_id IN (?` + strings.Repeat(`, ?`, len(services)-1) + `)`
		for _, sv := range services {
			args = append(args, sv)
		}
	}
	rows, err := tx.Query(ctx, q+` ORDER BY start_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Visit
	for rows.Next() {
		v, err := scanVisit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ClaimTx marks a checked-in appointment called at a counter, if nobody
// called it first: the conditional update is the claim, so two agents
// never get the same appointment. It reports whether the claim succeeded.
func (s *Service) ClaimTx(ctx context.Context, tx *database.Tx, id int64, counter, agent string) (bool, error) {
	now := s.opts.Now()
	res, err := tx.Exec(ctx, `UPDATE appointments SET called_at = ?, counter = ?, agent = ?, updated_at = ?
		WHERE id = ? AND status = 'checked_in' AND called_at IS NULL`, now.UnixMilli(), counter, agent, now.UnixMilli(), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n != 1 {
		return false, err
	}
	a, err := appointmentByID(ctx, tx, id)
	if err != nil {
		return false, err
	}
	return true, s.recordBy(ctx, tx, "agent:"+agent, "appointment.called", a)
}

// MarkServed records that a checked-in appointment was served.
func (s *Service) MarkServed(ctx context.Context, ref, agent string) (Appointment, error) {
	return s.finish(ctx, ref, agent, Served)
}

// MarkNoShow records that the holder of an appointment did not come (or
// did not answer the call).
func (s *Service) MarkNoShow(ctx context.Context, ref, agent string) (Appointment, error) {
	return s.finish(ctx, ref, agent, NoShow)
}

func (s *Service) finish(ctx context.Context, ref, agent string, to Status) (Appointment, error) {
	var out Visit
	err := s.batch.Do(ctx, func(tx *database.Tx) error {
		var err error
		out, err = s.FinishTx(ctx, tx, ref, agent, to)
		return err
	})
	return out.Appointment, err
}

// FinishTx sets the outcome of an appointment (Served or NoShow) inside the
// caller's transaction. Served needs a checked-in appointment; NoShow a
// booked or checked-in one. No place is released: the slot has begun.
func (s *Service) FinishTx(ctx context.Context, tx *database.Tx, ref, agent string, to Status) (Visit, error) {
	v, err := visitByReference(ctx, tx, ref)
	if err != nil {
		return Visit{}, err
	}
	switch {
	case to == Served && v.Status == CheckedIn:
	case to == NoShow && (v.Status == Booked || v.Status == CheckedIn):
	case to != Served && to != NoShow:
		return Visit{}, errs.Internalf("booking: FinishTx to %q", to)
	default:
		return Visit{}, errs.E(errs.Conflict, "booking.not_active")
	}
	now := s.opts.Now()
	from := v.Status
	v.Status, v.UpdatedAt = to, now
	servedAt := sql.NullInt64{}
	if to == Served {
		v.ServedAt = now
		servedAt = sql.NullInt64{Int64: now.UnixMilli(), Valid: true}
	}
	res, err := tx.Exec(ctx, `UPDATE appointments SET status = ?, served_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
		string(to), servedAt, now.UnixMilli(), v.ID, string(from))
	if err != nil {
		return Visit{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Visit{}, errs.E(errs.Conflict, "booking.not_active")
	}
	return v, s.recordBy(ctx, tx, "agent:"+agent, "appointment."+string(to), v.Appointment)
}

// SweepNoShows marks no_show the booked appointments (never checked in)
// whose start + grace is before now, and returns how many. Nothing is
// released: the slot is in the past. Each gets its audit entry and event.
func (s *Service) SweepNoShows(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	var n int
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		var err error
		n, err = s.SweepNoShowsTx(ctx, tx, now, grace, nil)
		return err
	})
	return n, err
}

// SweepNoShowsTx is SweepNoShows inside the caller's transaction; each (when
// not nil) is called for every appointment marked, in the same transaction.
func (s *Service) SweepNoShowsTx(ctx context.Context, tx *database.Tx, now time.Time, grace time.Duration, each func(Appointment) error) (int, error) {
	late, err := queryAppointments(ctx, tx, `SELECT `+appointmentColumns+` FROM appointments WHERE status = 'booked' AND start_at <= ? ORDER BY start_at, id`,
		now.Add(-grace).Unix())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range late {
		res, err := tx.Exec(ctx, `UPDATE appointments SET status = 'no_show', updated_at = ? WHERE id = ? AND status = 'booked'`,
			now.UnixMilli(), a.ID)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			continue // changed meanwhile
		}
		a.Status, a.UpdatedAt = NoShow, now
		if err := s.recordBy(ctx, tx, "system:no-show-sweeper", "appointment.no_show", a); err != nil {
			return n, err
		}
		if each != nil {
			if err := each(a); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

// recordBy records a change made at the counter by an agent (or by the
// system).
func (s *Service) recordBy(ctx context.Context, tx *database.Tx, actor, action string, a Appointment) error {
	return s.record(ctx, tx, actor, ChannelCounter, action, a)
}
