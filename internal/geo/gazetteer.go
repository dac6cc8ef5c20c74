package geo

import (
	"sort"
	"strings"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/search"
)

// Municipality is a town as published in the MAMH directory.
type Municipality struct {
	Code       string `json:"code"` // MAMH geographic code
	Name       string `json:"name"` // canonical name, with accents
	Region     string `json:"region,omitempty"`
	Population int    `json:"population,omitempty"`
	Point
	// Precision of the point: town centre, or rough.
	Precision string `json:"precision,omitempty"`
}

// FSA is a forward sortation area with its centroid.
type FSA struct {
	Code  string `json:"code"`
	Place string `json:"place,omitempty"`
	Point
}

// Location is where a "near" query resolved to.
type Location struct {
	Point
	Kind        string `json:"kind"`  // coordinates, postal_code, fsa, municipality
	Label       string `json:"label"` // what to show: "H3A 1B9", "Lévis", …
	Approximate bool   `json:"approximate"`
}

// Gazetteer answers "where is this?" from the municipalities and postal
// areas known to the platform. It is immutable once built.
type Gazetteer struct {
	byKey map[string]Municipality // folded name → municipality
	keys  []string                // sorted folded names, for suggestions
	fsas  map[string]FSA
}

// NewGazetteer indexes municipalities and FSAs. When two municipalities
// share a name, the more populous one answers the name.
func NewGazetteer(munis []Municipality, fsas []FSA) *Gazetteer {
	g := &Gazetteer{byKey: map[string]Municipality{}, fsas: map[string]FSA{}}
	for _, m := range munis {
		k := search.Normalize(m.Name)
		if old, ok := g.byKey[k]; ok && old.Population >= m.Population {
			continue
		}
		g.byKey[k] = m
	}
	for k := range g.byKey {
		g.keys = append(g.keys, k)
	}
	sort.Strings(g.keys)
	for _, f := range fsas {
		g.fsas[f.Code] = f
	}
	return g
}

// Municipality finds a town by name in any case, with or without accents,
// hyphens or spaces.
func (g *Gazetteer) Municipality(name string) (Municipality, bool) {
	m, ok := g.byKey[search.Normalize(name)]
	return m, ok
}

// FSA returns a postal area.
func (g *Gazetteer) FSA(code string) (FSA, bool) {
	f, ok := g.fsas[code]
	return f, ok
}

// Counts tells how many municipalities and postal areas are known.
func (g *Gazetteer) Counts() (municipalities, fsas int) { return len(g.byKey), len(g.fsas) }

// Locate resolves a "near" value: "lat,lon", a full postal code (its area's
// centroid, approximate), an FSA, or a municipality name. An unknown place
// is an errs.Invalid error whose message suggests close spellings.
func (g *Gazetteer) Locate(near string) (Location, error) {
	near = strings.TrimSpace(near)
	if near == "" {
		return Location{}, errs.E(errs.Invalid, "geo.near_required").OnField("near")
	}
	if p, ok := ParseLatLon(near); ok {
		return Location{Point: p, Kind: "coordinates", Label: near}, nil
	}
	if pc, ok := ParsePostalCode(near); ok {
		f, ok := g.fsas[pc[:3]]
		if !ok {
			return Location{}, errs.E(errs.Invalid, "geo.unknown_postal_area", pc, pc[:3]).OnField("near")
		}
		return Location{Point: f.Point, Kind: "postal_code", Label: pc, Approximate: true}, nil
	}
	if fsa, ok := ParseFSA(near); ok {
		if f, ok := g.fsas[fsa]; ok {
			return Location{Point: f.Point, Kind: "fsa", Label: fsa, Approximate: true}, nil
		}
		return Location{}, errs.E(errs.Invalid, "geo.unknown_fsa", fsa).OnField("near")
	}
	if m, ok := g.Municipality(near); ok {
		return Location{Point: m.Point, Kind: "municipality", Label: m.Name, Approximate: true}, nil
	}
	if s := g.Suggest(near, 3); len(s) > 0 {
		return Location{}, errs.E(errs.Invalid, "geo.unknown_place_suggest", near, strings.Join(s, ", ")).OnField("near")
	}
	return Location{}, errs.E(errs.Invalid, "geo.unknown_place", near).OnField("near")
}

// Suggest returns up to n municipality names close to what was typed:
// within a few typos, or starting with it.
func (g *Gazetteer) Suggest(typed string, n int) []string {
	q := search.Normalize(typed)
	if q == "" {
		return nil
	}
	type cand struct {
		name string
		d    int
		pop  int
	}
	var cs []cand
	limit := 1 + len(q)/4
	for _, k := range g.keys {
		d := search.Distance(q, k)
		if strings.HasPrefix(k, q) && len(q) >= 3 {
			d = min(d, 1)
		}
		if d <= limit {
			m := g.byKey[k]
			cs = append(cs, cand{m.Name, d, m.Population})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		if cs[i].pop != cs[j].pop {
			return cs[i].pop > cs[j].pop
		}
		return cs[i].name < cs[j].name
	})
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// Names lists the canonical names of the known municipalities, sorted.
func (g *Gazetteer) Names() []string {
	out := make([]string, 0, len(g.keys))
	for _, k := range g.keys {
		out = append(out, g.byKey[k].Name)
	}
	sort.Strings(out)
	return out
}
