package catalog

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/geo"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/search"
)

// Catalog serves the catalogue from an immutable in-memory snapshot of the
// database, so that search and "nearest" answer in microseconds. Every
// write bumps a version in the database; each instance checks it
// periodically and reloads, so several instances stay in step.
type Catalog struct {
	db       *database.DB
	log      *slog.Logger
	snap     atomic.Pointer[snapshot]
	reloadMu sync.Mutex
	onChange []func()
	stop     chan struct{}
	done     chan struct{}
}

// snapshot is one consistent view of the catalogue.
type snapshot struct {
	version   int64
	orgs      map[string]Organization
	services  []Service // by id
	serviceBy map[string]int
	points    []ServicePoint
	pointBy   map[string]int
	schedules []Schedule       // parallel to points
	offering  map[string][]int // service id → point indexes
	index     *search.Index
	gaz       *geo.Gazetteer
	demo      bool
}

// Open loads the catalogue.
func Open(ctx context.Context, db *database.DB, log *slog.Logger) (*Catalog, error) {
	c := &Catalog{db: db, log: log}
	if err := c.Reload(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the catalogue again if its version changed.
func (c *Catalog) Reload(ctx context.Context) error {
	c.reloadMu.Lock()
	defer c.reloadMu.Unlock()
	var cur int64 = -1
	if s := c.snap.Load(); s != nil {
		cur = s.version
	}
	var data contents
	err := c.db.Read(ctx, func(tx *database.Tx) error {
		v, err := Version(ctx, tx)
		if err != nil || v == cur {
			data.version = v
			return err
		}
		data, err = load(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	if data.version == cur {
		return nil
	}
	c.snap.Store(build(data))
	for _, f := range c.onChange {
		f()
	}
	return nil
}

// OnChange registers f to run after each reload that found a new version
// (whoever wrote it: this instance, another one, or an import). Register
// at any time; f runs with the reload lock held, so it must not reload.
func (c *Catalog) OnChange(f func()) {
	c.reloadMu.Lock()
	defer c.reloadMu.Unlock()
	c.onChange = append(c.onChange, f)
}

// Start checks for changes made by other instances every interval.
func (c *Catalog) Start(interval time.Duration) {
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(c.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if err := c.Reload(ctx); err != nil {
					c.log.Warn("catalogue reload failed", "err", err)
				}
				cancel()
			}
		}
	}()
}

// Close stops the background reload.
func (c *Catalog) Close() {
	if c.stop != nil {
		close(c.stop)
		<-c.done
		c.stop = nil
	}
}

func build(d contents) *snapshot {
	s := &snapshot{
		version: d.version, orgs: map[string]Organization{}, serviceBy: map[string]int{},
		pointBy: map[string]int{}, offering: map[string][]int{},
		gaz: geo.NewGazetteer(d.munis, d.fsas),
	}
	for _, o := range d.orgs {
		s.orgs[o.ID] = o
	}
	s.services = d.services
	docs := make([]search.Doc, len(d.services))
	for i, sv := range d.services {
		s.serviceBy[sv.ID] = i
		docs[i] = serviceDoc(sv, s.orgs[sv.OrganizationID])
	}
	s.index = search.New(docs)
	s.points = d.points
	s.schedules = make([]Schedule, len(d.points))
	for i, p := range d.points {
		s.pointBy[p.ID] = i
		s.schedules[i] = NewSchedule(p, s.orgs[p.OrganizationID].HolidayRules)
		for _, o := range p.Offers {
			s.offering[o.ServiceID] = append(s.offering[o.ServiceID], i)
		}
		if p.Source == "demo" {
			s.demo = true
		}
	}
	return s
}

// serviceDoc is what search indexes of a service.
func serviceDoc(s Service, o Organization) search.Doc {
	fields := func(l i18n.Lang, kw []string) []search.Field {
		return []search.Field{
			{Text: s.Name.In(l), Weight: 3},
			{Text: strings.Join(kw, " "), Weight: 2},
			{Text: o.Name.In(l) + " " + o.Acronym, Weight: 1},
			{Text: s.Summary.In(l), Weight: 1},
		}
	}
	return search.Doc{
		ID: s.ID,
		FR: fields(i18n.FR, s.Keywords.FR), EN: fields(i18n.EN, s.Keywords.EN),
		SynonymsFR: s.Synonyms.FR, SynonymsEN: s.Synonyms.EN,
	}
}

func (c *Catalog) s() *snapshot { return c.snap.Load() }

// Demo tells whether the catalogue holds demonstration data.
func (c *Catalog) Demo() bool { return c.s().demo }

// Services lists every service, sorted by name in lang.
func (c *Catalog) Services(l i18n.Lang) []Service {
	out := append([]Service(nil), c.s().services...)
	sort.Slice(out, func(i, j int) bool { return search.Fold(out[i].Name.In(l)) < search.Fold(out[j].Name.In(l)) })
	return out
}

// Search finds services by free text, best first; an empty query lists all.
func (c *Catalog) Search(q string, l i18n.Lang, limit int) []Service {
	s := c.s()
	if strings.TrimSpace(q) == "" {
		all := c.Services(l)
		if limit > 0 && len(all) > limit {
			all = all[:limit]
		}
		return all
	}
	hits := s.index.Search(q, string(l), limit)
	out := make([]Service, 0, len(hits))
	for _, h := range hits {
		out = append(out, s.services[s.serviceBy[h.ID]])
	}
	return out
}

// Service returns a service by id.
func (c *Catalog) Service(id string) (Service, error) {
	s := c.s()
	i, ok := s.serviceBy[id]
	if !ok {
		return Service{}, errs.E(errs.NotFound, "catalog.service_not_found", id)
	}
	return s.services[i], nil
}

// Organization returns an organization by id.
func (c *Catalog) Organization(id string) (Organization, error) {
	o, ok := c.s().orgs[id]
	if !ok {
		return Organization{}, errs.E(errs.NotFound, "error.not_found")
	}
	return o, nil
}

// Point returns a service point and its schedule.
func (c *Catalog) Point(id string) (ServicePoint, Schedule, error) {
	s := c.s()
	i, ok := s.pointBy[id]
	if !ok {
		return ServicePoint{}, Schedule{}, errs.E(errs.NotFound, "catalog.point_not_found", id)
	}
	return s.points[i], s.schedules[i], nil
}

// Organizations lists the organizations, by French name.
func (c *Catalog) Organizations() []Organization {
	s := c.s()
	out := make([]Organization, 0, len(s.orgs))
	for _, o := range s.orgs {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Organization) int { return strings.Compare(a.Name.FR, b.Name.FR) })
	return out
}

// PointsOf lists an organization's service points, by name.
func (c *Catalog) PointsOf(orgID string) []ServicePoint {
	var out []ServicePoint
	for _, p := range c.s().points {
		if p.OrganizationID == orgID {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b ServicePoint) int { return strings.Compare(a.Name.FR, b.Name.FR) })
	return out
}

// Gazetteer gives the known municipalities and postal areas.
func (c *Catalog) Gazetteer() *geo.Gazetteer { return c.s().gaz }

// Counts tells how many services and points the catalogue holds.
func (c *Catalog) Counts() (services, points int) {
	s := c.s()
	return len(s.services), len(s.points)
}

// FirstPointID is the id of a service point, preferring demonstration
// points ("" for an empty catalogue): an example for tests and docs.
func (c *Catalog) FirstPointID() string {
	s := c.s()
	for _, p := range s.points {
		if p.Source == "demo" {
			return p.ID
		}
	}
	if len(s.points) > 0 {
		return s.points[0].ID
	}
	return ""
}
