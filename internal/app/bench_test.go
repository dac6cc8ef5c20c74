package app_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/opendata/opendatatest"
)

// BenchmarkHTTPCatalog measures the catalogue API over HTTP on loopback
// with the real open data imported, as p50/p99 per request, beside the
// /healthz round trip measured in the same run (the floor of any request).
func BenchmarkHTTPCatalog(b *testing.B) {
	r := startTB(b, database.SQLite)
	opendatatest.ImportAll(b, r.DB())
	if err := r.Catalog().Reload(b.Context()); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	run := func(b *testing.B, paths []string) {
		d := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			resp, err := client.Get(r.url + paths[i%len(paths)])
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("%s: %d", paths[i%len(paths)], resp.StatusCode)
			}
			d = append(d, time.Since(start))
		}
		b.StopTimer()
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(d[(len(d)*99)/100].Nanoseconds())/1e3, "p99-µs")
	}
	b.Run("baseline-healthz", func(b *testing.B) { run(b, []string{"/healthz"}) })
	var search, near []string
	for _, q := range []string{"carte soleil", "permi de conduir", "driving test", "je déménage", "renouv"} {
		search = append(search, "/api/v1/services?q="+url.QueryEscape(q))
	}
	for _, q := range []string{"near=H3A+1B9", "near=G1V+4M6&service=saaq-examen-pratique", "near=levis", "near=45.48,-75.65&service=sante-prelevements"} {
		near = append(near, "/api/v1/service-points?"+q)
	}
	b.Run("search", func(b *testing.B) { run(b, search) })
	b.Run("nearest", func(b *testing.B) { run(b, near) })
}
