// Package notify is Guichet's durable outbox of e-mail messages.
//
// A domain package enqueues a message with Enqueue inside the same database
// transaction as the change it reports (an appointment confirmed, moved,
// cancelled, a reminder), so the message is stored if and only if the change
// commits, and is not lost if the process dies. An Outbox worker then claims
// the due messages, hands them to a Sender (SMTP in production, Mailbox in
// development) and records the result, retrying failures with backoff.
//
// Delivery is at least once: a worker claims a message with a lease; if the
// process dies while sending, the lease expires and another worker (or the
// same one after a restart) sends it again. Several instances sharing one
// PostgreSQL database never send a message at the same time (claims use
// FOR UPDATE SKIP LOCKED); the Message-ID header is stable across attempts
// so that mail systems can recognize a duplicate.
//
// Messages hold personal data (address, subject, body): the package never
// logs them, only ids, kinds, counts and errors with addresses redacted.
package notify

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// The statuses of a message.
const (
	StatusPending   = "pending"   // waiting until NotBefore, or for a retry
	StatusSending   = "sending"   // claimed by a worker until its lease expires
	StatusSent      = "sent"      // handed to the mail server (or the development mailbox)
	StatusFailed    = "failed"    // given up after the last attempt or a permanent error
	StatusCancelled = "cancelled" // withdrawn by CancelPending before it was sent
)

// Limits on what a message may hold.
const (
	maxText     = 64 << 10
	maxCalendar = 64 << 10
	maxSubject  = 400
	maxShort    = 200 // kind, ref
)

// Message is one e-mail in the outbox.
type Message struct {
	ID             int64
	Kind           string // "appointment.confirmed", "appointment.changed", "appointment.cancelled", "appointment.reminder", …
	To             string // one bare e-mail address
	Lang           string // "fr" or "en"
	Subject        string
	Text           string    // the plain-text body, the only body
	Calendar       []byte    // optional iCalendar attachment (see Calendar)
	CalendarMethod string    // "REQUEST", "CANCEL" or "PUBLISH" when Calendar is set
	Ref            string    // optional business reference (e.g. RV-XXXXXX), never personal data
	NotBefore      time.Time // send at or after; zero means now
	Status         string
	Attempts       int    // how many times a worker claimed it
	LastError      string // the last sending error, never the body
	CreatedAt      time.Time
	SentAt         time.Time // zero until sent
}

// Enqueue stores m in the caller's transaction and returns its id; it is
// sent after the transaction commits (call Outbox.Nudge then to send it
// without waiting for the next poll). ID, Status, Attempts, LastError,
// CreatedAt and SentAt are ignored. An invalid message is an errs.Invalid
// naming the field.
func Enqueue(ctx context.Context, tx *database.Tx, m Message) (int64, error) {
	return enqueue(ctx, tx, m, time.Now())
}

// Enqueue is Enqueue with the Outbox's clock for CreatedAt.
func (o *Outbox) Enqueue(ctx context.Context, tx *database.Tx, m Message) (int64, error) {
	return enqueue(ctx, tx, m, o.opts.Now())
}

func enqueue(ctx context.Context, tx *database.Tx, m Message, now time.Time) (int64, error) {
	if err := validate(&m); err != nil {
		return 0, err
	}
	return insert(ctx, tx, m, now)
}

// validate checks m and normalizes its address and calendar method.
func validate(m *Message) error {
	invalid := func(field string) error {
		return errs.E(errs.Invalid, "error.invalid").OnField(field)
	}
	if m.Kind == "" || len(m.Kind) > maxShort || !printable(m.Kind) {
		return invalid("kind")
	}
	addr, err := mail.ParseAddress(m.To)
	if err != nil || addr.Name != "" || !printable(addr.Address) {
		return invalid("to")
	}
	m.To = addr.Address
	if m.Lang != "fr" && m.Lang != "en" {
		return invalid("lang")
	}
	if strings.TrimSpace(m.Subject) == "" || len(m.Subject) > maxSubject || !printable(m.Subject) {
		return invalid("subject")
	}
	if strings.TrimSpace(m.Text) == "" || len(m.Text) > maxText || !utf8.ValidString(m.Text) {
		return invalid("text")
	}
	if len(m.Ref) > maxShort || !printable(m.Ref) {
		return invalid("ref")
	}
	m.CalendarMethod = strings.ToUpper(m.CalendarMethod)
	switch {
	case len(m.Calendar) == 0:
		m.Calendar = nil
		if m.CalendarMethod != "" {
			return invalid("calendar")
		}
	case len(m.Calendar) > maxCalendar || !utf8.Valid(m.Calendar):
		return invalid("calendar")
	case m.CalendarMethod != "REQUEST" && m.CalendarMethod != "CANCEL" && m.CalendarMethod != "PUBLISH":
		return invalid("calendar_method")
	}
	return nil
}

// printable reports whether s is valid UTF-8 without control characters
// (no CR or LF that could inject mail headers).
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// CancelPending withdraws, in the caller's transaction, the pending messages
// of a business reference and kind (every kind when kind is ""), e.g. the
// reminder of an appointment that is cancelled or moved, and returns how
// many it withdrew. A message already claimed by a worker is not withdrawn.
func CancelPending(ctx context.Context, tx *database.Tx, ref, kind string) (int, error) {
	if ref == "" {
		return 0, errs.E(errs.Invalid, "error.invalid").OnField("ref")
	}
	return cancelPending(ctx, tx, ref, kind)
}

// Get returns one message; a missing one is an errs.NotFound.
func Get(ctx context.Context, db *database.DB, id int64) (Message, error) {
	var m Message
	err := db.Read(ctx, func(tx *database.Tx) error {
		var err error
		m, err = get(ctx, tx, id)
		return err
	})
	return m, err
}

// Recent returns the newest messages first, at most limit (1 to 500, default
// 50), for the development mailbox page.
func Recent(ctx context.Context, db *database.DB, limit int) ([]Message, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	var list []Message
	err := db.Read(ctx, func(tx *database.Tx) error {
		var err error
		list, err = recent(ctx, tx, limit)
		return err
	})
	return list, err
}

// ByRef returns the messages of a business reference, oldest first.
func ByRef(ctx context.Context, db *database.DB, ref string) ([]Message, error) {
	var list []Message
	err := db.Read(ctx, func(tx *database.Tx) error {
		var err error
		list, err = byRef(ctx, tx, ref)
		return err
	})
	return list, err
}
