package booking

import (
	"context"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
)

// A signed-in citizen manages their appointments without the manage token:
// the channel (a signed-in session, later the identity capability) vouches
// for their e-mail address, and an appointment is theirs when it was booked
// with that address.

func (s *Service) ownedBy(ctx context.Context, tx *database.Tx, ref, email string, forUpdate bool) (Appointment, error) {
	return byReference(ctx, tx, ref, forUpdate, func(a Appointment) bool {
		return email != "" && strings.EqualFold(a.Citizen.Email, email)
	})
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
		var err error
		out, err = queryAppointments(ctx, tx, `SELECT `+appointmentColumns+` FROM appointments
			WHERE LOWER(citizen_email) = ? AND status = 'booked' AND start_at >= ? ORDER BY start_at`,
			strings.ToLower(email), s.opts.Now().Unix())
		return err
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
