package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
)

// fixture names the records the benchmark books against.
type fixture struct {
	org, service          string
	spreadPoint, hotPoint string
}

// benchFixture is one organization, one service of 15 minutes, and two
// points open every day from 00:00 to 23:59, holidays included: "spread"
// with SpreadCounters counters (thousands of slots of large capacity) and
// "hot" with HotCapacity counters (slots of capacity HotCapacity).
var benchFixture = fixture{org: "bench", service: "bench-service", spreadPoint: "bench-spread", hotPoint: "bench-hot"}

// writeFixture writes the fixture through the catalogue store (an unchanged
// record is left alone, so a second run on the same database is fine).
func writeFixture(ctx context.Context, db *database.DB) (fixture, error) {
	fx := benchFixture
	var hours [7][]catalog.Interval
	for d := range hours {
		hours[d] = []catalog.Interval{{Open: "00:00", Close: "23:59"}}
	}
	point := func(id, name string, counters int) catalog.ServicePoint {
		return catalog.ServicePoint{ID: id, OrganizationID: fx.org, Name: catalog.Text{FR: name, EN: name},
			Address: "1, rue de l'Essai", Municipality: "Québec", PostalCode: "G1R 4S9", Lat: 46.81, Lon: -71.21,
			Precision: catalog.PrecisionApproximate, TimeZone: "America/Toronto", Hours: hours, Holidays: "none",
			Offers: []catalog.Offer{{ServiceID: fx.service, Counters: counters}}, Source: "bench"}
	}
	err := db.Write(ctx, func(tx *database.Tx) error {
		if _, err := catalog.UpsertOrganizations(ctx, tx, []catalog.Organization{{ID: fx.org,
			Name: catalog.Text{FR: "Banc d'essai", EN: "Benchmark"}}}); err != nil {
			return err
		}
		if _, err := catalog.UpsertServices(ctx, tx, []catalog.Service{{ID: fx.service, OrganizationID: fx.org,
			Name: catalog.Text{FR: "Rendez-vous d'essai", EN: "Benchmark appointment"}, AppointmentRequired: true,
			DurationMinutes: 15, InPerson: catalog.Channel{Available: true}}}); err != nil {
			return err
		}
		_, err := catalog.UpsertServicePoints(ctx, tx, []catalog.ServicePoint{
			point(fx.spreadPoint, "Point d'essai (réparti)", SpreadCounters),
			point(fx.hotPoint, "Point d'essai (créneau chaud)", HotCapacity),
		})
		return err
	})
	return fx, err
}

// waitForFixture waits until the server knows the fixture: at once for the
// in-process server (its catalogue is reloaded here, by the periodic check
// otherwise, every 5 s).
func waitForFixture(ctx context.Context, c *http.Client, base string, remote bool) error {
	limit := 2 * time.Second
	if remote {
		limit = 30 * time.Second
	}
	deadline := time.Now().Add(limit)
	for {
		status, err := getStatus(ctx, c, base+"/api/v1/service-points/"+benchFixture.hotPoint)
		if err == nil && status == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("server %s: %w", base, err)
			}
			return fmt.Errorf("server %s does not know the bench fixture after %s (status %d); is --db the server's database?", base, limit, status)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func getStatus(ctx context.Context, c *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// slot is a bookable start as the availability API writes it.
type slot struct {
	Start     string `json:"start"`
	Remaining int    `json:"remaining"`
}

// fetchSlots lists the point's bookable slots over the booking horizon
// from the availability API (31 days per query), keeping those with at
// least minLeft places left (exactly minLeft = all of them, for the hot
// point: a slot nobody has touched).
func fetchSlots(ctx context.Context, c *http.Client, base, point string, untouched int) ([]slot, error) {
	var out []slot
	from := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Minute)
	for range 2 {
		to := from.Add(30 * 24 * time.Hour)
		q := url.Values{"service": {benchFixture.service}, "from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
		u := base + "/api/v1/service-points/" + point + "/availability?" + q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		var body struct{ Slots []slot }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return nil, fmt.Errorf("availability of %s: status %d, %v", point, resp.StatusCode, err)
		}
		for _, s := range body.Slots {
			if untouched == 0 || s.Remaining == untouched {
				out = append(out, s)
			}
		}
		from = to
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("availability of %s: no slot", point)
	}
	return out, nil
}
