package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// BenchmarkAppend compares durable appends by 64 concurrent writers: one
// transaction per entry (the baseline) against the Log's group commit.
func BenchmarkAppend(b *testing.B) {
	const writers = 64
	ctx := context.Background()
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			b.Run("baseline-one-tx-per-entry", func(b *testing.B) {
				db := dbtest.Open(b, d)
				concurrently(b, writers, func(i int) error {
					return db.Write(ctx, func(tx *database.Tx) error {
						_, err := audit.AppendTx(ctx, tx, entry(i))
						return err
					})
				})
			})
			b.Run("group-commit", func(b *testing.B) {
				db := dbtest.Open(b, d)
				l, _ := newLog(b, db)
				l.Start(ctx)
				concurrently(b, writers, func(i int) error {
					_, err := l.Append(ctx, entry(i))
					return err
				})
				b.StopTimer()
				if err := l.Close(ctx); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// concurrently runs b.N calls of fn split among writers goroutines and
// reports the rate as appends/s.
func concurrently(b *testing.B, writers int, fn func(i int) error) {
	b.Helper()
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < b.N; i += writers {
				if err := fn(i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
}

// BenchmarkVerifyInclusion measures offline proof verification (signature,
// record hash and Merkle path) in a tree of 10,000 entries.
func BenchmarkVerifyInclusion(b *testing.B) {
	ctx := context.Background()
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			db := dbtest.Open(b, d)
			l, v := newLog(b, db)
			for i := 0; i < 10_000; i += 2000 {
				appendTx(b, db, l, i, 2000)
			}
			if _, err := l.Checkpoint(ctx); err != nil {
				b.Fatal(err)
			}
			var proofs []audit.InclusionProof
			for seq := int64(0); seq < 10_000; seq += 997 {
				p, err := l.InclusionProof(ctx, seq, 0)
				if err != nil {
					b.Fatal(err)
				}
				proofs = append(proofs, p)
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := audit.VerifyInclusion(proofs[i%len(proofs)], nil, v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "verifications/s")
		})
	}
}

// BenchmarkVerify measures the offline verification of a whole log of
// 100,000 entries with a checkpoint every 10,000.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	const size = 100_000
	for _, d := range dbtest.Dialects(b) {
		b.Run(fmt.Sprintf("%s/%d-entries", d, size), func(b *testing.B) {
			db := dbtest.Open(b, d)
			l, v := newLog(b, db)
			for i := 0; i < size; i += 5000 {
				appendTx(b, db, l, i, 5000)
				if (i+5000)%10_000 == 0 {
					if _, err := l.Checkpoint(ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rep, err := audit.Verify(ctx, db, v)
				if err != nil || rep.Entries != size || rep.Checkpoints != 10 {
					b.Fatalf("Verify = %+v, %v", rep, err)
				}
			}
			b.ReportMetric(float64(size*b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
