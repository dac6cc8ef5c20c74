package booking

import (
	"context"
	"github.com/guichet-qc/guichet/internal/booking/reference"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// A signed-in citizen manages their appointments without the manage token:
// the channel (a signed-in session, later the identity capability) vouches
// for their e-mail address, and an appointment is theirs when it was booked
// with that address.

func (s *Service) ownedBy(ctx context.Context, tx *database.Tx, ref, email string, forUpdate bool) (Appointment, error) {
	canon, ok := reference.Parse(ref)
	if !ok {
		return Appointment{}, errs.E(errs.Invalid, "booking.bad_reference").OnField("reference")
	}
	q := `SELECT ` + appointmentColumns + ` FROM appointments WHERE reference = ?`
	if forUpdate && tx.Dialect() == database.Postgres {
		q += ` FOR UPDATE`
	}
	a, err := scanAppointment(tx.QueryRow(ctx, q, canon))
	if errs.Is(err, errs.NotFound) || (err == nil && (email == "" || !strings.EqualFold(a.Citizen.Email, email))) {
		return Appointment{}, errs.E(errs.NotFound, "booking.not_found")
	}
	return a, err
}

// GetAsCitizen returns an appointment of the signed-in citizen.
func (s *Service) GetAsCitizen(ctx context.Context, ref, email string) (Appointment, error) {
	var a Appointment
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		a, err = s.ownedBy(ctx, tx, ref, email, false)
		return err
	})
	return a, err
}

// Upcoming lists the citizen's booked appointments from now on.
func (s *Service) Upcoming(ctx context.Context, email string) ([]Appointment, error) {
	var out []Appointment
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+appointmentColumns+` FROM appointments
			WHERE LOWER(citizen_email) = ? AND status = 'booked' AND start_at >= ? ORDER BY start_at`,
			strings.ToLower(email), s.opts.Now().Unix())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAppointment(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

func (s *Service) asOwner(ref, email string) finder {
	return func(ctx context.Context, tx *database.Tx) (Appointment, error) {
		return s.ownedBy(ctx, tx, ref, email, true)
	}
}

// CancelAsCitizen cancels an appointment of the signed-in citizen.
func (s *Service) CancelAsCitizen(ctx context.Context, ref, email, channel string) (Appointment, error) {
	return s.cancelFound(ctx, s.asOwner(ref, email), channel)
}

// RescheduleAsCitizen moves an appointment of the signed-in citizen.
func (s *Service) RescheduleAsCitizen(ctx context.Context, ref, email string, start time.Time, channel string) (Appointment, error) {
	return s.rescheduleFound(ctx, s.asOwner(ref, email), start, channel, "")
}
