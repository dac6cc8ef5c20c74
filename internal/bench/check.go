package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Check is what the database holds after the runs.
type Check struct {
	// Slots is how many slots of the bench points were checked.
	Slots int `json:"slots"`
	// OverCapacity counts slots (of any point) with more places taken
	// than they have.
	OverCapacity int `json:"over_capacity"`
	// Mismatched counts bench slots whose places taken differ from the
	// number of booked appointments in them.
	Mismatched int `json:"mismatched"`
	// Created is the number of 201 answers of this run; Booked the
	// appointments of this run's citizens found in the database. They
	// must be equal: no answer lost, no booking without an answer.
	Created int `json:"created"`
	Booked  int `json:"booked"`
	// HotProblems names hot runs whose slot does not hold exactly their
	// 201 answers.
	HotProblems []string `json:"hot_problems,omitempty"`
}

// OK tells whether nothing is overbooked or inconsistent.
func (c Check) OK() bool {
	return c.OverCapacity == 0 && c.Mismatched == 0 && c.Created == c.Booked && len(c.HotProblems) == 0
}

func (c Check) String() string {
	if c.OK() {
		return fmt.Sprintf("overbooking: none (%d slots checked; taken = booked appointments in every slot; %d answers 201 = %d bookings in the database)",
			c.Slots, c.Created, c.Booked)
	}
	var p []string
	if c.OverCapacity > 0 {
		p = append(p, fmt.Sprintf("%d slots over capacity", c.OverCapacity))
	}
	if c.Mismatched > 0 {
		p = append(p, fmt.Sprintf("%d slots whose places taken differ from their booked appointments", c.Mismatched))
	}
	if c.Created != c.Booked {
		p = append(p, fmt.Sprintf("%d answers 201 but %d bookings in the database", c.Created, c.Booked))
	}
	p = append(p, c.HotProblems...)
	return "OVERBOOKING OR INCONSISTENCY: " + strings.Join(p, "; ")
}

func check(ctx context.Context, db *database.DB, fx fixture, run string, runs []Result) (Check, error) {
	var c Check
	for _, r := range runs {
		c.Created += r.Created
	}
	err := db.Read(ctx, func(tx *database.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM booking_slots WHERE taken > capacity`).Scan(&c.OverCapacity); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM booking_slots WHERE point_id IN (?, ?) AND service_id = ?`,
			fx.spreadPoint, fx.hotPoint, fx.service).Scan(&c.Slots); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM booking_slots s
			WHERE s.point_id IN (?, ?) AND s.service_id = ? AND s.taken <> (SELECT COUNT(*) FROM appointments a
				WHERE a.point_id = s.point_id AND a.service_id = s.service_id AND a.start_at = s.start_at AND a.status = 'booked')`,
			fx.spreadPoint, fx.hotPoint, fx.service).Scan(&c.Mismatched); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM appointments WHERE citizen_key LIKE ? AND status = 'booked'`,
			"email:b"+run+"-%").Scan(&c.Booked); err != nil {
			return err
		}
		for _, r := range runs {
			if r.Scenario != Hot {
				continue
			}
			start, err := time.Parse(time.RFC3339, r.Slot)
			if err != nil {
				return err
			}
			var taken int
			if err := tx.QueryRow(ctx, `SELECT taken FROM booking_slots WHERE point_id = ? AND service_id = ? AND start_at = ?`,
				fx.hotPoint, fx.service, start.Unix()).Scan(&taken); err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
			if taken != r.Created || taken > HotCapacity {
				c.HotProblems = append(c.HotProblems, fmt.Sprintf("hot slot of the %d-client run: %d places taken, %d answers 201, capacity %d",
					r.Clients, taken, r.Created, HotCapacity))
			}
		}
		return nil
	})
	return c, err
}
