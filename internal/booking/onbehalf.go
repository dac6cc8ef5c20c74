package booking

import (
	"context"
	"time"

	"github.com/guichet-qc/guichet/internal/booking/reference"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// MoveOnBehalf moves a booked appointment of a service point to another
// slot of the same service, for an agent working at that point (the web
// layer checks the agent's session and points; here the appointment must
// belong to pointID). It is Reschedule without the manage token: the new
// place is taken and the old one released (and offered to the waiting
// list) in one transaction, and when the new slot is full the appointment
// keeps its time. The audit entry names the agent ("agent:<agentID>"); the
// citizen is told of the change, without a manage link (the agent holds no
// token).
func (s *Service) MoveOnBehalf(ctx context.Context, ref string, start time.Time, agentID, pointID string) (Appointment, error) {
	if _, ok := reference.Parse(ref); !ok {
		return Appointment{}, errs.E(errs.NotFound, "agent.appointment_not_found")
	}
	if agentID == "" {
		return Appointment{}, errs.E(errs.Invalid, "queue.agent_required").OnField("agent")
	}
	var out Appointment
	err := s.batch.Do(ctx, func(tx *database.Tx) error {
		// Another point's appointment is answered like an unknown one, so
		// that references cannot be probed from another point.
		a, err := byReference(ctx, tx, ref, true, func(a Appointment) bool { return a.PointID == pointID })
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "agent.appointment_not_found")
		}
		if err != nil {
			return err
		}
		out, err = s.move(ctx, tx, a, start, "agent:"+agentID, ChannelCounter, "")
		return err
	})
	return out, err
}
