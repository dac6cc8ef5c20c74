package audit

import (
	"context"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Integrate gives up to IntegrateBatch pending entries, oldest id first,
// the next positions in the tree and stores their tree hashes, in one
// transaction, and returns how many it integrated. On PostgreSQL an advisory
// lock lets one instance integrate at a time; SQLite's write lock does the
// same.
func (l *Log) Integrate(ctx context.Context) (int, error) {
	var n int
	var size int64
	err := l.db.Write(ctx, func(tx *database.Tx) error {
		n = 0
		if err := lockIntegration(ctx, tx); err != nil {
			return err
		}
		var err error
		if size, err = treeSize(ctx, tx); err != nil {
			return err
		}
		pending, err := pendingEntries(ctx, tx, l.opts.IntegrateBatch)
		if err != nil || len(pending) == 0 {
			return err
		}
		r := newHashReader(ctx, tx)
		ids := make([]int64, len(pending))
		var stored []storedHash
		for i, e := range pending {
			seq := size + int64(i)
			hashes, err := tlog.StoredHashes(seq, EncodeEntry(e), r)
			if err != nil {
				return errs.Internalf("audit: hashes of entry %d: %w", seq, err)
			}
			base := tlog.StoredHashIndex(0, seq)
			for j, h := range hashes {
				r.overlay[base+int64(j)] = h
				stored = append(stored, storedHash{base + int64(j), h})
			}
			ids[i] = e.ID
		}
		if err := assignSeqs(ctx, tx, ids, size); err != nil {
			return err
		}
		if err := insertHashes(ctx, tx, stored); err != nil {
			return err
		}
		n = len(pending)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		l.log.Debug("audit: integrated", "entries", n, "tree_size", size+int64(n))
	}
	return n, nil
}

// integrateAll integrates until nothing is pending.
func (l *Log) integrateAll(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := l.Integrate(ctx)
		total += n
		if err != nil || n < l.opts.IntegrateBatch {
			return total, err
		}
	}
}

// Checkpoint integrates the pending entries, then, if the tree grew since
// the latest checkpoint, signs its new head and stores it. It returns the
// latest checkpoint (errs.NotFound while the log is empty).
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	if _, err := l.integrateAll(ctx); err != nil {
		return Checkpoint{}, err
	}
	var latest Checkpoint
	signed := false
	err := l.db.Write(ctx, func(tx *database.Tx) error {
		signed = false
		if err := lockIntegration(ctx, tx); err != nil {
			return err
		}
		size, err := treeSize(ctx, tx)
		if err != nil {
			return err
		}
		latest, err = latestCheckpoint(ctx, tx)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if size == 0 || size <= latest.TreeSize {
			return err // nil, or NotFound for an empty log
		}
		root, err := tlog.TreeHash(size, newHashReader(ctx, tx))
		if err != nil {
			return errs.Internalf("audit: tree hash of size %d: %w", size, err)
		}
		msg, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: size, Hash: root}))}, l.signer)
		if err != nil {
			return errs.Internalf("audit: sign checkpoint: %w", err)
		}
		latest = Checkpoint{TreeSize: size, RootHash: root, Note: string(msg), SignedAt: l.opts.Now().UTC().Round(0)}
		signed = true
		return insertCheckpoint(ctx, tx, latest)
	})
	if err != nil {
		return Checkpoint{}, err
	}
	if signed {
		l.log.Info("audit: checkpoint signed", "tree_size", latest.TreeSize)
	}
	return latest, nil
}

// Latest returns the latest checkpoint (errs.NotFound when none).
func (l *Log) Latest(ctx context.Context) (Checkpoint, error) {
	var c Checkpoint
	err := l.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		c, err = latestCheckpoint(ctx, tx)
		return err
	})
	return c, err
}
