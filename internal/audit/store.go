package audit

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// All the audit package's SQL is in this file.

// integrationLock is the PostgreSQL advisory lock that lets one instance at a
// time integrate or sign (SQLite's write lock already serializes writers).
const integrationLock int64 = 7_146_211_902

const entryColumns = `id, seq, time_ns, actor, organization, action, object, purpose, details_hash`

const insertEntry = `INSERT INTO audit_entries (time_ns, actor, organization, action, object, purpose, details_hash)
	VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`

func lockIntegration(ctx context.Context, tx *database.Tx) error {
	if tx.Dialect() != database.Postgres {
		return nil
	}
	// Another instance may be integrating a large batch: wait for it.
	if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = 0`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, integrationLock)
	return err
}

// insertOne inserts a prepared entry and returns its id.
func insertOne(ctx context.Context, tx *database.Tx, e Entry) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, insertEntry,
		e.Time.UnixNano(), e.Actor, e.Organization, e.Action, e.Object, e.Purpose, e.DetailsHash).Scan(&id)
	return id, err
}

// insertMany inserts prepared entries and returns their ids, in order.
// PostgreSQL takes the ids from the sequence first and inserts every row in
// one statement (one round trip); SQLite runs in-process, so one INSERT per
// row costs little.
func insertMany(ctx context.Context, tx *database.Tx, list []Entry) ([]int64, error) {
	ids := make([]int64, 0, len(list))
	if tx.Dialect() != database.Postgres {
		for _, e := range list {
			id, err := insertOne(ctx, tx, e)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('audit_entries', 'id')) FROM generate_series(1, ?)`, len(list))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, errs.Internalf("audit: read new ids: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) != len(list) {
		return nil, errs.Internalf("audit: got %d of %d new ids: %v", len(ids), len(list), err)
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO audit_entries (id, time_ns, actor, organization, action, object, purpose, details_hash) VALUES `)
	args := make([]any, 0, 8*len(list))
	for i, e := range list {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, ids[i], e.Time.UnixNano(), e.Actor, e.Organization, e.Action, e.Object, e.Purpose, e.DetailsHash)
	}
	if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
		return nil, err
	}
	return ids, nil
}

// scanner is what *sql.Rows and *database.Row have in common.
type scanner interface{ Scan(dest ...any) error }

func scanEntry(s scanner) (Entry, error) {
	var e Entry
	var seq sql.NullInt64
	var ns int64
	if err := s.Scan(&e.ID, &seq, &ns, &e.Actor, &e.Organization, &e.Action, &e.Object, &e.Purpose, &e.DetailsHash); err != nil {
		return e, err
	}
	e.Seq = -1
	if seq.Valid {
		e.Seq = seq.Int64
	}
	e.Time = timeFromNanos(ns)
	return e, nil
}

// queryEntries runs a query selecting entryColumns.
func queryEntries(ctx context.Context, tx *database.Tx, query string, args ...any) ([]Entry, error) {
	rows, err := tx.Query(ctx, `SELECT `+entryColumns+` FROM audit_entries `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, errs.Internalf("audit: read entries: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Internalf("audit: read entries: %w", err)
	}
	return out, nil
}

func pendingEntries(ctx context.Context, tx *database.Tx, limit int) ([]Entry, error) {
	return queryEntries(ctx, tx, `WHERE seq IS NULL ORDER BY id LIMIT ?`, limit)
}

// sequencedEntries returns up to limit integrated entries from seq from on.
func sequencedEntries(ctx context.Context, tx *database.Tx, from int64, limit int) ([]Entry, error) {
	return queryEntries(ctx, tx, `WHERE seq >= ? ORDER BY seq LIMIT ?`, from, limit)
}

func entryBySeq(ctx context.Context, tx *database.Tx, seq int64) (Entry, error) {
	return scanEntry(tx.QueryRow(ctx, `SELECT `+entryColumns+` FROM audit_entries WHERE seq = ?`, seq))
}

func entryByID(ctx context.Context, tx *database.Tx, id int64) (Entry, error) {
	return scanEntry(tx.QueryRow(ctx, `SELECT `+entryColumns+` FROM audit_entries WHERE id = ?`, id))
}

// treeSize is the number of integrated entries. Positions are consecutive
// from 0, so it is MAX(seq)+1, read from the unique index on seq: one source
// of truth that cannot drift from the entries (a separate counter row could).
func treeSize(ctx context.Context, tx *database.Tx) (int64, error) {
	var max sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT MAX(seq) FROM audit_entries`).Scan(&max); err != nil {
		return 0, err
	}
	if !max.Valid {
		return 0, nil
	}
	return max.Int64 + 1, nil
}

func countPending(ctx context.Context, tx *database.Tx) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_entries WHERE seq IS NULL`).Scan(&n)
	return n, err
}

// assignSeqs gives ids[i] the position first+i, in one statement.
func assignSeqs(ctx context.Context, tx *database.Tx, ids []int64, first int64) error {
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		var q strings.Builder
		q.WriteString(`WITH v (id, seq) AS (VALUES `)
		args := make([]any, 0, 2*len(chunk))
		for i, id := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(CAST(? AS BIGINT), CAST(? AS BIGINT))")
			args = append(args, id, first+int64(start+i))
		}
		q.WriteString(`) UPDATE audit_entries SET seq = v.seq FROM v WHERE audit_entries.id = v.id AND audit_entries.seq IS NULL`)
		res, err := tx.Exec(ctx, q.String(), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(chunk)) {
			return errs.Internalf("audit: sequenced %d of %d entries (%v)", n, len(chunk), err)
		}
	}
	return nil
}

// storedHash is one node of the tree at its tlog.StoredHashIndex.
type storedHash struct {
	index int64
	hash  tlog.Hash
}

func insertHashes(ctx context.Context, tx *database.Tx, list []storedHash) error {
	for start := 0; start < len(list); start += 1000 {
		chunk := list[start:min(start+1000, len(list))]
		var q strings.Builder
		q.WriteString(`INSERT INTO audit_hashes (id, hash) VALUES `)
		args := make([]any, 0, 2*len(chunk))
		for i, h := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, h.index, h.hash[:])
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// readHashes returns the stored hashes with the given indexes, in the same
// order; a missing one is an error.
func readHashes(ctx context.Context, tx *database.Tx, indexes []int64) ([]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, len(indexes))
	for start := 0; start < len(indexes); start += 500 {
		chunk := indexes[start:min(start+500, len(indexes))]
		args := make([]any, len(chunk))
		for i, x := range chunk {
			args[i] = x
		}
		q := `SELECT id, hash FROM audit_hashes WHERE id IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
		if err := scanHashes(ctx, tx, found, q, args...); err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, errs.Internalf("audit: stored hash %d is missing", x)
		}
		out[i] = h
	}
	return out, nil
}

// hashRange returns the stored hashes with from <= index < to.
func hashRange(ctx context.Context, tx *database.Tx, from, to int64) (map[int64]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, to-from)
	err := scanHashes(ctx, tx, found, `SELECT id, hash FROM audit_hashes WHERE id >= ? AND id < ?`, from, to)
	return found, err
}

func scanHashes(ctx context.Context, tx *database.Tx, into map[int64]tlog.Hash, query string, args ...any) error {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			return errs.Internalf("audit: read hashes: %w", err)
		}
		var h tlog.Hash
		if len(b) != len(h) {
			return errs.Internalf("audit: stored hash %d has %d bytes", id, len(b))
		}
		copy(h[:], b)
		into[id] = h
	}
	if err := rows.Err(); err != nil {
		return errs.Internalf("audit: read hashes: %w", err)
	}
	return nil
}

// hashCount returns how many hashes are stored and the largest index (-1
// when none).
func hashCount(ctx context.Context, tx *database.Tx) (n, maxIndex int64, err error) {
	var max sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), MAX(id) FROM audit_hashes`).Scan(&n, &max); err != nil {
		return 0, 0, err
	}
	if !max.Valid {
		return n, -1, nil
	}
	return n, max.Int64, nil
}

// dbHashReader reads stored hashes in tx, through an overlay holding the
// hashes computed (and not yet visible) in the same transaction, and the
// ones already read: stored hashes never change.
type dbHashReader struct {
	ctx     context.Context
	tx      *database.Tx
	overlay map[int64]tlog.Hash
}

func newHashReader(ctx context.Context, tx *database.Tx) *dbHashReader {
	return &dbHashReader{ctx: ctx, tx: tx, overlay: make(map[int64]tlog.Hash)}
}

func (r *dbHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var missing []int64
	for _, x := range indexes {
		if _, ok := r.overlay[x]; !ok {
			missing = append(missing, x)
		}
	}
	if len(missing) > 0 {
		sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
		got, err := readHashes(r.ctx, r.tx, missing)
		if err != nil {
			return nil, err
		}
		for i, x := range missing {
			r.overlay[x] = got[i]
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = r.overlay[x]
	}
	return out, nil
}

// Checkpoint is a signed tree head.
type Checkpoint struct {
	TreeSize int64     `json:"tree_size"`
	RootHash tlog.Hash `json:"root_hash"`
	Note     string    `json:"note"` // a sumdb note signing tlog.FormatTree
	SignedAt time.Time `json:"signed_at"`
}

const checkpointColumns = `tree_size, root_hash, note, signed_at_ns`

func scanCheckpoint(s scanner) (Checkpoint, error) {
	var c Checkpoint
	var root []byte
	var ns int64
	if err := s.Scan(&c.TreeSize, &root, &c.Note, &ns); err != nil {
		return c, err
	}
	if len(root) != len(c.RootHash) {
		return c, errs.Internalf("audit: checkpoint %d: root hash has %d bytes", c.TreeSize, len(root))
	}
	copy(c.RootHash[:], root)
	c.SignedAt = timeFromNanos(ns)
	return c, nil
}

// latestCheckpoint returns the largest checkpoint; errs.NotFound when none.
func latestCheckpoint(ctx context.Context, tx *database.Tx) (Checkpoint, error) {
	c, err := scanCheckpoint(tx.QueryRow(ctx, `SELECT `+checkpointColumns+` FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1`))
	if errs.Is(err, errs.NotFound) {
		return c, errs.Wrap(err, errs.NotFound, "audit.no_checkpoint")
	}
	return c, err
}

// checkpointOfSize returns the checkpoint of exactly size; errs.NotFound
// when none.
func checkpointOfSize(ctx context.Context, tx *database.Tx, size int64) (Checkpoint, error) {
	return scanCheckpoint(tx.QueryRow(ctx, `SELECT `+checkpointColumns+` FROM audit_checkpoints WHERE tree_size = ?`, size))
}

// checkpointsAfter returns up to limit checkpoints larger than size, smallest first.
func checkpointsAfter(ctx context.Context, tx *database.Tx, size int64, limit int) ([]Checkpoint, error) {
	rows, err := tx.Query(ctx, `SELECT `+checkpointColumns+` FROM audit_checkpoints WHERE tree_size > ? ORDER BY tree_size LIMIT ?`, size, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Internalf("audit: read checkpoints: %w", err)
	}
	return out, nil
}

func insertCheckpoint(ctx context.Context, tx *database.Tx, c Checkpoint) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (`+checkpointColumns+`) VALUES (?, ?, ?, ?)`,
		c.TreeSize, c.RootHash[:], c.Note, c.SignedAt.UnixNano())
	return err
}

// snapshot makes the rest of a PostgreSQL read transaction see one snapshot
// (SQLite read transactions already do). It must be the first statement.
func snapshot(ctx context.Context, tx *database.Tx) error {
	if tx.Dialect() != database.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
