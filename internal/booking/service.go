package booking

import (
	"context"
	"log/slog"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
)

// Options tune the booking rules.
type Options struct {
	MinNotice   time.Duration // earliest booking from now (default 1 h)
	HorizonDays int           // latest booking, in days from now (default 60)
	HoldFor     time.Duration // how long a freed place is held for the next in line (default 2 h)
	Now         func() time.Time
	Logger      *slog.Logger
	// Notify is called inside the transaction of every change, to enqueue
	// the citizen's messages (nil: no messages).
	Notify func(ctx context.Context, tx *database.Tx, c Change) error
	// Prepare, when set, writes a booking's messages ahead of its
	// transaction (see Notices.Prepare); Notify remains the fallback.
	Prepare func(c Change) (func(ctx context.Context, tx *database.Tx) error, error)
	// BatchSize caps how many bookings share one commit (default 256).
	BatchSize int
}

// Service books, cancels and moves appointments.
type Service struct {
	db     *database.DB
	cat    *catalog.Catalog
	tokens *Tokens
	batch  *database.Batcher
	opts   Options
	stop   chan struct{}
	done   chan struct{}
}

// New returns the booking service; Close stops its committer.
func New(db *database.DB, cat *catalog.Catalog, tokens *Tokens, o Options) *Service {
	if o.MinNotice == 0 {
		o.MinNotice = time.Hour
	}
	if o.HorizonDays == 0 {
		o.HorizonDays = 60
	}
	if o.HoldFor == 0 {
		o.HoldFor = 2 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.BatchSize == 0 {
		o.BatchSize = 256
	}
	return &Service{db: db, cat: cat, tokens: tokens, batch: db.NewBatcher(o.BatchSize), opts: o}
}

// Start runs the background work every interval: expiring waiting-list
// offers not accepted in time, so that each held place goes to the next
// person in line.
func (s *Service) Start(interval time.Duration) {
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				if _, err := s.SweepOffers(context.Background()); err != nil {
					s.opts.Logger.Warn("waiting-list sweep failed", "err", err)
				}
			}
		}
	}()
}

// Close stops the background work, waits for bookings in progress and
// stops the committer.
func (s *Service) Close() {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
	s.batch.Close()
}

// Token returns the manage token of an appointment (for the citizen's
// confirmation page, right after booking).
func (s *Service) Token(a Appointment) string { return s.tokens.Token(a.Reference, a.nonce) }
