package audit

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/guichet-qc/guichet/internal/database"
)

// Report sums up a successful Verify (and what was checked before a failure).
type Report struct {
	Entries     int64     `json:"entries"`     // integrated entries checked (the tree size)
	Checkpoints int       `json:"checkpoints"` // checkpoints whose signature and root were checked
	Pending     int64     `json:"pending"`     // entries not yet integrated (not covered by the tree)
	TreeSize    int64     `json:"tree_size"`
	RootHash    tlog.Hash `json:"root_hash"`
	Latest      int64     `json:"latest_checkpoint"` // size of the latest checkpoint, 0 when none
}

// VerifyError names the first thing Verify found wrong.
type VerifyError struct {
	Seq        int64  // the entry at fault, -1 when the fault is not an entry's
	ID         int64  // its row id, 0 when unknown (a missing entry)
	Checkpoint int64  // the size of the checkpoint at fault, 0 when none
	Reason     string // the whole message
}

func (e *VerifyError) Error() string { return e.Reason }

// verifyChunk is how many entries Verify reads per query.
const verifyChunk = 4096

// Verify checks the whole audit log of db offline, from one snapshot: the
// integrated entries must have positions 0..n-1 without a gap; each entry's
// recomputed hash must match its stored leaf hash; every stored tree hash
// must match the tree recomputed from the entries; each checkpoint must be
// signed by v, agree with its stored root and with the tree recomputed at
// its size; and the tree may not be smaller than the latest checkpoint.
// The error, a *VerifyError, names the first bad entry or checkpoint.
// Entries are streamed in chunks and only the tree's right edge is kept in
// memory, so memory does not grow with the log.
func Verify(ctx context.Context, db *database.DB, v note.Verifier) (Report, error) {
	var rep Report
	err := db.Read(ctx, func(tx *database.Tx) error {
		if err := snapshot(ctx, tx); err != nil {
			return err
		}
		w := &walker{ctx: ctx, tx: tx, v: v}
		err := w.run()
		rep = w.rep
		rep.Entries = w.n
		return err
	})
	return rep, err
}

type walker struct {
	ctx   context.Context
	tx    *database.Tx
	v     note.Verifier
	rep   Report
	n     int64        // entries verified so far
	edge  []storedHash // roots of the complete subtrees of the tree of n, left to right
	queue []Checkpoint // checkpoints loaded, not yet checked
	more  bool         // more checkpoints may follow the queue
}

func (w *walker) run() error {
	w.more = true
	if err := w.loadCheckpoints(0); err != nil {
		return err
	}
	for {
		chunk, err := sequencedEntries(w.ctx, w.tx, w.n, verifyChunk)
		if err != nil || len(chunk) == 0 {
			if err != nil {
				return err
			}
			break
		}
		last := chunk[len(chunk)-1].Seq
		stored, err := hashRange(w.ctx, w.tx, tlog.StoredHashIndex(0, w.n), tlog.StoredHashIndex(0, last+1))
		if err != nil {
			return err
		}
		for _, e := range chunk {
			if err := w.entry(e, stored); err != nil {
				return err
			}
		}
	}
	return w.finish()
}

// entry checks the entry at position w.n against its stored hashes, then any
// checkpoint of the new size.
func (w *walker) entry(e Entry, stored map[int64]tlog.Hash) error {
	if e.Seq != w.n {
		return w.missing("entry %d is missing", w.n)
	}
	h := RecordHash(e)
	base := tlog.StoredHashIndex(0, w.n)
	if got, ok := stored[base]; !ok || got != h {
		return &VerifyError{Seq: e.Seq, ID: e.ID, Checkpoint: 0,
			Reason: fmt.Sprintf("entry %d (id %d) was changed: its hash does not match the log", e.Seq, e.ID)}
	}
	hashes, err := tlog.StoredHashesForRecordHash(w.n, h, w)
	if err != nil {
		return err
	}
	for j, h := range hashes[1:] {
		if got, ok := stored[base+1+int64(j)]; !ok || got != h {
			return &VerifyError{Seq: e.Seq, ID: e.ID,
				Reason: fmt.Sprintf("the stored tree hashes of entry %d (id %d) were changed: they do not match the entries up to it", e.Seq, e.ID)}
		}
	}
	m := len(hashes) - 1 // the subtrees of levels 0..m-1 merge into one of level m
	w.edge = append(w.edge[:len(w.edge)-m], storedHash{tlog.StoredHashIndex(m, w.n>>m), hashes[m]})
	w.n++
	return w.checkpointsAt()
}

// ReadHashes serves tlog from the right edge of the tree recomputed so far.
func (w *walker) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
next:
	for i, x := range indexes {
		for _, s := range w.edge {
			if s.index == x {
				out[i] = s.hash
				continue next
			}
		}
		return nil, fmt.Errorf("audit: verify: hash %d is not on the tree's edge", x)
	}
	return out, nil
}

// checkpointsAt checks the checkpoint of size w.n, if any.
func (w *walker) checkpointsAt() error {
	if len(w.queue) == 0 && w.more {
		if err := w.loadCheckpoints(w.n - 1); err != nil {
			return err
		}
	}
	if len(w.queue) == 0 || w.queue[0].TreeSize != w.n {
		return nil
	}
	c := w.queue[0]
	w.queue = w.queue[1:]
	tree, err := w.openCheckpoint(c)
	if err != nil {
		return err
	}
	root, err := tlog.TreeHash(w.n, w)
	if err != nil {
		return err
	}
	if root != tree.Hash {
		return &VerifyError{Seq: -1, Checkpoint: c.TreeSize, Reason: fmt.Sprintf(
			"checkpoint of size %d does not match the entries: an entry before %d was changed, removed or reordered", c.TreeSize, c.TreeSize)}
	}
	w.rep.Checkpoints++
	w.rep.Latest = c.TreeSize
	return nil
}

// openCheckpoint checks a checkpoint's signature and that its stored
// columns agree with what it signs.
func (w *walker) openCheckpoint(c Checkpoint) (tlog.Tree, error) {
	ordinal := w.rep.Checkpoints + 1
	bad := func(format string, args ...any) error {
		return &VerifyError{Seq: -1, Checkpoint: c.TreeSize,
			Reason: fmt.Sprintf("checkpoint %d (size %d) ", ordinal, c.TreeSize) + fmt.Sprintf(format, args...)}
	}
	n, err := note.Open([]byte(c.Note), note.VerifierList(w.v))
	if err != nil {
		return tlog.Tree{}, bad("has an invalid signature")
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, bad("is not a tree head")
	}
	if tree.N != c.TreeSize {
		return tlog.Tree{}, bad("was changed: it signs size %d", tree.N)
	}
	if tree.Hash != c.RootHash {
		return tlog.Tree{}, bad("was changed: its stored root hash is not the signed one")
	}
	return tree, nil
}

func (w *walker) loadCheckpoints(after int64) error {
	list, err := checkpointsAfter(w.ctx, w.tx, after, verifyChunk)
	if err != nil {
		return err
	}
	w.queue = list
	w.more = len(list) == verifyChunk
	return nil
}

// finish checks what follows the last entry.
func (w *walker) finish() error {
	if len(w.queue) == 0 && w.more {
		if err := w.loadCheckpoints(w.n); err != nil {
			return err
		}
	}
	if len(w.queue) > 0 {
		c := w.queue[0]
		return w.missing("entry %d is missing: the checkpoint of size %d includes it but the log has %d entries", w.n, c.TreeSize, w.n)
	}
	count, maxIndex, err := hashCount(w.ctx, w.tx)
	if err != nil {
		return err
	}
	want := tlog.StoredHashIndex(0, w.n)
	if maxIndex >= want {
		return w.missing("entry %d is missing: the log holds its tree hashes but not the entry", w.n)
	}
	if count != want {
		return &VerifyError{Seq: -1, Reason: fmt.Sprintf("the log holds %d tree hashes, %d entries need %d", count, w.n, want)}
	}
	root, err := tlog.TreeHash(w.n, w)
	if err != nil {
		return err
	}
	w.rep.TreeSize, w.rep.RootHash = w.n, root
	w.rep.Pending, err = countPending(w.ctx, w.tx)
	return err
}

func (w *walker) missing(format string, args ...any) error {
	return &VerifyError{Seq: w.n, Reason: fmt.Sprintf(format, args...)}
}
