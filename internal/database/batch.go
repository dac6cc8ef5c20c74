package database

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/guichet-qc/guichet/internal/errs"
)

// Batcher group-commits short write transactions. Concurrent callers hand
// it a function; one committer runs up to max waiting functions one after
// another in a single database transaction, each inside its own savepoint,
// and commits once for all of them. A function that fails is rolled back to
// its savepoint and only its caller gets the error; the others commit. Do
// returns only after the commit, so an answer given to a user is durable.
//
// One commit (one fsync) per batch instead of one per request is what lets
// a single SQLite writer, or a PostgreSQL server, accept thousands of
// bookings a second. SQLite has one writer, so one committer; PostgreSQL
// locks rows, so several committers work at once. Within a batch the
// functions run in the order of their keys, so that two batches lock the
// rows named by keys in the same order and cannot deadlock on them; a
// function that still loses a deadlock or a serialization race is run
// again once.
type Batcher struct {
	db      *DB
	max     int
	reqs    chan *batchReq
	mu      sync.Mutex
	closed  bool
	done    chan struct{}
	pending sync.WaitGroup
}

type batchReq struct {
	ctx context.Context
	key string
	fn  func(*Tx) error
	err chan error
}

// ErrBatcherClosed is returned by Do after Close.
var ErrBatcherClosed = errors.New("database: batcher closed")

// NewBatcher starts a committer that batches up to max functions.
func (db *DB) NewBatcher(max int) *Batcher {
	if max < 1 {
		max = 1
	}
	workers := 1
	if db.Dialect == Postgres {
		workers = 4
	}
	b := &Batcher{db: db, max: max, reqs: make(chan *batchReq, 4*max), done: make(chan struct{})}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.loop()
		}()
	}
	go func() {
		wg.Wait()
		close(b.done)
	}()
	return b
}

// Do runs fn once, in the next batch, and returns its error or the
// commit's. fn must act only through the transaction: its effects are
// durable and visible only when Do returns nil.
func (b *Batcher) Do(ctx context.Context, fn func(*Tx) error) error {
	return b.DoKey(ctx, "", fn)
}

// DoKey is Do for a function that locks the row named by key (e.g. a
// slot): functions of a batch run in key order.
func (b *Batcher) DoKey(ctx context.Context, key string, fn func(*Tx) error) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrBatcherClosed
	}
	b.pending.Add(1)
	b.mu.Unlock()
	defer b.pending.Done()
	r := &batchReq{ctx: ctx, key: key, fn: fn, err: make(chan error, 1)}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return classify(ctx.Err())
	}
	// Once queued, wait for the verdict even if ctx ends: the function may
	// already be committed, and the caller must not be told otherwise.
	return <-r.err
}

// Close waits for the requests already given, then stops the committer.
func (b *Batcher) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	b.mu.Unlock()
	b.pending.Wait()
	close(b.reqs)
	<-b.done
}

func (b *Batcher) loop() {
	batch := make([]*batchReq, 0, b.max)
	for first := range b.reqs {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < b.max {
			select {
			case r, ok := <-b.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		b.run(batch)
	}
}

// run executes one batch. The transaction uses a background context: a
// caller giving up must not abort the others' work mid-transaction.
func (b *Batcher) run(batch []*batchReq) {
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].key < batch[j].key })
	errs := make([]error, len(batch))
	err := b.db.Write(context.Background(), func(tx *Tx) error {
		for i, r := range batch {
			if r.ctx.Err() != nil {
				errs[i] = classify(r.ctx.Err())
				continue
			}
			sp := fmt.Sprintf("b%d", i)
			if _, err := tx.tx.ExecContext(context.Background(), "SAVEPOINT "+sp); err != nil {
				return classify(err)
			}
			for attempt := 0; ; attempt++ {
				err := r.fn(tx)
				if err == nil {
					errs[i] = nil
					break
				}
				errs[i] = err
				if _, rerr := tx.tx.ExecContext(context.Background(), "ROLLBACK TO SAVEPOINT "+sp); rerr != nil {
					return classify(rerr)
				}
				if attempt > 0 || !retryable(err) {
					break
				}
			}
			if _, err := tx.tx.ExecContext(context.Background(), "RELEASE SAVEPOINT "+sp); err != nil {
				return classify(err)
			}
		}
		return nil
	})
	for i, r := range batch {
		if err != nil && errs[i] == nil {
			errs[i] = err
		}
		r.err <- errs[i]
	}
}

// retryable tells whether an error is a lost deadlock or serialization
// race, worth one more try.
func retryable(err error) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Key == "error.retry"
}
