package audit

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// InclusionProof shows that an entry is in the tree of a given size. It is
// self-contained: VerifyInclusion checks it offline against a signed
// checkpoint of that size.
type InclusionProof struct {
	Entry      Entry            `json:"entry"`
	RecordHash tlog.Hash        `json:"record_hash"`
	TreeSize   int64            `json:"tree_size"`
	RootHash   tlog.Hash        `json:"root_hash"`
	Proof      tlog.RecordProof `json:"proof"`
	Checkpoint string           `json:"checkpoint,omitempty"` // the signed note of TreeSize, when one was signed
}

// InclusionProof proves that the entry at seq is in the tree of treeSize
// entries; treeSize 0 means the size of the latest checkpoint.
func (l *Log) InclusionProof(ctx context.Context, seq, treeSize int64) (InclusionProof, error) {
	var p InclusionProof
	err := l.db.Read(ctx, func(tx *database.Tx) error {
		if err := snapshot(ctx, tx); err != nil {
			return err
		}
		if treeSize == 0 {
			c, err := latestCheckpoint(ctx, tx)
			if err != nil {
				return err
			}
			treeSize = c.TreeSize
		}
		size, err := requireSize(ctx, tx, treeSize)
		if err != nil {
			return err
		}
		if seq < 0 || seq >= size {
			return errs.E(errs.Invalid, "audit.bad_proof_request").OnField("seq")
		}
		if p.Entry, err = entryBySeq(ctx, tx, seq); err != nil {
			return err
		}
		r := newHashReader(ctx, tx)
		leaf, err := r.ReadHashes([]int64{tlog.StoredHashIndex(0, seq)})
		if err != nil {
			return err
		}
		p.RecordHash = leaf[0]
		if p.RecordHash != RecordHash(p.Entry) {
			return errs.Internalf("audit: entry %d does not match its stored hash; run `guichet audit verify`", seq)
		}
		if p.Proof, err = tlog.ProveRecord(size, seq, r); err != nil {
			return errs.Internalf("audit: prove entry %d in tree %d: %w", seq, size, err)
		}
		if p.RootHash, err = tlog.TreeHash(size, r); err != nil {
			return errs.Internalf("audit: tree hash %d: %w", size, err)
		}
		p.TreeSize = size
		c, err := checkpointOfSize(ctx, tx, size)
		switch {
		case err == nil:
			p.Checkpoint = c.Note
		case !errs.Is(err, errs.NotFound):
			return err
		}
		return nil
	})
	return p, err
}

// requireSize checks that a requested tree size exists: 0 < want <= current size.
func requireSize(ctx context.Context, tx *database.Tx, want int64) (int64, error) {
	size, err := treeSize(ctx, tx)
	if err != nil {
		return 0, err
	}
	if want <= 0 || want > size {
		return 0, errs.E(errs.Invalid, "audit.bad_proof_request").OnField("tree_size")
	}
	return want, nil
}

// ConsistencyProof proves that the tree of oldSize entries is a prefix of
// the tree of newSize entries; check it with tlog.CheckTree(p, newSize,
// newRoot, oldSize, oldRoot).
func (l *Log) ConsistencyProof(ctx context.Context, oldSize, newSize int64) (tlog.TreeProof, error) {
	var p tlog.TreeProof
	err := l.db.Read(ctx, func(tx *database.Tx) error {
		if err := snapshot(ctx, tx); err != nil {
			return err
		}
		if _, err := requireSize(ctx, tx, newSize); err != nil {
			return err
		}
		if oldSize <= 0 || oldSize > newSize {
			return errs.E(errs.Invalid, "audit.bad_proof_request").OnField("old_size")
		}
		var err error
		if p, err = tlog.ProveTree(newSize, oldSize, newHashReader(ctx, tx)); err != nil {
			return errs.Internalf("audit: prove tree %d in %d: %w", oldSize, newSize, err)
		}
		return nil
	})
	return p, err
}

// VerifyInclusion checks offline that p's entry is in the tree signed by
// checkpointNote (a note signed by v's key; when nil, p.Checkpoint is used).
// The entry's hash is recomputed from its fields, so a changed entry fails.
func VerifyInclusion(p InclusionProof, checkpointNote []byte, v note.Verifier) error {
	bad := func(format string, args ...any) error {
		return errs.Wrap(fmt.Errorf(format, args...), errs.Invalid, "audit.proof_invalid")
	}
	if checkpointNote == nil {
		checkpointNote = []byte(p.Checkpoint)
	}
	if len(checkpointNote) == 0 {
		return bad("no signed checkpoint of size %d to verify against", p.TreeSize)
	}
	n, err := note.Open(checkpointNote, note.VerifierList(v))
	if err != nil {
		return bad("the checkpoint's signature does not verify with key %s: %v", v.Name(), err)
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return bad("the checkpoint is not a tree head: %v", err)
	}
	if tree.N != p.TreeSize {
		return bad("the proof is for a tree of size %d but the checkpoint has size %d", p.TreeSize, tree.N)
	}
	h := RecordHash(p.Entry)
	if h != p.RecordHash {
		return bad("entry %d does not match the proof's record hash", p.Entry.Seq)
	}
	if err := tlog.CheckRecord(p.Proof, tree.N, tree.Hash, p.Entry.Seq, h); err != nil {
		return bad("entry %d is not in the tree of size %d: %v", p.Entry.Seq, tree.N, err)
	}
	return nil
}

// EntryBySeq returns the entry at position seq (errs.NotFound when none).
func (l *Log) EntryBySeq(ctx context.Context, seq int64) (Entry, error) {
	var e Entry
	err := l.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		e, err = entryBySeq(ctx, tx, seq)
		return err
	})
	return e, err
}

// EntryByID returns the entry with row id id (errs.NotFound when none); its
// Seq is -1 while it waits for integration.
func (l *Log) EntryByID(ctx context.Context, id int64) (Entry, error) {
	var e Entry
	err := l.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		e, err = entryByID(ctx, tx, id)
		return err
	})
	return e, err
}
