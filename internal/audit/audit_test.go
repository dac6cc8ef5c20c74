package audit_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
)

func TestEncodeEntry(t *testing.T) {
	e := audit.Entry{
		ID: 99, Seq: 5, // not encoded
		Time:         time.Date(2025, 3, 4, 10, 16, 17, 120000000, time.FixedZone("EST", -5*3600)),
		Actor:        "agent:a-123",
		Organization: "ramq",
		Action:       "dossier.read",
		Object:       "dossier:4567",
		Purpose:      "line one\nline two",
	}
	want := "guichet-audit-entry v1\n" +
		"time 30:2025-03-04T15:16:17.120000000Z\n" +
		"actor 11:agent:a-123\n" +
		"organization 4:ramq\n" +
		"action 12:dossier.read\n" +
		"object 12:dossier:4567\n" +
		"purpose 17:line one\nline two\n" +
		"details 0:\n"
	if got := string(audit.EncodeEntry(e)); got != want {
		t.Fatalf("EncodeEntry =\n%s\nwant\n%s", got, want)
	}
	// Moving bytes from one field to the next changes the encoding.
	a, b := e, e
	a.Actor, a.Organization = "ab", "c"
	b.Actor, b.Organization = "a", "bc"
	if audit.RecordHash(a) == audit.RecordHash(b) {
		t.Fatal("field boundaries are not encoded")
	}
}

func TestDetailsHash(t *testing.T) {
	tests := []struct {
		name    string
		details any
		want    string
	}{
		{"nil", nil, ""},
		{"typed nil", (*struct{})(nil), ""},
		{"empty object", map[string]any{}, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
		{"keys sorted", map[string]int{"b": 2, "a": 1}, audit.DetailsHash(map[string]int{"a": 1, "b": 2})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := audit.DetailsHash(tt.details); got != tt.want {
				t.Fatalf("DetailsHash = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAppendValidation(t *testing.T) {
	db := dbtest.Open(t, database.SQLite)
	l, _ := newLog(t, db)
	ctx := context.Background()
	tests := []struct {
		name  string
		edit  func(*audit.Entry)
		field string
	}{
		{"no actor", func(e *audit.Entry) { e.Actor = " " }, "actor"},
		{"no action", func(e *audit.Entry) { e.Action = "" }, "action"},
		{"invalid UTF-8", func(e *audit.Entry) { e.Object = "\xff" }, "object"},
		{"NUL", func(e *audit.Entry) { e.Purpose = "a\x00b" }, "purpose"},
		{"bad details hash", func(e *audit.Entry) { e.DetailsHash = "xyz" }, "details_hash"},
		{"time out of range", func(e *audit.Entry) { e.Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }, "time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := entry(1)
			tt.edit(&e)
			err := db.Write(ctx, func(tx *database.Tx) error {
				_, err := l.AppendTx(ctx, tx, e)
				return err
			})
			var coded *errs.Error
			if !errors.As(err, &coded) || coded.Code != errs.Invalid || coded.Key != "audit.invalid_entry" || coded.Field != tt.field {
				t.Fatalf("err = %v, want invalid audit.invalid_entry on %s", err, tt.field)
			}
		})
	}
}

func TestLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()

		t.Run("append, integrate, checkpoint and prove", func(t *testing.T) {
			db := dbtest.Open(t, db.Dialect)
			l, v := newLog(t, db)
			ids := appendTx(t, db, l, 0, 10)
			pending, err := l.EntryByID(ctx, ids[3])
			if err != nil || pending.Seq != -1 {
				t.Fatalf("pending entry: %+v, %v", pending, err)
			}
			if n, err := l.Integrate(ctx); n != 10 || err != nil {
				t.Fatalf("Integrate = %d, %v; want 10", n, err)
			}
			c1, err := l.Checkpoint(ctx)
			if err != nil || c1.TreeSize != 10 {
				t.Fatalf("Checkpoint = %+v, %v", c1, err)
			}
			got, err := l.EntryByID(ctx, ids[3])
			if err != nil {
				t.Fatal(err)
			}
			want := entry(3)
			if got.Seq != 3 || got.Actor != want.Actor || got.Object != want.Object || got.DetailsHash != want.DetailsHash ||
				got.Time.Location() != time.UTC || got.Time.Nanosecond()%1000 == 0 {
				t.Fatalf("entry 3 = %+v", got)
			}

			p, err := l.InclusionProof(ctx, 3, 10)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.VerifyInclusion(p, nil, v); err != nil {
				t.Fatalf("VerifyInclusion: %v", err)
			}
			if err := audit.VerifyInclusion(p, []byte(c1.Note), v); err != nil {
				t.Fatalf("VerifyInclusion with the checkpoint: %v", err)
			}
			changed := p
			changed.Entry.Purpose = "curiosité"
			if err := audit.VerifyInclusion(changed, nil, v); !errs.Is(err, errs.Invalid) {
				t.Fatalf("changed entry verified: %v", err)
			}
			_, other := newKey(t)
			if err := audit.VerifyInclusion(p, nil, other); !errs.Is(err, errs.Invalid) {
				t.Fatalf("proof verified with another key: %v", err)
			}

			appendTx(t, db, l, 10, 7)
			c2, err := l.Checkpoint(ctx)
			if err != nil || c2.TreeSize != 17 {
				t.Fatalf("Checkpoint = %+v, %v", c2, err)
			}
			if again, err := l.Checkpoint(ctx); err != nil || again.TreeSize != 17 || again.Note != c2.Note {
				t.Fatalf("Checkpoint without growth = %+v, %v; want the same", again, err)
			}
			tp, err := l.ConsistencyProof(ctx, 10, 17)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckTree(tp, 17, c2.RootHash, 10, c1.RootHash); err != nil {
				t.Fatalf("CheckTree: %v", err)
			}
			latest, err := l.Latest(ctx)
			if err != nil || latest.TreeSize != 17 || !latest.SignedAt.Equal(c2.SignedAt) {
				t.Fatalf("Latest = %+v, %v", latest, err)
			}
			// The latest checkpoint's proof, old entries included.
			p, err = l.InclusionProof(ctx, 0, 0)
			if err != nil || p.TreeSize != 17 {
				t.Fatalf("InclusionProof(0, latest) = %+v, %v", p, err)
			}
			if err := audit.VerifyInclusion(p, nil, v); err != nil {
				t.Fatal(err)
			}
			for _, bad := range [][2]int64{{17, 17}, {-1, 17}, {0, 18}} {
				if _, err := l.InclusionProof(ctx, bad[0], bad[1]); !errs.Is(err, errs.Invalid) {
					t.Errorf("InclusionProof(%d, %d): %v, want invalid", bad[0], bad[1], err)
				}
			}
			rep, err := audit.Verify(ctx, db, v)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if rep.Entries != 17 || rep.Checkpoints != 2 || rep.Pending != 0 || rep.Latest != 17 || rep.RootHash != c2.RootHash {
				t.Fatalf("report = %+v", rep)
			}
		})

		t.Run("time round-trips exactly", func(t *testing.T) {
			db := dbtest.Open(t, db.Dialect)
			l, _ := newLog(t, db)
			e := entry(1)
			e.Time = time.Date(2031, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", 3600))
			var id int64
			err := db.Write(ctx, func(tx *database.Tx) error {
				var err error
				id, err = audit.AppendTx(ctx, tx, e)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := l.EntryByID(ctx, id)
			if err != nil || !got.Time.Equal(e.Time) || got.Time.Location() != time.UTC {
				t.Fatalf("time = %v, %v; want %v in UTC", got.Time, err, e.Time)
			}
		})

		t.Run("AppendTx in a rolled-back transaction leaves nothing", func(t *testing.T) {
			db := dbtest.Open(t, db.Dialect)
			l, v := newLog(t, db)
			boom := errors.New("boom")
			err := db.Write(ctx, func(tx *database.Tx) error {
				if _, err := audit.AppendTx(ctx, tx, entry(1)); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			if n, err := l.Integrate(ctx); n != 0 || err != nil {
				t.Fatalf("Integrate = %d, %v; want 0", n, err)
			}
			if _, err := l.Checkpoint(ctx); !errs.Is(err, errs.NotFound) {
				t.Fatalf("Checkpoint of an empty log: %v, want not found", err)
			}
			rep, err := audit.Verify(ctx, db, v)
			if err != nil || rep.Entries != 0 || rep.Checkpoints != 0 || rep.Pending != 0 || rep.Latest != 0 {
				t.Fatalf("Verify = %+v, %v; want an empty report", rep, err)
			}
		})

		t.Run("concurrent appends are all integrated", func(t *testing.T) {
			db := dbtest.Open(t, db.Dialect)
			l, v := newLog(t, db)
			l.Start(ctx)
			const workers, each = 50, 40
			ids := make(chan int64, workers*each)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						id, err := l.Append(ctx, entry(w*each+i))
						if err != nil {
							t.Error(err)
							return
						}
						ids <- id
					}
				}()
			}
			wg.Wait()
			close(ids)
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Append(ctx, entry(0)); !errs.Is(err, errs.Unavailable) {
				t.Fatalf("Append after Close: %v, want unavailable", err)
			}
			seen := map[int64]bool{}
			for id := range ids {
				if seen[id] {
					t.Fatalf("id %d acknowledged twice", id)
				}
				seen[id] = true
			}
			seqs := map[int64]bool{}
			for id := range seen {
				e, err := l.EntryByID(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if e.Seq < 0 || e.Seq >= workers*each || seqs[e.Seq] {
					t.Fatalf("entry id %d has seq %d", id, e.Seq)
				}
				seqs[e.Seq] = true
			}
			if len(seqs) != workers*each {
				t.Fatalf("%d entries, want %d", len(seqs), workers*each)
			}
			c, err := l.Latest(ctx)
			if err != nil || c.TreeSize != workers*each {
				t.Fatalf("final checkpoint = %+v, %v", c, err)
			}
			rep, err := audit.Verify(ctx, db, v)
			if err != nil || rep.Entries != workers*each {
				t.Fatalf("Verify = %+v, %v", rep, err)
			}
		})

		t.Run("Append needs a started log and a live context", func(t *testing.T) {
			db := dbtest.Open(t, db.Dialect)
			l, _ := newLog(t, db)
			if _, err := l.Append(ctx, entry(1)); !errs.Is(err, errs.Unavailable) {
				t.Fatalf("Append before Start: %v, want unavailable", err)
			}
			l.Start(ctx)
			defer l.Close(ctx)
			if _, err := l.Append(ctx, audit.Entry{Actor: "x"}); !errs.Is(err, errs.Invalid) {
				t.Fatalf("Append without action: %v, want invalid", err)
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := l.Append(cancelled, entry(1)); !errors.Is(err, context.Canceled) {
				t.Fatalf("Append with a cancelled context: %v", err)
			}
		})
	})
}

func TestVerifyNamesTheFirstBadEntry(t *testing.T) {
	ctx := context.Background()
	type fixture struct {
		db  *database.DB
		log *audit.Log
		v   note.Verifier
		ids []int64 // ids[seq]
	}
	// 34 entries: checkpoints at 10, 20 and 30, then 4 integrated entries
	// not yet covered by a checkpoint.
	build := func(t *testing.T, d database.Dialect) fixture {
		db := dbtest.Open(t, d)
		l, v := newLog(t, db)
		var ids []int64
		for _, n := range []int{10, 10, 10} {
			ids = append(ids, appendTx(t, db, l, len(ids), n)...)
			if _, err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, appendTx(t, db, l, len(ids), 4)...)
		if _, err := l.Integrate(ctx); err != nil {
			t.Fatal(err)
		}
		return fixture{db, l, v, ids}
	}
	tests := []struct {
		name   string
		tamper func(t *testing.T, f fixture)
		want   string // "" when the log must verify
		seq    int64
	}{
		{"untouched", func(*testing.T, fixture) {}, "", -1},
		{"field edited", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `UPDATE audit_entries SET purpose = 'curiosité' WHERE seq = 12`)
		}, "entry 12 (id %d) was changed: its hash does not match the log", 12},
		{"time edited", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `UPDATE audit_entries SET time_ns = time_ns + 1 WHERE seq = 5`)
		}, "entry 5 (id %d) was changed", 5},
		{"entry deleted", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `DELETE FROM audit_entries WHERE seq = 12`)
		}, "entry 12 is missing", 12},
		{"entries swapped", func(t *testing.T, f fixture) {
			swap(t, f.db, 7, 15)
		}, "entry 7 (id %d) was changed", 7},
		{"last entry deleted", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `DELETE FROM audit_entries WHERE seq = 33`)
		}, "entry 33 is missing: the log holds its tree hashes but not the entry", 33},
		{"entries deleted back into a checkpoint", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `DELETE FROM audit_entries WHERE seq >= 29`)
			execSQL(t, f.db, `DELETE FROM audit_hashes WHERE id >= ?`, tlog.StoredHashIndex(0, 29))
		}, "entry 29 is missing: the checkpoint of size 30 includes it", 29},
		{"stored leaf hash edited", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `UPDATE audit_hashes SET hash = ? WHERE id = ?`, make([]byte, 32), tlog.StoredHashIndex(0, 12))
		}, "entry 12 (id %d) was changed", 12},
		{"stored inner hash edited", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `UPDATE audit_hashes SET hash = ? WHERE id = ?`, make([]byte, 32), tlog.StoredHashIndex(1, 6))
		}, "the stored tree hashes of entry 13 (id %d) were changed", 13},
		{"entry rewritten and tree rebuilt", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 12`)
			execSQL(t, f.db, `DELETE FROM audit_hashes`)
			execSQL(t, f.db, `UPDATE audit_entries SET seq = NULL`)
			if n, err := f.log.Integrate(ctx); err != nil || n != 34 {
				t.Fatalf("re-integrate: %d, %v", n, err)
			}
		}, "checkpoint of size 20 does not match the entries: an entry before 20 was changed, removed or reordered", -1},
		{"checkpoint note edited", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `UPDATE audit_checkpoints SET note = REPLACE(note, '20', '21') WHERE tree_size = 20`)
		}, "checkpoint 2 (size 20) has an invalid signature", -1},
		{"checkpoint root edited", func(t *testing.T, f fixture) {
			execSQL(t, f.db, `UPDATE audit_checkpoints SET root_hash = ? WHERE tree_size = 20`, make([]byte, 32))
		}, "checkpoint 2 (size 20) was changed", -1},
		{"checkpoint signed by another key", func(t *testing.T, f fixture) {
			s, _ := newKey(t)
			if _, err := audit.New(f.db, s, audit.Options{Logger: quiet}).Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}, "checkpoint 4 (size 34) has an invalid signature", -1},
	}
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					f := build(t, d)
					tt.tamper(t, f)
					rep, err := audit.Verify(ctx, f.db, f.v)
					if tt.want == "" {
						if err != nil || rep.Entries != 34 || rep.Checkpoints != 3 || rep.Latest != 30 {
							t.Fatalf("Verify = %+v, %v; want 34 entries, 3 checkpoints", rep, err)
						}
						return
					}
					want := tt.want
					if strings.Contains(want, "%d") {
						want = strings.Replace(want, "%d", itoa(f.ids[tt.seq]), 1)
					}
					var ve *audit.VerifyError
					if !errors.As(err, &ve) || !strings.HasPrefix(err.Error(), want) {
						t.Fatalf("Verify error = %v\nwant it to start with %q", err, want)
					}
					if ve.Seq != tt.seq {
						t.Fatalf("VerifyError.Seq = %d, want %d", ve.Seq, tt.seq)
					}
				})
			}
		})
	}
}

// swap exchanges the contents of the entries at seq j and k, keeping their
// ids and positions: a reordering.
func swap(t *testing.T, db *database.DB, j, k int64) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *database.Tx) error {
		const cols = `time_ns, actor, organization, action, object, purpose, details_hash`
		var rows [2][7]any
		for i, seq := range []int64{j, k} {
			var ns int64
			var a, o, ac, ob, p, d string
			if err := tx.QueryRow(ctx, `SELECT `+cols+` FROM audit_entries WHERE seq = ?`, seq).Scan(&ns, &a, &o, &ac, &ob, &p, &d); err != nil {
				return err
			}
			rows[i] = [7]any{ns, a, o, ac, ob, p, d}
		}
		for i, seq := range []int64{j, k} {
			r := rows[1-i]
			if _, err := tx.Exec(ctx, `UPDATE audit_entries SET time_ns = ?, actor = ?, organization = ?, action = ?, object = ?, purpose = ?, details_hash = ? WHERE seq = ?`,
				r[0], r[1], r[2], r[3], r[4], r[5], r[6], seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Two instances sharing one database append, integrate and sign at the same
// time: the log stays one consistent tree.
func TestTwoInstancesShareTheLog(t *testing.T) {
	ctx := context.Background()
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			dsn := dbtest.DSN(t, d)
			s, v := newKey(t)
			var logs []*audit.Log
			for range 2 {
				db, err := database.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				l := audit.New(db, s, audit.Options{Logger: quiet, IntegrateBatch: 16, CheckpointInterval: time.Millisecond, IntegrateInterval: time.Millisecond})
				l.Start(ctx)
				logs = append(logs, l)
			}
			var wg sync.WaitGroup
			for w := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 25 {
						if _, err := logs[w%2].Append(ctx, entry(w*25+i)); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			for _, l := range logs {
				if err := l.Close(ctx); err != nil {
					t.Fatal(err)
				}
			}
			db, err := database.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rep, err := audit.Verify(ctx, db, v)
			if err != nil || rep.Entries != 500 || rep.Latest != 500 || rep.Pending != 0 {
				t.Fatalf("Verify = %+v, %v; want 500 entries all signed", rep, err)
			}
		})
	}
}
