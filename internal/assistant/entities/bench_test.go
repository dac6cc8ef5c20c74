package entities

import (
	"sort"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/search"
)

var benchUtterances = []string{
	"ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?",
	"I need a road test in Sherbrooke next Tuesday at 3pm",
	"le 17 décembre vers 10 h 15",
	"annuler mon rendez-vous RV-4H2K9M svp",
	"mon code postal est H2X 1Y4",
	"bonjour",
	"permi de conduir à st-jean-sur-richelieu après-demain matin",
	"can I come in tomorrow at 9?",
	"je voudrais changer d'adresse, je déménage à Trois Rivieres le 1er juillet",
	"what documents do I need for a birth certificate",
}

// BenchmarkNormalize is the baseline: only folding and splitting each
// utterance, as any matcher must.
func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = search.Normalize(benchUtterances[i%len(benchUtterances)])
	}
}

// BenchmarkExtract measures one utterance with the demo catalogue and the
// 1,130 municipalities, and reports p50 and p99 latencies.
func BenchmarkExtract(b *testing.B) {
	e := extractor(b)
	lat := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		_ = e.Extract(benchUtterances[i%len(benchUtterances)], "fr", refNow)
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t0))
		}
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
}

// BenchmarkNew measures building the Extractor (target < 50 ms).
func BenchmarkNew(b *testing.B) {
	svc, mun := loadFixture(b)
	for b.Loop() {
		_ = New(svc, mun)
	}
}
