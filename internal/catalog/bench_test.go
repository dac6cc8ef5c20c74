package catalog_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/geo"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/opendata/opendatatest"
)

var benchQueries = []string{"carte soleil", "permi de conduir", "driving test", "je déménage", "renouv",
	"assurence maladi", "acte de naissance", "impots", "road test", "vaccin"}

var benchNear = []catalog.NearQuery{
	{Near: "H3A 1B9"}, {Near: "G1V 4M6", ServiceID: "saaq-examen-pratique"}, {Near: "levis"},
	{Near: "45.48,-75.65", ServiceID: "sante-prelevements"}, {Near: "Trois Rivieres"},
	{Near: "J0E", ServiceID: "ramq-carte-renouvellement"}, {Near: "Rimouski", ServiceID: "sante-urgences"},
}

// BenchmarkCatalog measures search and nearest-point queries in-process
// with the real open data imported (≈ 800 service points, 1,130
// municipalities, 421 postal areas), as p50/p99 per query, next to a
// baseline that answers "nearest" from the database on every query (what
// the in-memory snapshot saves).
func BenchmarkCatalog(b *testing.B) {
	db := dbtest.Open(b, database.SQLite)
	c := openDemo(b, db)
	opendatatest.ImportAll(b, db)
	if err := c.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	b.Run("search", func(b *testing.B) {
		measure(b, func(i int) { c.Search(benchQueries[i%len(benchQueries)], i18n.FR, 10) })
	})
	b.Run("nearest", func(b *testing.B) {
		measure(b, func(i int) {
			q := benchNear[i%len(benchNear)]
			q.Limit, q.Now = 10, now
			if _, err := c.Nearest(q); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("baseline-nearest-from-database", func(b *testing.B) {
		ctx := context.Background()
		measure(b, func(i int) {
			q := benchNear[i%len(benchNear)]
			origin, err := c.Gazetteer().Locate(q.Near)
			if err != nil {
				b.Fatal(err)
			}
			var best []float64
			err = db.Read(ctx, func(tx *database.Tx) error {
				rows, err := tx.Query(ctx, `SELECT doc FROM catalog_service_points`)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var doc string
					var p catalog.ServicePoint
					if err := rows.Scan(&doc); err != nil {
						return err
					}
					if err := json.Unmarshal([]byte(doc), &p); err != nil {
						return err
					}
					if q.ServiceID == "" || p.OffersService(q.ServiceID) {
						best = append(best, geo.DistanceKm(origin.Point, geo.Point{Lat: p.Lat, Lon: p.Lon}))
					}
				}
				return rows.Err()
			})
			if err != nil {
				b.Fatal(err)
			}
			slices.Sort(best)
		})
	})
}

// measure runs op b.N times and reports p50 and p99 latency in
// microseconds beside ns/op.
func measure(b *testing.B, op func(i int)) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		op(i)
		d = append(d, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(d[(len(d)*99)/100].Nanoseconds())/1e3, "p99-µs")
}
