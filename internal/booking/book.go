package booking

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/booking/reference"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// validate checks the citizen's details and normalizes them.
func validate(c Citizen) (Citizen, string, error) {
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	c.Email = strings.TrimSpace(c.Email)
	c.Phone = strings.TrimSpace(c.Phone)
	if c.Name == "" {
		return c, "", errs.E(errs.Invalid, "booking.name_required").OnField("citizen.name")
	}
	if len(c.Name) > 200 {
		return c, "", errs.E(errs.Invalid, "booking.name_too_long").OnField("citizen.name")
	}
	if c.Email == "" && c.Phone == "" {
		return c, "", errs.E(errs.Invalid, "booking.contact_required").OnField("citizen.email")
	}
	key := ""
	if c.Email != "" {
		a, err := mail.ParseAddress(c.Email)
		if err != nil || a.Address != c.Email || !strings.Contains(c.Email[strings.LastIndexByte(c.Email, '@'):], ".") || len(c.Email) > 254 {
			return c, "", errs.E(errs.Invalid, "booking.bad_email").OnField("citizen.email")
		}
		key = "email:" + strings.ToLower(c.Email)
	}
	if c.Phone != "" {
		digits := strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) {
				return r
			}
			return -1
		}, c.Phone)
		if len(digits) == 11 && digits[0] == '1' {
			digits = digits[1:]
		}
		if len(digits) != 10 || strings.ContainsFunc(c.Phone, func(r rune) bool {
			return !unicode.IsDigit(r) && !strings.ContainsRune(" ()-.+", r)
		}) {
			return c, "", errs.E(errs.Invalid, "booking.bad_phone").OnField("citizen.phone")
		}
		if key == "" {
			key = "phone:" + digits
		}
	}
	return c, key, nil
}

// Book takes a place for a citizen. The place is taken by a conditional
// update of the slot's counter (taken < capacity) in the same transaction
// that records the appointment, so two requests for the last place cannot
// both succeed, on SQLite or PostgreSQL; requests share commits through the
// batcher.
func (s *Service) Book(ctx context.Context, r Request) (Confirmation, error) {
	o, err := s.offer(r.PointID, r.ServiceID)
	if err != nil {
		return Confirmation{}, err
	}
	citizen, key, err := validate(r.Citizen)
	if err != nil {
		return Confirmation{}, err
	}
	if err := s.checkStart(o, r.Start); err != nil {
		return Confirmation{}, err
	}
	if r.Lang != "en" {
		r.Lang = "fr"
	}
	if r.Channel == "" {
		r.Channel = ChannelWeb
	}
	// The appointment and its messages are prepared before the request
	// takes its turn in the shared transaction, which then only writes.
	now := s.opts.Now()
	a := Appointment{Reference: reference.New(), nonce: newNonce(), PointID: o.point.ID, ServiceID: o.service.ID,
		Start: r.Start, End: r.Start.Add(o.duration), Status: Booked, Citizen: citizen, Lang: r.Lang,
		Channel: r.Channel, CreatedAt: now, UpdatedAt: now}
	var notices func(context.Context, *database.Tx) error
	if s.opts.Prepare != nil {
		if notices, err = s.opts.Prepare(Change{Kind: "appointment.confirmed", Appointment: a,
			ManageToken: s.tokens.Token(a.Reference, a.nonce)}); err != nil {
			return Confirmation{}, err
		}
	}
	var conf Confirmation
	for attempt := 0; ; attempt++ {
		err = s.batch.DoKey(ctx, slotKey(o.point.ID, o.service.ID, r.Start), func(tx *database.Tx) error {
			return s.book(ctx, tx, o, r, a, key, notices, &conf)
		})
		if !errors.Is(err, errKeyRace) || attempt > 0 {
			break
		}
	}
	if err != nil {
		return Confirmation{}, err
	}
	return conf, nil
}

// errKeyRace: another instance recorded the same Idempotency-Key first; a
// second try finds its answer.
var errKeyRace = errors.New("booking: idempotency key taken concurrently")

// book writes a prepared appointment; notices are its prepared messages
// (nil: they are written here with Notify).
func (s *Service) book(ctx context.Context, tx *database.Tx, o offer, r Request, a Appointment, key string,
	notices func(context.Context, *database.Tx) error, conf *Confirmation) error {
	*conf = Confirmation{}
	if r.IdempotencyKey != "" {
		replay, found, err := s.claimKey(ctx, tx, r)
		if err != nil || found {
			*conf = replay
			return err
		}
	}
	prepared := a.Reference
	// One active booking per person and service is the partial unique
	// index's job: a second booking fails at insertAppointment and its
	// savepoint takes the place back.
	if err := takePlace(ctx, tx, o, r.Start); err != nil {
		return err
	}
	if err := insertAppointment(ctx, tx, &a, key); err != nil {
		return err
	}
	if err := s.byCitizen(ctx, tx, "appointment.booked", a); err != nil {
		return err
	}
	*conf = Confirmation{Appointment: a, ManageToken: s.tokens.Token(a.Reference, a.nonce)}
	if r.IdempotencyKey != "" {
		if err := storeKeyResult(ctx, tx, r, a.ID); errs.Is(err, errs.Conflict) {
			return errKeyRace
		} else if err != nil {
			return err
		}
	}
	if notices != nil && a.Reference == prepared {
		return notices(ctx, tx)
	}
	if s.opts.Notify != nil { // not prepared, or the reference was drawn again
		return s.opts.Notify(ctx, tx, Change{Kind: "appointment.confirmed", Appointment: a, ManageToken: conf.ManageToken})
	}
	return nil
}

// checkStart refuses a start in the past, too soon, too far, or that is
// not one of the offer's slots.
func (s *Service) checkStart(o offer, start time.Time) error {
	earliest, latest := s.window()
	switch {
	case start.Before(s.opts.Now()):
		return errs.E(errs.Invalid, "booking.in_past").OnField("start")
	case start.Before(earliest):
		return errs.E(errs.Invalid, "booking.too_soon", int(s.opts.MinNotice.Minutes())).OnField("start")
	case start.After(latest):
		return errs.E(errs.Invalid, "booking.too_far", s.opts.HorizonDays).OnField("start")
	case !o.isStart(start):
		return errs.E(errs.Invalid, "booking.not_a_slot").OnField("start")
	}
	return nil
}

// takePlace takes one place of a slot if one is left, in one statement: the
// slot's row is created with one place taken, or its counter is
// incremented only while it is below the capacity.
func takePlace(ctx context.Context, tx *database.Tx, o offer, start time.Time) error {
	res, err := tx.Exec(ctx, `INSERT INTO booking_slots (point_id, service_id, start_at, capacity, taken) VALUES (?, ?, ?, ?, 1)
		ON CONFLICT (point_id, service_id, start_at) DO UPDATE SET taken = booking_slots.taken + 1
		WHERE booking_slots.taken < booking_slots.capacity`,
		o.point.ID, o.service.ID, start.Unix(), o.capacity)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "booking.slot_full").OnField("start")
	}
	return nil
}

// releasePlace gives a place back.
func releasePlace(ctx context.Context, tx *database.Tx, pointID, serviceID string, start time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE booking_slots SET taken = taken - 1
		WHERE point_id = ? AND service_id = ? AND start_at = ? AND taken > 0`, pointID, serviceID, start.Unix())
	return err
}

func (s *Service) noActiveBooking(ctx context.Context, tx *database.Tx, serviceID, key string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM appointments WHERE service_id = ? AND citizen_key = ? AND status = 'booked'`,
		serviceID, key).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errs.E(errs.Conflict, "booking.already_booked")
	}
	return nil
}

// insertAppointment records an appointment. References are random (30
// bits, the contract's six characters): on the rare collision with an
// existing reference a new one is drawn. A violation of the one-active-
// booking index means the person already has a booking for the service.
func insertAppointment(ctx context.Context, tx *database.Tx, a *Appointment, key string) error {
	for attempt := 0; ; attempt++ {
		err := tx.QueryRow(ctx, `INSERT INTO appointments (reference, nonce, point_id, service_id, start_at, end_at, status,
			citizen_name, citizen_email, citizen_phone, citizen_key, lang, channel, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reference) DO NOTHING RETURNING id`,
			a.Reference, a.nonce, a.PointID, a.ServiceID, a.Start.Unix(), a.End.Unix(), string(a.Status),
			a.Citizen.Name, a.Citizen.Email, a.Citizen.Phone, key, a.Lang, a.Channel, a.CreatedAt.UnixMilli(), a.UpdatedAt.UnixMilli()).Scan(&a.ID)
		switch {
		case errs.Is(err, errs.NotFound) && attempt < 8: // the reference is taken: draw another
			a.Reference = reference.New()
		case errs.Is(err, errs.Conflict):
			return errs.E(errs.Conflict, "booking.already_booked")
		default:
			return err
		}
	}
}

// record writes the audit entry and the analytics event of a change made
// by actor ("citizen:web", "agent:staff:3", "system:…") through channel.
func (s *Service) record(ctx context.Context, tx *database.Tx, actor, channel, action string, a Appointment) error {
	if _, err := audit.AppendTx(ctx, tx, audit.Entry{
		Time: s.opts.Now(), Actor: actor, Organization: s.orgOf(a.PointID), Action: action,
		Object: a.Reference, DetailsHash: audit.DetailsHash(map[string]any{
			"point": a.PointID, "service": a.ServiceID, "start": a.Start.UTC().Format(time.RFC3339), "status": a.Status}),
	}); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO booking_events (at, type, appointment_id, point_id, service_id, channel, slot_start)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, s.opts.Now().UnixMilli(), action, a.ID, a.PointID, a.ServiceID, channel, a.Start.Unix())
	return err
}

// byCitizen records a change made by the citizen through the appointment's channel.
func (s *Service) byCitizen(ctx context.Context, tx *database.Tx, action string, a Appointment) error {
	return s.record(ctx, tx, "citizen:"+a.Channel, a.Channel, action, a)
}

// claimKey records an Idempotency-Key, or finds the booking it made.
func (s *Service) claimKey(ctx context.Context, tx *database.Tx, r Request) (Confirmation, bool, error) {
	var hash, result string
	err := tx.QueryRow(ctx, `SELECT request_hash, result FROM idempotency_keys WHERE scope = 'appointments' AND key = ?`,
		r.IdempotencyKey).Scan(&hash, &result)
	if errs.Is(err, errs.NotFound) {
		return Confirmation{}, false, nil
	}
	if err != nil {
		return Confirmation{}, false, err
	}
	if hash != r.RequestHash {
		return Confirmation{}, false, errs.E(errs.Invalid, "booking.idempotency_mismatch").OnField("Idempotency-Key")
	}
	var stored struct {
		ID int64 `json:"appointment_id"`
	}
	if err := json.Unmarshal([]byte(result), &stored); err != nil {
		return Confirmation{}, false, errs.Internalf("idempotency record: %w", err)
	}
	a, err := appointmentByID(ctx, tx, stored.ID)
	if err != nil {
		return Confirmation{}, false, err
	}
	return Confirmation{Appointment: a, ManageToken: s.tokens.Token(a.Reference, a.nonce), Replayed: true}, true, nil
}

func storeKeyResult(ctx context.Context, tx *database.Tx, r Request, id int64) error {
	result, _ := json.Marshal(map[string]int64{"appointment_id": id})
	_, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, result, created_at) VALUES ('appointments', ?, ?, ?, ?)`,
		r.IdempotencyKey, r.RequestHash, string(result), time.Now().UnixMilli())
	return err
}

// slotKey names a slot's row, so that group-committed batches lock slots in
// the same order.
func slotKey(pointID, serviceID string, start time.Time) string {
	return pointID + "\x00" + serviceID + "\x00" + strconv.FormatInt(start.Unix(), 10)
}
