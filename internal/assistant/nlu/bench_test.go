package nlu

import (
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// benchMessages are typical messages of both languages, short and long.
var benchMessages = []string{
	"bonjour",
	"ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?",
	"annuler mon rdv RV-7K3M9P svp",
	"c koi les heures du bureau de la SAAQ à Trois-Rivières",
	"I'd like to move my appointment to next Tuesday at 3pm if that's possible",
	"what documents should I bring to renew my driver's licence",
	"ok",
	"quel temps fait-il demain à Québec",
}

var benchModel = sync.OnceValues(New)

// benchPercentiles times f on every message, many times, and reports the
// 50th and 99th percentiles of one call in microseconds.
func benchPercentiles(b *testing.B, f func(string)) {
	b.Helper()
	var ds []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s := benchMessages[i%len(benchMessages)]
		t0 := time.Now()
		f(s)
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(ds)
	if len(ds) > 0 {
		b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(ds[len(ds)*99/100].Nanoseconds())/1e3, "p99-µs")
	}
}

// BenchmarkNormalize is the baseline: only normalizing the text, which
// every classification does first.
func BenchmarkNormalize(b *testing.B) {
	benchPercentiles(b, func(s string) { _ = prepare(s) })
}

// BenchmarkClassify is one intent classification (targets: p50 ≤ 1 ms,
// p99 ≤ 5 ms on one core).
func BenchmarkClassify(b *testing.B) {
	c, err := benchModel()
	if err != nil {
		b.Fatal(err)
	}
	benchPercentiles(b, func(s string) { _ = c.Classify(s) })
}

// BenchmarkDetectLang is one language detection.
func BenchmarkDetectLang(b *testing.B) {
	benchPercentiles(b, func(s string) { _ = DetectLang(s, "") })
}

// BenchmarkTrain is the start-up training (the target is ≤ 2 s), and the
// memory the trained classifier keeps.
func BenchmarkTrain(b *testing.B) {
	var c *Classifier
	for b.Loop() {
		var err error
		if c, err = New(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportMetric(float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc))/(1<<20), "model-MiB")
	b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MiB")
}
