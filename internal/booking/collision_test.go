package booking

import (
	"context"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// TestReferenceCollisionDrawsAgain: a new booking whose random reference
// is already taken gets another one instead of a false "already booked".
func TestReferenceCollisionDrawsAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := time.Now()
		a := Appointment{Reference: "RV-AAAAAA", nonce: newNonce(), PointID: "p", ServiceID: "s", Start: now, End: now,
			Status: Booked, Citizen: Citizen{Name: "A", Email: "a@x.ca"}, Lang: "fr", Channel: ChannelWeb, CreatedAt: now, UpdatedAt: now}
		b := a
		b.Citizen.Email = "b@x.ca"
		err := db.Write(ctx, func(tx *database.Tx) error {
			if err := insertAppointment(ctx, tx, &a, "email:a@x.ca"); err != nil {
				return err
			}
			return insertAppointment(ctx, tx, &b, "email:b@x.ca")
		})
		if err != nil {
			t.Fatalf("second booking with a colliding reference: %v", err)
		}
		if b.Reference == a.Reference || b.ID == a.ID {
			t.Fatalf("references %s and %s", a.Reference, b.Reference)
		}
	})
}
