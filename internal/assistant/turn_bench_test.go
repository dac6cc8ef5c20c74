package assistant

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/catalog/demo"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

var turnMessages = []string{
	"bonjour", "ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?",
	"quels documents pour renouveler mon permis de conduire", "c'est où le bureau le plus proche de Lévis",
	"the road test, where can I take it?", "merci beaucoup", "je veux parler à quelqu'un",
	"what time does the Sherbrooke office close", "quel temps fait-il demain", "I need to register a business",
}

// BenchmarkTurn measures one turn — understanding and dialogue — on a
// state held in memory (no conversation storage; the booking message reads
// availability), beside parsing alone in the same run. It reports p50 and
// p99 per turn.
func BenchmarkTurn(b *testing.B) {
	cat, err := DemoCatalog()
	if err != nil {
		b.Fatal(err)
	}
	p, err := NewParser(cat)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db := dbtest.Open(b, database.SQLite) // the catalogue loads from it once
	if err := db.Write(ctx, func(tx *database.Tx) error { return demo.Install(ctx, tx) }); err != nil {
		b.Fatal(err)
	}
	c, err := catalog.Open(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	book := booking.New(db, c, booking.NewTokens(make([]byte, 32)), booking.Options{Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer book.Close()
	e := dialogue.New(nil, c, book, p, dialogue.Options{Now: func() time.Time { return now }})
	b.Run("baseline-parse-only", func(b *testing.B) {
		measureTurns(b, func(i int) { p.Parse(turnMessages[i%len(turnMessages)], "fr", now) })
	})
	b.Run("turn", func(b *testing.B) {
		measureTurns(b, func(i int) {
			st := dialogue.State{Lang: "fr"}
			e.Respond(ctx, &st, dialogue.Input{Text: turnMessages[i%len(turnMessages)]})
		})
	})
}

func measureTurns(b *testing.B, op func(int)) {
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		op(i)
		d = append(d, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
}
