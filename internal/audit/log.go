package audit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Options tunes a Log; the zero value gives the defaults.
type Options struct {
	CheckpointInterval time.Duration    // how often to sign a new checkpoint when the tree grew; default 10s
	IntegrateInterval  time.Duration    // how often to integrate pending entries; default 200ms (and after each group commit)
	Now                func() time.Time // the clock; default time.Now
	Logger             *slog.Logger     // default slog.Default()
	MaxBatch           int              // most appends in one group commit; default 512
	IntegrateBatch     int              // most entries integrated in one transaction; default 2048
}

func (o Options) withDefaults() Options {
	if o.CheckpointInterval <= 0 {
		o.CheckpointInterval = 10 * time.Second
	}
	if o.IntegrateInterval <= 0 {
		o.IntegrateInterval = 200 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 512
	}
	if o.IntegrateBatch <= 0 {
		o.IntegrateBatch = 2048
	}
	return o
}

// Log appends to, integrates and signs the audit log of one database.
// Several Logs (one per instance) may share a PostgreSQL database.
type Log struct {
	db     *database.DB
	signer note.Signer
	opts   Options
	log    *slog.Logger

	requests chan *request
	nudge    chan struct{} // integrate now; capacity 1

	mu        sync.RWMutex // guards accepting against Close
	accepting bool

	startOnce sync.Once
	closeOnce sync.Once
	closeErr  error
	stop      chan struct{} // closed by Close: the committer drains and exits, the loop exits
	wg        sync.WaitGroup
}

// request is one Append waiting for the group commit.
type request struct {
	ctx   context.Context
	entry Entry
	reply chan result // capacity 1: the committer never blocks
}

type result struct {
	id  int64
	err error
}

// New returns a Log; call Start to accept Appends and integrate in the
// background, and Close to stop.
func New(db *database.DB, signer note.Signer, opts Options) *Log {
	opts = opts.withDefaults()
	return &Log{
		db:       db,
		signer:   signer,
		opts:     opts,
		log:      opts.Logger.With("component", "audit"),
		requests: make(chan *request, opts.MaxBatch),
		nudge:    make(chan struct{}, 1),
		stop:     make(chan struct{}),
	}
}

// AppendTx appends e inside the caller's transaction, so that a change and
// its audit entry commit (or roll back) together, and returns its row id.
// The entry is durable when tx commits; a running Log integrates it soon
// after (or at the next Integrate).
func AppendTx(ctx context.Context, tx *database.Tx, e Entry) (int64, error) {
	return appendTx(ctx, tx, e, time.Now)
}

func appendTx(ctx context.Context, tx *database.Tx, e Entry, now func() time.Time) (int64, error) {
	p, err := prepare(e, now)
	if err != nil {
		return 0, err
	}
	return insertOne(ctx, tx, p)
}

// AppendTx is AppendTx with the Log's clock.
func (l *Log) AppendTx(ctx context.Context, tx *database.Tx, e Entry) (int64, error) {
	return appendTx(ctx, tx, e, l.opts.Now)
}

// Append writes e in its own transaction, shared with the other Appends
// waiting at the same time (group commit), and returns its row id once that
// transaction has committed. If ctx ends first, Append returns ctx's error
// and the entry may or may not have been written: only a nil error
// acknowledges it. The Log must be started.
func (l *Log) Append(ctx context.Context, e Entry) (int64, error) {
	p, err := prepare(e, l.opts.Now)
	if err != nil {
		return 0, err
	}
	r := &request{ctx: ctx, entry: p, reply: make(chan result, 1)}
	if err := l.enqueue(r); err != nil {
		return 0, err
	}
	select {
	case res := <-r.reply:
		return res.id, res.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (l *Log) enqueue(r *request) error {
	// The read lock is held while sending so that Close, which takes the
	// write lock, knows that no request arrives after the committer's
	// final drain. The committer keeps receiving until then.
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !l.accepting {
		return errs.E(errs.Unavailable, "audit.closed")
	}
	select {
	case l.requests <- r:
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// Start starts the group committer and the background loop that integrates
// pending entries and signs checkpoints. The goroutines run until Close;
// the cancellation of ctx stops the background loop between two rounds
// (Close still integrates and signs), never a transaction halfway.
func (l *Log) Start(ctx context.Context) {
	l.startOnce.Do(func() {
		work := context.WithoutCancel(ctx)
		l.mu.Lock()
		select {
		case <-l.stop: // already closed: stay closed
			l.mu.Unlock()
			return
		default:
		}
		l.accepting = true
		l.mu.Unlock()
		l.wg.Add(2)
		go func() { defer l.wg.Done(); l.commitLoop(work) }()
		go func() { defer l.wg.Done(); l.backgroundLoop(work, ctx.Done()) }()
	})
}

// Close stops taking Appends, commits and answers the ones waiting,
// integrates every pending entry, signs a final checkpoint and stops the
// goroutines. Calling it again returns the first result.
func (l *Log) Close(ctx context.Context) error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.accepting = false
		close(l.stop)
		l.mu.Unlock()
		l.wg.Wait()
		if _, err := l.integrateAll(ctx); err != nil {
			l.closeErr = err
			return
		}
		if _, err := l.Checkpoint(ctx); err != nil && !errs.Is(err, errs.NotFound) {
			l.closeErr = err
		}
	})
	return l.closeErr
}

// commitLoop is the group committer: it takes one request, drains whatever
// else is waiting (up to MaxBatch), writes them all in one transaction and
// answers each. After stop it drains what is left and returns.
func (l *Log) commitLoop(ctx context.Context) {
	batch := make([]*request, 0, l.opts.MaxBatch)
	for {
		var first *request
		select {
		case first = <-l.requests:
		case <-l.stop:
			// No more sends can start (Close set accepting=false under
			// the lock); answer what was sent before.
			for {
				batch = l.drain(batch[:0])
				if len(batch) == 0 {
					return
				}
				l.commit(ctx, batch)
			}
		}
		batch = l.drain(append(batch[:0], first))
		l.commit(ctx, batch)
	}
}

// drain adds the requests waiting, without blocking, up to MaxBatch.
func (l *Log) drain(batch []*request) []*request {
	for len(batch) < l.opts.MaxBatch {
		select {
		case r := <-l.requests:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit writes one batch and answers its requests.
func (l *Log) commit(ctx context.Context, batch []*request) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.reply <- result{err: err} // its caller gave up: never written
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	entries := make([]Entry, len(live))
	for i, r := range live {
		entries[i] = r.entry
	}
	var ids []int64
	err := l.db.Write(ctx, func(tx *database.Tx) error {
		var err error
		ids, err = insertMany(ctx, tx, entries)
		return err
	})
	if err != nil {
		l.log.Error("audit: group commit failed", "entries", len(live), "err", err)
	}
	for i, r := range live {
		if err != nil {
			r.reply <- result{err: err}
		} else {
			r.reply <- result{id: ids[i]}
		}
	}
	if err == nil {
		select {
		case l.nudge <- struct{}{}:
		default:
		}
	}
}

// backgroundLoop integrates pending entries every IntegrateInterval or when
// nudged, and signs a checkpoint every CheckpointInterval, until Close or
// done. Its work is never cancelled halfway (on PostgreSQL a cancelled
// query costs the connection, and its locks linger until the server
// notices).
func (l *Log) backgroundLoop(ctx context.Context, done <-chan struct{}) {
	integrate := time.NewTicker(l.opts.IntegrateInterval)
	defer integrate.Stop()
	checkpoint := time.NewTicker(l.opts.CheckpointInterval)
	defer checkpoint.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-done:
			return
		case <-l.nudge:
		case <-integrate.C:
		case <-checkpoint.C:
			if _, err := l.Checkpoint(ctx); err != nil && !errs.Is(err, errs.NotFound) {
				l.log.Error("audit: checkpoint failed", "err", err)
			}
			continue
		}
		if _, err := l.integrateAll(ctx); err != nil {
			l.log.Error("audit: integration failed", "err", err)
		}
	}
}
