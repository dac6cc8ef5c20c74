// Package queue is the walk-in queue of a service point, one queue for
// appointments and walk-ins: citizens take a numbered ticket (on the web, at
// the kiosk or at the counter), see their position and estimated wait, and
// agents call the next item — a ticket or a checked-in appointment — by one
// rule (see CallNext). A background worker marks the no-shows.
//
// Every change writes an audit entry and a queue_events row (what the
// analytics read) in the same transaction as the change.
package queue

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Status of a ticket.
type Status string

// Ticket statuses.
const (
	Waiting   Status = "waiting"
	Called    Status = "called"
	Served    Status = "served"
	NoShow    Status = "no_show"
	Cancelled Status = "cancelled"
)

// Channels through which a ticket is taken.
const (
	ChannelWeb     = "web"
	ChannelKiosk   = "kiosk"
	ChannelCounter = "counter"
)

// Ticket is a place in the walk-in queue of a point.
type Ticket struct {
	ID        int64
	PointID   string
	ServiceID string
	Day       string // YYYY-MM-DD in the point's zone
	Number    int    // per point per day, from 1
	Label     string // « B-042 »: the service's letter and the number
	Channel   string
	Lang      string
	Status    Status
	TakenAt   time.Time
	CalledAt  time.Time // zero until called
	EndedAt   time.Time // zero until served, no-show or cancelled
	Counter   string    // the counter that called it
	Agent     string
	// Wait is the position and estimate, filled by Ticket and Take while
	// the ticket waits.
	Wait Estimate
}

// Options tune the queue.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// NoShowGrace: a called ticket not served within it becomes no_show
	// (default 5 min).
	NoShowGrace time.Duration
	// AppointmentGrace: a booked appointment not checked in this long after
	// its start becomes no_show (default 10 min).
	AppointmentGrace time.Duration
	// Interval between two sweeps of the worker (default 1 min).
	Interval time.Duration
}

// Queue is the queue service.
type Queue struct {
	db   *database.DB
	cat  *catalog.Catalog
	book *booking.Service
	opts Options

	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

// New returns the queue service; Start runs its no-show worker.
func New(db *database.DB, cat *catalog.Catalog, book *booking.Service, o Options) *Queue {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.NoShowGrace == 0 {
		o.NoShowGrace = 5 * time.Minute
	}
	if o.AppointmentGrace == 0 {
		o.AppointmentGrace = 10 * time.Minute
	}
	if o.Interval == 0 {
		o.Interval = time.Minute
	}
	return &Queue{db: db, cat: cat, book: book, opts: o}
}

// TakeRequest asks for a ticket.
type TakeRequest struct {
	PointID   string
	ServiceID string
	Channel   string // web, kiosk or counter
	Lang      string
}

// ClosedError is the cause of the error Take returns when the point is
// closed: the web layer shows the next opening in the reader's language.
type ClosedError struct{ NextOpen time.Time }

func (e *ClosedError) Error() string { return "closed until " + e.NextOpen.Format(time.RFC3339) }

// point returns a point offering the service, with its schedule and the
// service's letter (A, B, C… in the point's offer order).
func (q *Queue) point(pointID, serviceID string) (catalog.ServicePoint, catalog.Schedule, string, error) {
	p, sched, err := q.cat.Point(pointID)
	if err != nil {
		return p, sched, "", errs.E(errs.NotFound, "queue.point_not_found")
	}
	for i, o := range p.Offers {
		if o.ServiceID == serviceID {
			return p, sched, Letter(i), nil
		}
	}
	return p, sched, "", errs.E(errs.Invalid, "queue.not_offered").OnField("service")
}

// Letter is the letter of the i-th service a point offers: A, B, … Z, then
// AA, AB… for a point offering more than 26 services.
func Letter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return Letter(i/26-1) + Letter(i%26)
}

// FormatLabel writes a ticket number: « B-042 ».
func FormatLabel(letter string, n int) string { return fmt.Sprintf("%s-%03d", letter, n) }

// Take gives a ticket for a service at a point, while the point is open.
// The number comes from the point's counter row for the local day,
// incremented by an UPDATE in the same transaction as the ticket's insert:
// concurrent takes serialize on that row and never share a number (the
// unique index on point, day and number is the last line of defence).
// The code returned is what proves the ticket is yours (128 random bits;
// only its hash is stored).
func (q *Queue) Take(ctx context.Context, r TakeRequest) (Ticket, string, error) {
	return q.take(ctx, r, true)
}

func (q *Queue) take(ctx context.Context, r TakeRequest, checkOpen bool) (Ticket, string, error) {
	p, sched, letter, err := q.point(r.PointID, r.ServiceID)
	if err != nil {
		return Ticket{}, "", err
	}
	now := q.opts.Now()
	if st := sched.Status(now); checkOpen && !st.Open {
		return Ticket{}, "", errs.Wrap(&ClosedError{NextOpen: st.NextOpen}, errs.Conflict, "queue.closed")
	}
	switch r.Channel {
	case ChannelWeb, ChannelKiosk, ChannelCounter:
	default:
		return Ticket{}, "", errs.E(errs.Invalid, "queue.bad_channel").OnField("channel")
	}
	if r.Lang != "en" {
		r.Lang = "fr"
	}
	code := newCode()
	t := Ticket{PointID: p.ID, ServiceID: r.ServiceID, Day: now.In(sched.Location()).Format(time.DateOnly),
		Channel: r.Channel, Lang: r.Lang, Status: Waiting, TakenAt: now}
	err = q.db.Write(ctx, func(tx *database.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO queue_counters (point_id, day, last_number) VALUES (?, ?, 0)
			ON CONFLICT (point_id, day) DO NOTHING`, t.PointID, t.Day); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE queue_counters SET last_number = last_number + 1
			WHERE point_id = ? AND day = ? RETURNING last_number`, t.PointID, t.Day).Scan(&t.Number); err != nil {
			return err
		}
		t.Label = FormatLabel(letter, t.Number)
		if err := tx.QueryRow(ctx, `INSERT INTO queue_tickets (point_id, service_id, day, number, label, code_hash,
			channel, lang, status, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.PointID, t.ServiceID, t.Day, t.Number, t.Label, hashCode(code), t.Channel, t.Lang, string(t.Status),
			now.UnixMilli()).Scan(&t.ID); err != nil {
			return err
		}
		if err := q.record(ctx, tx, "citizen:"+t.Channel, "queue.ticket_taken", t, 0, 0); err != nil {
			return err
		}
		var err error
		t.Wait, err = q.estimate(ctx, tx, p, sched, t)
		return err
	})
	if err != nil {
		return Ticket{}, "", err
	}
	return t, code, nil
}

// Ticket returns a ticket to the holder of its code, with its position and
// estimated wait while it waits. A wrong code and an unknown id give the
// same answer (not found).
func (q *Queue) Ticket(ctx context.Context, id int64, code string) (Ticket, error) {
	var t Ticket
	err := q.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		if t, err = authorized(ctx, tx, id, code, false); err != nil {
			return err
		}
		p, sched, err := q.cat.Point(t.PointID)
		if err != nil {
			return err
		}
		t.Wait, err = q.estimate(ctx, tx, p, sched, t)
		return err
	})
	return t, err
}

// Leave takes a waiting (or called) ticket out of the queue.
func (q *Queue) Leave(ctx context.Context, id int64, code string) (Ticket, error) {
	var t Ticket
	err := q.db.Write(ctx, func(tx *database.Tx) error {
		var err error
		if t, err = authorized(ctx, tx, id, code, true); err != nil {
			return err
		}
		if t.Status != Waiting && t.Status != Called {
			return errs.E(errs.Conflict, "queue.not_waiting")
		}
		return q.end(ctx, tx, &t, Cancelled, "citizen:"+t.Channel, "queue.ticket_left")
	})
	return t, err
}

// end moves a ticket to a final status, if it is still in the status read,
// with its audit entry and event.
func (q *Queue) end(ctx context.Context, tx *database.Tx, t *Ticket, to Status, actor, action string) error {
	now := q.opts.Now()
	res, err := tx.Exec(ctx, `UPDATE queue_tickets SET status = ?, ended_at = ? WHERE id = ? AND status = ?`,
		string(to), now.UnixMilli(), t.ID, string(t.Status))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "queue.not_waiting")
	}
	t.Status, t.EndedAt = to, now
	var wait, service time.Duration
	if !t.CalledAt.IsZero() {
		wait = t.CalledAt.Sub(t.TakenAt)
		if to == Served {
			service = now.Sub(t.CalledAt)
		}
	} else {
		wait = now.Sub(t.TakenAt)
	}
	return q.record(ctx, tx, actor, action, *t, wait, service)
}

// record writes the audit entry and the analytics event of a ticket's change.
func (q *Queue) record(ctx context.Context, tx *database.Tx, actor, action string, t Ticket, wait, service time.Duration) error {
	if _, err := audit.AppendTx(ctx, tx, audit.Entry{
		Time: q.opts.Now(), Actor: actor, Organization: q.orgOf(t.PointID), Action: action,
		Object: fmt.Sprintf("%s/%s/%s", t.PointID, t.Day, t.Label),
		DetailsHash: audit.DetailsHash(map[string]any{"id": t.ID, "point": t.PointID, "service": t.ServiceID,
			"status": t.Status, "counter": t.Counter}),
	}); err != nil {
		return err
	}
	return q.event(ctx, tx, action, t.PointID, t.ServiceID, t.Channel, "ticket", t.ID, wait, service)
}

// event writes one queue_events row.
func (q *Queue) event(ctx context.Context, tx *database.Tx, typ, point, service, channel, kind string, id int64, wait, served time.Duration) error {
	_, err := tx.Exec(ctx, `INSERT INTO queue_events (at, type, point_id, service_id, channel, item_kind, item_id,
		wait_seconds, service_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.opts.Now().UnixMilli(), typ, point, service, channel, kind, id, int64(wait.Seconds()), int64(served.Seconds()))
	return err
}

func (q *Queue) orgOf(pointID string) string {
	p, _, err := q.cat.Point(pointID)
	if err != nil {
		return ""
	}
	return p.OrganizationID
}

const ticketColumns = `id, point_id, service_id, day, number, label, code_hash, channel, lang, status,
	taken_at, called_at, ended_at, counter, agent`

type scanner interface{ Scan(...any) error }

func scanTicket(row scanner) (Ticket, string, error) {
	var t Ticket
	var hash, status string
	var taken int64
	var called, ended sql.NullInt64
	err := row.Scan(&t.ID, &t.PointID, &t.ServiceID, &t.Day, &t.Number, &t.Label, &hash, &t.Channel, &t.Lang,
		&status, &taken, &called, &ended, &t.Counter, &t.Agent)
	t.Status = Status(status)
	t.TakenAt = time.UnixMilli(taken).UTC()
	if called.Valid {
		t.CalledAt = time.UnixMilli(called.Int64).UTC()
	}
	if ended.Valid {
		t.EndedAt = time.UnixMilli(ended.Int64).UTC()
	}
	return t, hash, err
}

func ticketByID(ctx context.Context, tx *database.Tx, id int64, forUpdate bool) (Ticket, string, error) {
	q := `SELECT ` + ticketColumns + ` FROM queue_tickets WHERE id = ?`
	if forUpdate && tx.Dialect() == database.Postgres {
		q += ` FOR UPDATE`
	}
	t, hash, err := scanTicket(tx.QueryRow(ctx, q, id))
	if errs.Is(err, errs.NotFound) {
		return Ticket{}, "", errs.E(errs.NotFound, "queue.ticket_not_found")
	}
	return t, hash, err
}

func authorized(ctx context.Context, tx *database.Tx, id int64, code string, forUpdate bool) (Ticket, error) {
	t, hash, err := ticketByID(ctx, tx, id, forUpdate)
	if err != nil {
		return Ticket{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(hashCode(code))) != 1 {
		return Ticket{}, errs.E(errs.NotFound, "queue.ticket_not_found")
	}
	return t, nil
}

// newCode returns 128 random bits, base64url: the ticket's proof of holding.
func newCode() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashCode(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}

// demoSetting names the platform setting holding the demonstration ticket.
const demoSetting = "queue_demo_ticket"

// EnsureDemoTicket takes, once, a demonstration ticket at a point (even
// when it is closed) and keeps its id and code in platform_settings, so
// that the ticket page has an example to show and to audit. The code of
// this one ticket is stored in clear: it is public demonstration data.
func (q *Queue) EnsureDemoTicket(ctx context.Context, pointID string) error {
	if _, _, err := q.DemoTicket(ctx); err == nil || !errs.Is(err, errs.NotFound) {
		return err
	}
	p, _, err := q.cat.Point(pointID)
	if err != nil || len(p.Offers) == 0 {
		return err
	}
	t, code, err := q.take(ctx, TakeRequest{PointID: pointID, ServiceID: p.Offers[0].ServiceID, Channel: ChannelWeb, Lang: "fr"}, false)
	if err != nil {
		return err
	}
	return q.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
			demoSetting, fmt.Sprintf("%d:%s", t.ID, code))
		return err
	})
}

// DemoTicket returns the demonstration ticket's id and code (NotFound when
// there is none).
func (q *Queue) DemoTicket(ctx context.Context) (int64, string, error) {
	var v string
	if err := q.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = ?`, demoSetting).Scan(&v)
	}); err != nil {
		return 0, "", err
	}
	var id int64
	var code string
	if _, err := fmt.Sscanf(v, "%d:%s", &id, &code); err != nil {
		return 0, "", errs.Internalf("queue: demo ticket setting %q: %w", v, err)
	}
	return id, code, nil
}
