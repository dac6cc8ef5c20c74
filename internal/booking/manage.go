package booking

import (
	"context"
	"time"

	"github.com/guichet-qc/guichet/internal/booking/reference"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

const appointmentColumns = `id, reference, nonce, point_id, service_id, start_at, end_at, status,
	citizen_name, citizen_email, citizen_phone, lang, channel, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanAppointment(row scanner) (Appointment, error) {
	var a Appointment
	var start, end, created, updated int64
	var status string
	err := row.Scan(&a.ID, &a.Reference, &a.nonce, &a.PointID, &a.ServiceID, &start, &end, &status,
		&a.Citizen.Name, &a.Citizen.Email, &a.Citizen.Phone, &a.Lang, &a.Channel, &created, &updated)
	a.Status = Status(status)
	a.Start, a.End = time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC()
	a.CreatedAt, a.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return a, err
}

func appointmentByID(ctx context.Context, tx *database.Tx, id int64) (Appointment, error) {
	return scanAppointment(tx.QueryRow(ctx, `SELECT `+appointmentColumns+` FROM appointments WHERE id = ?`, id))
}

// byReference loads an appointment by reference for a caller who may see
// it when allowed says so (locking its row on PostgreSQL when forUpdate).
// An appointment the caller may not see and an unknown reference give the
// same answer, so that references cannot be probed.
func byReference(ctx context.Context, tx *database.Tx, ref string, forUpdate bool, allowed func(Appointment) bool) (Appointment, error) {
	canon, ok := reference.Parse(ref)
	if !ok {
		return Appointment{}, errs.E(errs.Invalid, "booking.bad_reference").OnField("reference")
	}
	q := `SELECT ` + appointmentColumns + ` FROM appointments WHERE reference = ?`
	if forUpdate && tx.Dialect() == database.Postgres {
		q += ` FOR UPDATE`
	}
	a, err := scanAppointment(tx.QueryRow(ctx, q, canon))
	if errs.Is(err, errs.NotFound) || (err == nil && !allowed(a)) {
		return Appointment{}, errs.E(errs.NotFound, "booking.not_found")
	}
	return a, err
}

// queryAppointments runs a SELECT of appointmentColumns and scans every row.
func queryAppointments(ctx context.Context, tx *database.Tx, q string, args ...any) ([]Appointment, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// authorized loads an appointment by reference for the holder of its
// manage token.
func (s *Service) authorized(ctx context.Context, tx *database.Tx, ref, token string, forUpdate bool) (Appointment, error) {
	return byReference(ctx, tx, ref, forUpdate, func(a Appointment) bool {
		return s.tokens.Valid(a.Reference, a.nonce, token)
	})
}

// Get returns an appointment to the holder of its manage token.
func (s *Service) Get(ctx context.Context, ref, token string) (Appointment, error) {
	var a Appointment
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		a, err = s.authorized(ctx, tx, ref, token, false)
		return err
	})
	return a, err
}

// finder loads, in a write transaction, the appointment a caller may
// change: the holder of its manage token, or its signed-in citizen.
type finder func(ctx context.Context, tx *database.Tx) (Appointment, error)

func (s *Service) withToken(ref, token string) finder {
	return func(ctx context.Context, tx *database.Tx) (Appointment, error) {
		return s.authorized(ctx, tx, ref, token, true)
	}
}

// Cancel cancels a booked appointment; its place is available at once.
func (s *Service) Cancel(ctx context.Context, ref, token, channel string) (Appointment, error) {
	return s.cancelFound(ctx, s.withToken(ref, token), channel)
}

func (s *Service) cancelFound(ctx context.Context, find finder, channel string) (Appointment, error) {
	var out Appointment
	err := s.batch.Do(ctx, func(tx *database.Tx) error {
		a, err := find(ctx, tx)
		if err != nil {
			return err
		}
		out, err = s.cancel(ctx, tx, a, channel)
		return err
	})
	return out, err
}

// cancel releases the place (offering it to the waiting list), records the
// change and tells the citizen, in the caller's transaction.
func (s *Service) cancel(ctx context.Context, tx *database.Tx, a Appointment, channel string) (Appointment, error) {
	if a.Status != Booked {
		return a, errs.E(errs.Conflict, "booking.not_active")
	}
	if err := s.release(ctx, tx, a.PointID, a.ServiceID, a.Start); err != nil {
		return a, err
	}
	a.Status, a.UpdatedAt = Cancelled, s.opts.Now()
	if err := s.setStatus(ctx, tx, a); err != nil {
		return a, err
	}
	if channel != "" {
		a.Channel = channel
	}
	if err := s.byCitizen(ctx, tx, "appointment.cancelled", a); err != nil {
		return a, err
	}
	if s.opts.Notify != nil {
		return a, s.opts.Notify(ctx, tx, Change{Kind: "appointment.cancelled", Appointment: a})
	}
	return a, nil
}

// Reschedule moves a booked appointment to another slot of the same
// service at the same point, atomically: the new place is taken and the
// old one released in one transaction; if the new slot is full, the
// appointment stays where it was.
func (s *Service) Reschedule(ctx context.Context, ref, token string, start time.Time, channel string) (Appointment, error) {
	return s.rescheduleFound(ctx, s.withToken(ref, token), start, channel, token)
}

func (s *Service) rescheduleFound(ctx context.Context, find finder, start time.Time, channel, token string) (Appointment, error) {
	var out Appointment
	err := s.batch.Do(ctx, func(tx *database.Tx) error {
		a, err := find(ctx, tx)
		if err != nil {
			return err
		}
		if channel != "" {
			a.Channel = channel
		}
		out, err = s.move(ctx, tx, a, start, "citizen:"+a.Channel, a.Channel, token)
		return err
	})
	return out, err
}

func (s *Service) setStatus(ctx context.Context, tx *database.Tx, a Appointment) error {
	_, err := tx.Exec(ctx, `UPDATE appointments SET status = ?, updated_at = ? WHERE id = ?`,
		string(a.Status), a.UpdatedAt.UnixMilli(), a.ID)
	return err
}

func (s *Service) orgOf(pointID string) string {
	p, _, err := s.cat.Point(pointID)
	if err != nil {
		return ""
	}
	return p.OrganizationID
}

// move takes the new place, releases the old one (offering it to the
// waiting list), updates the appointment, records the change and tells the
// citizen, in the caller's transaction. If the new slot is full nothing
// changes.
func (s *Service) move(ctx context.Context, tx *database.Tx, a Appointment, start time.Time, actor, channel, token string) (Appointment, error) {
	if a.Status != Booked {
		return a, errs.E(errs.Conflict, "booking.not_active")
	}
	if a.Start.Equal(start) {
		return a, errs.E(errs.Invalid, "booking.same_slot").OnField("start")
	}
	o, err := s.offer(a.PointID, a.ServiceID)
	if err != nil {
		return a, err
	}
	if err := s.checkStart(o, start); err != nil {
		return a, err
	}
	if err := takePlace(ctx, tx, o, start); err != nil {
		return a, err
	}
	if err := s.release(ctx, tx, a.PointID, a.ServiceID, a.Start); err != nil {
		return a, err
	}
	prev := a
	a.Start, a.End, a.UpdatedAt = start, start.Add(o.duration), s.opts.Now()
	if _, err := tx.Exec(ctx, `UPDATE appointments SET start_at = ?, end_at = ?, updated_at = ? WHERE id = ?`,
		a.Start.Unix(), a.End.Unix(), a.UpdatedAt.UnixMilli(), a.ID); err != nil {
		return a, err
	}
	if err := s.record(ctx, tx, actor, channel, "appointment.rescheduled", a); err != nil {
		return a, err
	}
	if s.opts.Notify != nil {
		return a, s.opts.Notify(ctx, tx, Change{Kind: "appointment.changed", Appointment: a, Previous: &prev, ManageToken: token})
	}
	return a, nil
}
