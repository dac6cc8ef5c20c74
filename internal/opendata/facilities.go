package opendata

import (
	"context"
	"fmt"
	"strings"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/geo"
)

// Facility types kept from the ODHF file. The mapping, decided from the
// values found in odhf_v1_qc_fixed.csv (2,359 rows):
//
//   - CLSC: source_facility_type "local community services centre (clsc)"
//     (451 rows, all with odhf_facility_type "Ambulatory health care
//     services");
//   - hospital: odhf_facility_type "Hospitals" (500 rows), except the
//     source types of hospitals without a general emergency department or
//     blood-test centre: "psychiatrique", "psychiatric", "convalescence",
//     "extended care" (9 rows);
//   - everything else is ignored: clinics and family-medicine groups
//     (GMF), rehabilitation and residential centres, CISSS/CIUSSS head
//     offices, and the 3 rows with an empty odhf_facility_type (two
//     administrative centres and a private psychiatric clinic).
const (
	typeCLSC     = "clsc"
	typeHospital = "hospital"
)

func facilityType(odhf, source string) string {
	switch {
	case source == "local community services centre (clsc)":
		return typeCLSC
	case odhf == "Hospitals":
		switch source {
		case "psychiatrique", "psychiatric", "convalescence", "extended care":
			return ""
		}
		return typeHospital
	}
	return ""
}

// Source is the Source of the service points this package imports.
const Source = "odhf"

var facilityColumns = []string{"index", "facility_name", "source_facility_type", "odhf_facility_type",
	"street_no", "street_name", "postal_code", "city", "CSDname", "latitude", "longitude"}

// parseFacilities reads the ODHF file and keeps CLSCs and hospitals.
func parseFacilities(in *input, rep *Report) ([]catalog.ServicePoint, error) {
	f, err := openCSV(in, KindFacilities, facilityColumns)
	if err != nil {
		return nil, err
	}
	var list []catalog.ServicePoint
	seen := map[string]int{}
	err = f.each(rep, func(line int, r row) string {
		kind := facilityType(r.get("odhf_facility_type"), r.get("source_facility_type"))
		if kind == "" {
			rep.Ignored++
			return ""
		}
		p, why := facilityRow(r, kind)
		if why != "" {
			return why
		}
		if first := seen[p.ID]; first != 0 {
			return fmt.Sprintf("index %s appears again (first on line %d)", r.get("index"), first)
		}
		seen[p.ID] = line
		list = append(list, p)
		return ""
	})
	return list, err
}

func facilityRow(r row, kind string) (catalog.ServicePoint, string) {
	index := r.get("index")
	if index == "" || strings.Trim(index, "0123456789") != "" {
		return catalog.ServicePoint{}, fmt.Sprintf("index %q is not a number", index)
	}
	name := TitleCase(strings.Join(strings.Fields(r.get("facility_name")), " "))
	if name == "" {
		return catalog.ServicePoint{}, fmt.Sprintf("facility %s has no name", index)
	}
	p, why := parsePoint(r.get("latitude"), r.get("longitude"))
	if why != "" {
		return catalog.ServicePoint{}, name + ": " + why
	}
	municipality := r.get("CSDname")
	if municipality == "" {
		municipality = TitleCase(r.get("city"))
	}
	// A missing or invalid postal code leaves the field empty: the point
	// is still found by its coordinates.
	postal, _ := geo.ParsePostalCode(r.get("postal_code"))
	address := streetName(r.get("street_name"))
	if no := r.get("street_no"); no != "" && address != "" {
		address = no + ", " + address
	}
	sp := catalog.ServicePoint{
		ID:             "odhf-" + index,
		OrganizationID: OrganizationID,
		Name:           catalog.Text{FR: name, EN: name},
		Address:        address,
		Municipality:   municipality,
		PostalCode:     postal,
		Lat:            p.Lat,
		Lon:            p.Lon,
		Precision:      catalog.PrecisionExact,
		TimeZone:       timeZone(municipality, p),
		Source:         Source,
	}
	switch kind {
	case typeCLSC:
		// Usual CLSC hours; the ODHF does not publish hours.
		for d := 1; d <= 5; d++ {
			sp.Hours[d] = []catalog.Interval{{Open: "08:00", Close: "16:00"}}
		}
		sp.Offers = []catalog.Offer{{ServiceID: ServicePrelevements, Counters: 2}, {ServiceID: ServiceVaccination, Counters: 2}}
	case typeHospital:
		// The emergency department never closes, holidays included: the
		// point is open every day around the clock (ServicePoint has one
		// schedule per point, not per service).
		for d := range sp.Hours {
			sp.Hours[d] = []catalog.Interval{{Open: "00:00", Close: "23:59"}}
		}
		sp.Holidays = "none"
		sp.Offers = []catalog.Offer{{ServiceID: ServicePrelevements, Counters: 3}, {ServiceID: ServiceUrgences, Counters: 1}}
	}
	return sp, ""
}

// atlanticNoDST are the municipalities of the Basse-Côte-Nord, east of the
// Natashquan River, which keep Atlantic Standard Time all year.
var atlanticNoDST = map[string]bool{
	"Côte-Nord-du-Golfe-du-Saint-Laurent": true, "Gros-Mécatina": true, "Saint-Augustin": true,
	"Bonne-Espérance": true, "Blanc-Sablon": true,
}

// timeZone is America/Toronto (Eastern time) except in the Magdalen Islands
// (Atlantic time with daylight saving) and the Basse-Côte-Nord (Atlantic
// time all year).
func timeZone(municipality string, p geo.Point) string {
	switch {
	case municipality == "Les Îles-de-la-Madeleine" || municipality == "Grosse-Île" || (p.Lon > -62.5 && p.Lat < 48):
		return "America/Halifax"
	case atlanticNoDST[municipality]:
		return "America/Blanc-Sablon"
	}
	return "America/Toronto"
}

func writeFacilities(ctx context.Context, tx *database.Tx, w *writer, list []catalog.ServicePoint) (geo.Counts, error) {
	if err := ensureHealthCatalog(ctx, tx); err != nil {
		return geo.Counts{}, err
	}
	// Each batch that changes something bumps the catalogue version (in
	// the same transaction); a re-import that changes nothing bumps nothing.
	return w.each(len(list), func(i, j int) (geo.Counts, error) { return catalog.UpsertServicePoints(ctx, tx, list[i:j]) })
}
