package booking

import (
	"context"
	"strconv"
	"time"

	"github.com/guichet-qc/guichet/internal/booking/reference"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Waitlist statuses.
const (
	WaitWaiting = "waiting"
	WaitOffered = "offered"
	WaitBooked  = "booked"
	WaitExpired = "expired"
	WaitLeft    = "left"
)

// WaitEntry is a person waiting for a place to free up.
type WaitEntry struct {
	ID           int64
	PointID      string
	ServiceID    string
	FirstDay     string // YYYY-MM-DD in the point's zone
	LastDay      string
	Citizen      Citizen
	Lang         string
	Channel      string
	Status       string
	OfferStart   time.Time // the place held for them, when offered
	OfferExpires time.Time
	CreatedAt    time.Time
	nonce        string
}

// Reference names an entry for its token and its messages ("WL-42").
func (w WaitEntry) Reference() string { return "WL-" + strconv.FormatInt(w.ID, 10) }

// WaitRequest asks to join the waiting list.
type WaitRequest struct {
	PointID, ServiceID string
	FirstDay, LastDay  time.Time // local days, inclusive
	Citizen            Citizen
	Lang, Channel      string
}

// MaxWaitDays is the longest span of days one waiting-list entry covers.
const MaxWaitDays = 31

// JoinWaitlist puts a citizen in line for a freed place on the given days.
// It returns the entry and the token that lets them accept an offer or
// leave the line.
func (s *Service) JoinWaitlist(ctx context.Context, r WaitRequest) (WaitEntry, string, error) {
	o, err := s.offer(r.PointID, r.ServiceID)
	if err != nil {
		return WaitEntry{}, "", err
	}
	citizen, _, err := validate(r.Citizen)
	if err != nil {
		return WaitEntry{}, "", err
	}
	loc := o.sched.Location()
	first, last := o.sched.Day(r.FirstDay).Date, o.sched.Day(r.LastDay).Date
	today := o.sched.Day(s.opts.Now()).Date
	switch {
	case last.Before(first):
		return WaitEntry{}, "", errs.E(errs.Invalid, "booking.bad_range").OnField("last_day")
	case first.Before(today):
		return WaitEntry{}, "", errs.E(errs.Invalid, "booking.in_past").OnField("first_day")
	case last.Sub(first) > MaxWaitDays*24*time.Hour:
		return WaitEntry{}, "", errs.E(errs.Invalid, "booking.range_too_long", MaxWaitDays).OnField("last_day")
	}
	if r.Lang != "en" {
		r.Lang = "fr"
	}
	w := WaitEntry{PointID: o.point.ID, ServiceID: o.service.ID, FirstDay: first.In(loc).Format(time.DateOnly),
		LastDay: last.In(loc).Format(time.DateOnly), Citizen: citizen, Lang: r.Lang, Channel: r.Channel,
		Status: WaitWaiting, CreatedAt: s.opts.Now(), nonce: newNonce()}
	err = s.batch.Do(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO booking_waitlist (nonce, point_id, service_id, first_day, last_day,
			citizen_name, citizen_email, citizen_phone, lang, channel, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			w.nonce, w.PointID, w.ServiceID, w.FirstDay, w.LastDay, w.Citizen.Name, w.Citizen.Email, w.Citizen.Phone,
			w.Lang, w.Channel, w.Status, w.CreatedAt.UnixMilli()).Scan(&w.ID)
	})
	if err != nil {
		return WaitEntry{}, "", err
	}
	return w, s.tokens.Token(w.Reference(), w.nonce), nil
}

const waitColumns = `id, nonce, point_id, service_id, first_day, last_day, citizen_name, citizen_email,
	citizen_phone, lang, channel, status, offer_start, offer_expires_at, created_at`

func scanWait(row scanner) (WaitEntry, error) {
	var w WaitEntry
	var start, expires, created int64
	err := row.Scan(&w.ID, &w.nonce, &w.PointID, &w.ServiceID, &w.FirstDay, &w.LastDay, &w.Citizen.Name,
		&w.Citizen.Email, &w.Citizen.Phone, &w.Lang, &w.Channel, &w.Status, &start, &expires, &created)
	if start != 0 {
		w.OfferStart = time.Unix(start, 0).UTC()
	}
	if expires != 0 {
		w.OfferExpires = time.UnixMilli(expires).UTC()
	}
	w.CreatedAt = time.UnixMilli(created).UTC()
	return w, err
}

// offerFreedPlace gives a place that was just released to the first person
// in line for that day, holding it for them (the hold keeps the place
// counted as taken). It runs in the transaction that freed the place.
func (s *Service) offerFreedPlace(ctx context.Context, tx *database.Tx, o offer, start time.Time) error {
	earliest, _ := s.window()
	if start.Before(earliest) {
		return nil
	}
	day := start.In(o.sched.Location()).Format(time.DateOnly)
	q := `SELECT ` + waitColumns + ` FROM booking_waitlist WHERE point_id = ? AND service_id = ? AND status = 'waiting'
		AND first_day <= ? AND last_day >= ? ORDER BY id LIMIT 1`
	if tx.Dialect() == database.Postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	w, err := scanWait(tx.QueryRow(ctx, q, o.point.ID, o.service.ID, day, day))
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := takePlace(ctx, tx, o, start); err != nil {
		return err
	}
	w.Status, w.OfferStart, w.OfferExpires = WaitOffered, start, s.opts.Now().Add(s.opts.HoldFor)
	if _, err := tx.Exec(ctx, `UPDATE booking_waitlist SET status = ?, offer_start = ?, offer_expires_at = ? WHERE id = ?`,
		w.Status, start.Unix(), w.OfferExpires.UnixMilli(), w.ID); err != nil {
		return err
	}
	if s.opts.Notify != nil {
		return s.opts.Notify(ctx, tx, Change{Kind: "waitlist.offered", Wait: &w, ManageToken: s.tokens.Token(w.Reference(), w.nonce)})
	}
	return nil
}

// release gives a place back and offers it to the waiting list.
func (s *Service) release(ctx context.Context, tx *database.Tx, pointID, serviceID string, start time.Time) error {
	if err := releasePlace(ctx, tx, pointID, serviceID, start); err != nil {
		return err
	}
	o, err := s.offer(pointID, serviceID)
	if err != nil {
		return nil // the offer left the catalogue: nobody to give the place to
	}
	return s.offerFreedPlace(ctx, tx, o, start)
}

// waitAuthorized loads an entry and checks its token.
func (s *Service) waitAuthorized(ctx context.Context, tx *database.Tx, id int64, token string, forUpdate bool) (WaitEntry, error) {
	q := `SELECT ` + waitColumns + ` FROM booking_waitlist WHERE id = ?`
	if forUpdate && tx.Dialect() == database.Postgres {
		q += ` FOR UPDATE`
	}
	w, err := scanWait(tx.QueryRow(ctx, q, id))
	if errs.Is(err, errs.NotFound) || (err == nil && !s.tokens.Valid(w.Reference(), w.nonce, token)) {
		return WaitEntry{}, errs.E(errs.NotFound, "booking.wait_not_found")
	}
	return w, err
}

// WaitlistEntry returns an entry to the holder of its token.
func (s *Service) WaitlistEntry(ctx context.Context, id int64, token string) (WaitEntry, error) {
	var w WaitEntry
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		w, err = s.waitAuthorized(ctx, tx, id, token, false)
		return err
	})
	return w, err
}

// AcceptOffer turns the place held for a waiting citizen into their
// appointment (the place is already counted as taken).
func (s *Service) AcceptOffer(ctx context.Context, id int64, token string) (Confirmation, error) {
	var conf Confirmation
	err := s.batch.Do(ctx, func(tx *database.Tx) error {
		w, err := s.waitAuthorized(ctx, tx, id, token, true)
		if err != nil {
			return err
		}
		if w.Status != WaitOffered || !s.opts.Now().Before(w.OfferExpires) {
			return errs.E(errs.Conflict, "booking.offer_gone")
		}
		o, err := s.offer(w.PointID, w.ServiceID)
		if err != nil {
			return err
		}
		_, key, err := validate(w.Citizen)
		if err != nil {
			return err
		}
		if err := s.noActiveBooking(ctx, tx, w.ServiceID, key); err != nil {
			return err
		}
		now := s.opts.Now()
		a := Appointment{Reference: reference.New(), nonce: newNonce(), PointID: w.PointID, ServiceID: w.ServiceID,
			Start: w.OfferStart, End: w.OfferStart.Add(o.duration), Status: Booked, Citizen: w.Citizen, Lang: w.Lang,
			Channel: w.Channel, CreatedAt: now, UpdatedAt: now}
		if err := insertAppointment(ctx, tx, &a, key); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE booking_waitlist SET status = 'booked' WHERE id = ?`, w.ID); err != nil {
			return err
		}
		if err := s.byCitizen(ctx, tx, "appointment.booked", a); err != nil {
			return err
		}
		conf = Confirmation{Appointment: a, ManageToken: s.tokens.Token(a.Reference, a.nonce)}
		if s.opts.Notify != nil {
			return s.opts.Notify(ctx, tx, Change{Kind: "appointment.confirmed", Appointment: a, ManageToken: conf.ManageToken})
		}
		return nil
	})
	return conf, err
}

// LeaveWaitlist takes a citizen out of the line; a place held for them goes
// to the next person.
func (s *Service) LeaveWaitlist(ctx context.Context, id int64, token string) error {
	return s.batch.Do(ctx, func(tx *database.Tx) error {
		w, err := s.waitAuthorized(ctx, tx, id, token, true)
		if err != nil {
			return err
		}
		if w.Status != WaitWaiting && w.Status != WaitOffered {
			return errs.E(errs.Conflict, "booking.wait_over")
		}
		if _, err := tx.Exec(ctx, `UPDATE booking_waitlist SET status = 'left' WHERE id = ?`, w.ID); err != nil {
			return err
		}
		if w.Status == WaitOffered {
			return s.release(ctx, tx, w.PointID, w.ServiceID, w.OfferStart)
		}
		return nil
	})
}

// SweepOffers expires the offers not accepted in time and passes each held
// place to the next person in line. It returns how many offers expired.
func (s *Service) SweepOffers(ctx context.Context) (int, error) {
	n := 0
	err := s.batch.Do(ctx, func(tx *database.Tx) error {
		n = 0
		rows, err := tx.Query(ctx, `SELECT `+waitColumns+` FROM booking_waitlist
			WHERE status = 'offered' AND offer_expires_at <= ? ORDER BY id LIMIT 500`, s.opts.Now().UnixMilli())
		if err != nil {
			return err
		}
		var expired []WaitEntry
		for rows.Next() {
			w, err := scanWait(rows)
			if err != nil {
				rows.Close()
				return err
			}
			expired = append(expired, w)
		}
		rows.Close()
		for _, w := range expired {
			if _, err := tx.Exec(ctx, `UPDATE booking_waitlist SET status = 'expired' WHERE id = ? AND status = 'offered'`, w.ID); err != nil {
				return err
			}
			if err := s.release(ctx, tx, w.PointID, w.ServiceID, w.OfferStart); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
