package opendata

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/geo"
)

// Precision of a municipality's point, from the file's coord_source.
const (
	PrecisionTownCentre = "town_centre" // simplemaps_name_match
	PrecisionRough      = "rough"       // anything else (centroid of the town hall's FSA)
)

var municipalityColumns = []string{"mcode", "munnom", "regadm", "mpopul", "lat", "lon", "coord_source"}

// parseMunicipalities reads the MAMH directory (slim CSV).
func parseMunicipalities(in *input, rep *Report) ([]geo.Municipality, error) {
	f, err := openCSV(in, KindMunicipalities, municipalityColumns)
	if err != nil {
		return nil, err
	}
	var list []geo.Municipality
	seen := map[string]int{}
	err = f.each(rep, func(line int, r row) string {
		m, why := municipalityRow(r)
		if why != "" {
			return why
		}
		if first := seen[m.Code]; first != 0 {
			return fmt.Sprintf("municipality code %s appears again (first on line %d)", m.Code, first)
		}
		seen[m.Code] = line
		list = append(list, m)
		return ""
	})
	return list, err
}

func municipalityRow(r row) (geo.Municipality, string) {
	code, name := r.get("mcode"), r.get("munnom")
	if len(code) != 5 || strings.Trim(code, "0123456789") != "" {
		return geo.Municipality{}, fmt.Sprintf("municipality code %q is not 5 digits", code)
	}
	if name == "" {
		return geo.Municipality{}, fmt.Sprintf("municipality %s has no name", code)
	}
	pop := 0
	if s := strings.ReplaceAll(r.get("mpopul"), " ", ""); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return geo.Municipality{}, fmt.Sprintf("%s: population %q is not a number", name, s)
		}
		pop = n
	}
	p, why := parsePoint(r.get("lat"), r.get("lon"))
	if why != "" {
		return geo.Municipality{}, name + ": " + why
	}
	precision := PrecisionRough
	if r.get("coord_source") == "simplemaps_name_match" {
		precision = PrecisionTownCentre
	}
	return geo.Municipality{Code: code, Name: name, Region: r.get("regadm"), Population: pop, Point: p, Precision: precision}, ""
}

func writeMunicipalities(ctx context.Context, tx *database.Tx, w *writer, list []geo.Municipality) (geo.Counts, error) {
	c, err := w.each(len(list), func(i, j int) (geo.Counts, error) { return geo.UpsertMunicipalities(ctx, tx, list[i:j]) })
	if err != nil || c.Inserted+c.Updated == 0 {
		return c, err
	}
	return c, catalog.BumpVersion(ctx, tx)
}
