package catalog

import (
	"sort"
	"time"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/geo"
)

// NearQuery asks for the service points nearest to a place.
type NearQuery struct {
	Near      string    // postal code, FSA, municipality or "lat,lon"
	ServiceID string    // "" for any service
	Limit     int       // default 10, at most 100
	Now       time.Time // for open/closed
}

// Nearby is a service point with its distance and whether it is open.
type Nearby struct {
	Point      ServicePoint
	DistanceKm float64
	Status     Status
}

// NearResult is the answer: where "near" resolved to, and the points.
type NearResult struct {
	Origin geo.Location
	Items  []Nearby
}

// MaxNear is the largest number of points one query returns.
const MaxNear = 100

// Nearest returns the service points offering a service nearest to a place,
// nearest first, with their status at q.Now in their own time zone.
func (c *Catalog) Nearest(q NearQuery) (NearResult, error) {
	s := c.s()
	if q.Limit <= 0 {
		q.Limit = 10
	}
	if q.Limit > MaxNear {
		return NearResult{}, errs.E(errs.Invalid, "catalog.limit_too_large", MaxNear).OnField("limit")
	}
	candidates := s.offering[q.ServiceID]
	if q.ServiceID == "" {
		candidates = make([]int, len(s.points))
		for i := range candidates {
			candidates[i] = i
		}
	} else if _, ok := s.serviceBy[q.ServiceID]; !ok {
		return NearResult{}, errs.E(errs.Invalid, "catalog.unknown_service", q.ServiceID).OnField("service")
	}
	origin, err := s.gaz.Locate(q.Near)
	if err != nil {
		return NearResult{}, err
	}
	type cand struct {
		i int
		d float64
	}
	cs := make([]cand, len(candidates))
	for k, i := range candidates {
		p := s.points[i]
		cs[k] = cand{i, geo.DistanceKm(origin.Point, geo.Point{Lat: p.Lat, Lon: p.Lon})}
	}
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].d != cs[b].d {
			return cs[a].d < cs[b].d
		}
		return s.points[cs[a].i].ID < s.points[cs[b].i].ID
	})
	if len(cs) > q.Limit {
		cs = cs[:q.Limit]
	}
	res := NearResult{Origin: origin, Items: make([]Nearby, len(cs))}
	for k, c := range cs {
		res.Items[k] = Nearby{Point: s.points[c.i], DistanceKm: c.d, Status: s.schedules[c.i].Status(q.Now)}
	}
	return res, nil
}
