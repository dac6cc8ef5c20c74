package dossier_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/dossier"
)

// BenchmarkOpen measures an agent's read of a file (purpose check, access
// row and audit entry in one transaction, decryption of the allowed fields)
// beside Mine, the citizen's own read of the whole file without an audit
// entry, measured in the same run: the ratio is the cost of accountability.
func BenchmarkOpen(b *testing.B) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d)+"/mine", func(b *testing.B) {
			f := newFixture(b, dbtest.Open(b, d))
			for b.Loop() {
				if _, err := f.svc.Mine(ctx, f.citizen.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(d)+"/open", func(b *testing.B) {
			f := newFixture(b, dbtest.Open(b, d))
			i := 0
			for b.Loop() {
				i++
				if _, err := f.svc.Open(ctx, f.agent, dossier.OpenRequest{Citizen: f.citizen.ID, Purpose: "carte-assurance-maladie",
					Reference: fmt.Sprintf("RV-%06d", i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHistory measures the citizen's "who accessed my file" list with
// a full page of accesses, each with its inclusion proof verified.
func BenchmarkHistory(b *testing.B) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			f := newFixture(b, dbtest.Open(b, d))
			for i := range 3 * dossier.HistoryPage {
				f.now = f.now.Add(time.Second)
				if _, err := f.svc.Open(ctx, f.agent, dossier.OpenRequest{Citizen: f.citizen.ID, Purpose: "carte-assurance-maladie",
					Reference: fmt.Sprintf("RV-%06d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			if _, _, err := f.svc.History(ctx, f.citizen.ID, 0); err != nil { // integrate and sign once
				b.Fatal(err)
			}
			for b.Loop() {
				list, more, err := f.svc.History(ctx, f.citizen.ID, 1)
				if err != nil || len(list) != dossier.HistoryPage || !more || !list[0].Verified {
					b.Fatalf("%v %d", err, len(list))
				}
			}
		})
	}
}
