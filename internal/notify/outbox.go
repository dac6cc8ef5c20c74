package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/guichet-qc/guichet/internal/database"
)

// Sender hands one message to the mail system. An error makes the outbox
// retry later, unless it is marked Permanent.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Mailbox is the development Sender: it sends nothing and the message is
// marked sent; the outbox table itself is the development mailbox (see
// Recent).
type Mailbox struct{}

// Send does nothing.
func (Mailbox) Send(context.Context, Message) error { return nil }

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as permanent: the outbox gives the message up at once
// instead of retrying (e.g. the mail server rejected the address).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Options tunes an Outbox; the zero value gives the defaults.
type Options struct {
	PollInterval time.Duration                   // how often to look for due messages; default 1s
	MaxAttempts  int                             // attempts before a message is failed; default 8
	Backoff      func(attempt int) time.Duration // wait after the nth failed attempt (n ≥ 1); default DefaultBackoff
	SendTimeout  time.Duration                   // longest a single send may take; default 30s
	Lease        time.Duration                   // how long a claim lasts; default BatchSize×SendTimeout + 1 min
	BatchSize    int                             // most messages claimed at once; default 10
	Now          func() time.Time                // the clock; default time.Now
	Logger       *slog.Logger                    // default slog.Default()
}

func (o Options) withDefaults() Options {
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 10
	}
	if o.Lease <= 0 {
		// The lease covers the whole batch, sent one message after the other.
		o.Lease = time.Duration(o.BatchSize)*o.SendTimeout + time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// DefaultBackoff waits 30s·2^(attempt-1), at most one hour, less a random
// part of up to a half so that failed messages do not retry in lockstep.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Hour
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 8 { // 30s·2^7 = 64 min already exceeds the cap
		d = min(d, 30*time.Second<<(attempt-1))
	}
	return d/2 + rand.N(d/2+1)
}

// Outbox sends the messages of the outbox table. Several Outboxes (one per
// instance) may share a PostgreSQL database: each message is claimed by one
// at a time.
type Outbox struct {
	db     *database.DB
	sender Sender
	opts   Options
	log    *slog.Logger

	nudge chan struct{} // capacity 1

	startOnce sync.Once
	closeOnce sync.Once
	closeErr  error
	stop      chan struct{} // closed by Close: finish the current message, then return
	abort     context.CancelFunc
	abortCtx  context.Context // cancelled when Close gives up waiting: abort the send
	wg        sync.WaitGroup
}

// NewOutbox returns an Outbox sending through s; call Start to send in the
// background and Close to stop, or RunOnce to send what is due now.
func NewOutbox(db *database.DB, s Sender, opts Options) *Outbox {
	opts = opts.withDefaults()
	abortCtx, abort := context.WithCancel(context.Background())
	return &Outbox{
		db:       db,
		sender:   s,
		opts:     opts,
		log:      opts.Logger.With("component", "notify"),
		nudge:    make(chan struct{}, 1),
		stop:     make(chan struct{}),
		abortCtx: abortCtx,
		abort:    abort,
	}
}

// Nudge wakes the worker now, e.g. after committing a transaction that
// enqueued a message. It never blocks.
func (o *Outbox) Nudge() {
	select {
	case o.nudge <- struct{}{}:
	default:
	}
}

// Start runs the worker until Close or the end of ctx: it sends the due
// messages every PollInterval, at once when nudged, and without pause while
// full batches keep coming.
func (o *Outbox) Start(ctx context.Context) {
	o.startOnce.Do(func() {
		select {
		case <-o.stop: // already closed: stay closed
			return
		default:
		}
		o.wg.Add(1)
		go func() { defer o.wg.Done(); o.loop(ctx) }()
	})
}

// Close stops the worker: the message being sent is finished and recorded,
// the others claimed with it are given back. If ctx ends first, the send in
// progress is aborted (and retried later) and Close returns ctx's error.
// Calling Close again returns the first result.
func (o *Outbox) Close(ctx context.Context) error {
	o.closeOnce.Do(func() {
		close(o.stop)
		done := make(chan struct{})
		go func() { o.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			o.abort()
			<-done
			o.closeErr = ctx.Err()
		}
		o.abort()
	})
	return o.closeErr
}

func (o *Outbox) loop(ctx context.Context) {
	// stopping ends with Close or ctx; RunOnce stops between two messages.
	stopping, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-o.stop:
			cancel()
		case <-stopping.Done():
		}
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-stopping.Done():
			return
		case <-o.nudge:
		case <-timer.C:
		}
		n, err := o.RunOnce(stopping)
		if err != nil && stopping.Err() == nil {
			o.log.Error("notify: sending round failed", "err", err)
		}
		wait := o.opts.PollInterval
		if err == nil && n >= o.opts.BatchSize {
			wait = 0 // more may be due
		}
		timer.Reset(wait)
	}
}

// RunOnce claims the due messages (at most BatchSize), sends them one after
// the other and records each result, and returns how many were sent. A
// failed send is not an error of RunOnce: it is recorded on the message
// (retried after Backoff, or failed after MaxAttempts). When ctx ends,
// RunOnce finishes the message being sent and gives the others back. The
// database work itself is never cancelled halfway.
func (o *Outbox) RunOnce(ctx context.Context) (sent int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	work := context.WithoutCancel(ctx)
	claimed, err := o.claim(work)
	if err != nil {
		return 0, err
	}
	for i, m := range claimed {
		if ctx.Err() != nil {
			o.releaseAll(work, claimed[i:])
			return sent, nil
		}
		ok, err := o.send(work, m)
		if err != nil {
			o.releaseAll(work, claimed[i+1:])
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// claim leases the due messages, after making the expired leases due again.
func (o *Outbox) claim(ctx context.Context) ([]Message, error) {
	now := o.opts.Now()
	var list []Message
	err := o.db.Write(ctx, func(tx *database.Tx) error {
		if err := expireLeases(ctx, tx, now.UnixMilli(), o.opts.MaxAttempts); err != nil {
			return err
		}
		var err error
		list, err = claimDue(ctx, tx, now.UnixMilli(), now.Add(o.opts.Lease).UnixMilli(), o.opts.BatchSize)
		return err
	})
	return list, err
}

// send sends one claimed message and records the result; it reports
// whether the message was sent. Only a database error is returned.
func (o *Outbox) send(ctx context.Context, m Message) (bool, error) {
	sctx, cancel := context.WithTimeout(o.abortCtx, o.opts.SendTimeout)
	sendErr := o.sender.Send(sctx, m)
	cancel()
	now := o.opts.Now()
	var (
		held   bool
		status string
	)
	err := o.db.Write(ctx, func(tx *database.Tx) error {
		var err error
		switch {
		case sendErr == nil:
			status = StatusSent
			held, err = markSent(ctx, tx, m, now.UnixMilli())
		case IsPermanent(sendErr) || m.Attempts >= o.opts.MaxAttempts:
			status = StatusFailed
			held, err = markFailed(ctx, tx, m, lastError(sendErr))
		default:
			status = StatusPending
			held, err = markRetry(ctx, tx, m, now.Add(o.opts.Backoff(m.Attempts)).UnixMilli(), lastError(sendErr))
		}
		return err
	})
	attrs := []any{"id", m.ID, "kind", m.Kind, "attempt", m.Attempts}
	switch {
	case err != nil:
		o.log.Error("notify: cannot record the result of a send", append(attrs, "status", status, "err", err)...)
		return false, err
	case !held:
		// The lease expired during the send and another worker took the
		// message: it may be sent twice (at least once delivery).
		o.log.Warn("notify: lease lost during the send; result not recorded", append(attrs, "status", status)...)
	case status == StatusSent:
		o.log.Info("notify: message sent", attrs...)
	case status == StatusFailed:
		o.log.Error("notify: message given up", append(attrs, "err", redact(sendErr.Error(), m))...)
	default:
		o.log.Warn("notify: send failed, will retry", append(attrs, "err", redact(sendErr.Error(), m))...)
	}
	return sendErr == nil, nil
}

// releaseAll gives back claimed messages that were not tried.
func (o *Outbox) releaseAll(ctx context.Context, list []Message) {
	if len(list) == 0 {
		return
	}
	err := o.db.Write(ctx, func(tx *database.Tx) error {
		for _, m := range list {
			if _, err := release(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Their lease will expire and they will be sent then.
		o.log.Error("notify: cannot give back claimed messages", "count", len(list), "err", err)
	}
}

// maxError bounds the error text stored on a message, in bytes.
const maxError = 500

// lastError is the error text stored on a message: truncated on a rune
// boundary. Senders never put the body in their errors.
func lastError(err error) string {
	s := strings.ToValidUTF8(err.Error(), "?")
	if len(s) <= maxError {
		return s
	}
	s = s[:maxError]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

var emailLike = regexp.MustCompile(`[^\s<>"',;:()\[\]]+@[^\s<>"',;:()\[\]]+`)

// redact removes the personal data of m from a text about to be logged:
// its address (and anything that looks like one), subject and body.
func redact(s string, m Message) string {
	for _, p := range []string{m.To, m.Subject, m.Text} {
		if p != "" {
			s = strings.ReplaceAll(s, p, "[redacted]")
		}
	}
	return emailLike.ReplaceAllString(s, "[address]")
}
