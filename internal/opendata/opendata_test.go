package opendata_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/opendata"
	"github.com/guichet-qc/guichet/internal/opendata/opendatatest"
)

// Expected figures for the files in ../shared/data/open (see SOURCES.md).
const (
	fsaFile             = "geonames_CA_fsa.tsv"
	municipalitiesFile  = "municipalites_qc_slim.csv"
	facilitiesFile      = "odhf_v1_qc_fixed.csv"
	wantQuebecFSAs      = 421 // 422 Québec rows minus the dummy H0H
	wantMunicipalities  = 1130
	wantFacilities      = 753  // 451 CLSC + 491 hospitals − 189 without usable coordinates
	wantFacilitiesBad   = 189  // no coordinates, or outside Québec
	wantFacilitiesOther = 1417 // clinics, GMF, rehabilitation, residential centres, …
)

func importFile(t *testing.T, db *database.DB, kind, path string) opendata.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	steps := 0
	start := time.Now()
	rep, err := opendata.Import(context.Background(), db, kind, f, func(opendata.Step) { steps++ })
	if err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
	t.Logf("%s on %s: %v (%d progress steps)", kind, db.Dialect, time.Since(start).Round(time.Millisecond), steps)
	if steps == 0 {
		t.Errorf("%s: progress was never called", kind)
	}
	return rep
}

func TestImportRealFiles(t *testing.T) {
	fsaPath := opendatatest.File(t, fsaFile)
	muniPath := opendatatest.File(t, municipalitiesFile)
	facPath := opendatatest.File(t, facilitiesFile)
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()

		rep := importFile(t, db, opendata.KindFSA, fsaPath)
		if rep.Rows != 1656 || rep.Loaded != wantQuebecFSAs || rep.Inserted != wantQuebecFSAs || rep.Ignored != 1656-422 {
			t.Errorf("fsa: %+v", rep)
		}
		if len(rep.Bad) != 1 || rep.Bad[0].Line != 1430 || !strings.Contains(rep.Bad[0].Reason, "H0H") ||
			!strings.Contains(rep.Bad[0].Reason, "latitude 90 is outside Québec") {
			t.Errorf("fsa bad rows: %+v", rep.Bad)
		}

		rep = importFile(t, db, opendata.KindMunicipalities, muniPath)
		if rep.Rows != wantMunicipalities || rep.Loaded != wantMunicipalities || rep.Inserted != wantMunicipalities || len(rep.Bad) != 0 {
			t.Errorf("municipalities: %+v", rep)
		}

		rep = importFile(t, db, opendata.KindFacilities, facPath)
		if rep.Rows != 2359 || rep.Loaded != wantFacilities || rep.Inserted != wantFacilities ||
			rep.Ignored != wantFacilitiesOther || len(rep.Bad) != wantFacilitiesBad {
			t.Errorf("facilities: rows %d loaded %d inserted %d ignored %d bad %d",
				rep.Rows, rep.Loaded, rep.Inserted, rep.Ignored, len(rep.Bad))
		}
		version := catalogVersion(t, db)

		// Importing the same files again changes nothing.
		for _, f := range []struct{ kind, path string }{
			{opendata.KindFSA, fsaPath}, {opendata.KindMunicipalities, muniPath}, {opendata.KindFacilities, facPath},
		} {
			rep := importFile(t, db, f.kind, f.path)
			if rep.Inserted != 0 || rep.Updated != 0 || rep.Unchanged != rep.Loaded {
				t.Errorf("re-import %s: %+v", f.kind, rep)
			}
		}
		if v := catalogVersion(t, db); v != version {
			t.Errorf("re-import bumped the catalogue version from %d to %d", version, v)
		}

		// Rows land where they should.
		err := db.Read(ctx, func(tx *database.Tx) error {
			var lat, lon float64
			if err := tx.QueryRow(ctx, `SELECT lat, lon FROM geo_fsas WHERE code = 'H3A'`).Scan(&lat, &lon); err != nil {
				return err
			}
			if abs(lat-45.50) > 0.01 || abs(lon+73.57) > 0.01 {
				t.Errorf("H3A at %v,%v", lat, lon)
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM geo_fsas WHERE code = 'H0H' OR code NOT IN (SELECT code FROM geo_fsas WHERE code >= 'G' AND code < 'K')`).Scan(&n); err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("%d FSAs outside Québec or dummy were loaded", n)
			}
			var name, region, precision string
			var pop int
			if err := tx.QueryRow(ctx, `SELECT name, region, population, precision FROM geo_municipalities WHERE code = '25213'`).Scan(&name, &region, &pop, &precision); err != nil {
				return err
			}
			if name != "Lévis" || region != "Chaudière-Appalaches (12)" || pop < 100000 || precision != opendata.PrecisionTownCentre {
				t.Errorf("25213: %q %q %d %q", name, region, pop, precision)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		clsc := servicePoint(t, db, "odhf-7289")
		if clsc.Name.FR != "CLSC de la Jacques-Cartier (Loretteville)" || clsc.Name.EN != clsc.Name.FR ||
			clsc.Address != "11999, rue de l'Hôpital" || clsc.PostalCode != "G2A 2T7" || clsc.Municipality != "Québec" ||
			clsc.Precision != catalog.PrecisionExact || clsc.TimeZone != "America/Toronto" || clsc.Source != "odhf" ||
			clsc.OrganizationID != "sante-quebec" || len(clsc.Hours[1]) != 1 || len(clsc.Hours[0]) != 0 ||
			!clsc.OffersService("sante-prelevements") || !clsc.OffersService("sante-vaccination") {
			t.Errorf("CLSC de la Jacques-Cartier: %+v", clsc)
		}
		if p := servicePoint(t, db, "odhf-7207"); p.TimeZone != "America/Halifax" {
			t.Errorf("CLSC Cap-aux-Meules (Magdalen Islands) in %s", p.TimeZone)
		}
		if p := servicePoint(t, db, "odhf-7231"); p.TimeZone != "America/Blanc-Sablon" {
			t.Errorf("CLSC de Blanc-Sablon in %s", p.TimeZone)
		}
	})
}

func catalogVersion(t *testing.T, db *database.DB) int64 {
	t.Helper()
	var v int64
	err := db.Read(context.Background(), func(tx *database.Tx) error {
		var err error
		v, err = catalog.Version(context.Background(), tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func servicePoint(t *testing.T, db *database.DB, id string) catalog.ServicePoint {
	t.Helper()
	ctx := context.Background()
	var doc string
	err := db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT doc FROM catalog_service_points WHERE id = ?`, id).Scan(&doc)
	})
	if err != nil {
		t.Fatalf("service point %s: %v", id, err)
	}
	var p catalog.ServicePoint
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestBadRowsAreSkippedWithTheirLine(t *testing.T) {
	fsa := "\ufeff" + strings.Join([]string{
		row("CA", "G1A", "Québec", "Quebec", "QC", "", "", "", "", "46.8", "-71.2", "4"),
		row("CA", "K1A", "Ottawa", "Ontario", "ON", "", "", "", "", "45.4", "-75.7", "4"),
		"",
		row("CA", "H2X", "Montréal", "Quebec", "QC", "", "", "", "", "45.51"), // 10 columns
		row("CA", "HXX", "Nowhere", "Quebec", "QC", "", "", "", "", "45.5", "-73.5", "1"),
		row("CA", "H0H", "Reserved", "Quebec", "QC", "", "", "", "", "90", "0", ""),
		row("CA", "J8X", "Gatineau", "Quebec", "QC", "", "", "", "", "45.4", "75.7", "1"),
		row("CA", "J4K", "Longueuil", "Quebec", "QC", "", "", "", "", "abc", "-73.5", "1"),
		row("CA", "G1A", "Québec again", "Quebec", "QC", "", "", "", "", "46.8", "-71.2", "4"),
	}, "\r\n") + "\r\n"
	munis := "mcode,munnom,regadm,mpopul,lat,lon,coord_source\n" +
		"25213,Lévis,Chaudière-Appalaches (12),154091,46.8,-71.1833,simplemaps_name_match\n" +
		"2521,Nope,X,1,46,-71,x\n" +
		"66023,Montréal,Montréal (06),1,45.5\n" +
		"99999,Pôle Nord,X,1,90,0,x\n" +
		"46005,Abercorn,Estrie (05),lots,45.2,-72.5,x\n" +
		"48028,Acton Vale,Montérégie (16),7871,45.65,-72.5667,geonames_fsa_centroid_of_townhall_postcode\n"
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		rep, err := opendata.Import(context.Background(), db, opendata.KindFSA, strings.NewReader(fsa), nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 8 || rep.Loaded != 1 || rep.Inserted != 1 || rep.Ignored != 1 {
			t.Errorf("fsa: %+v", rep)
		}
		wantBad := []opendata.BadRow{
			{Line: 4, Reason: "expected 12 tab-separated columns, found 10"},
			{Line: 5, Reason: `"HXX" is not a valid FSA`},
			{Line: 6, Reason: "FSA H0H: latitude 90 is outside Québec (44.9 to 63)"},
			{Line: 7, Reason: "FSA J8X: longitude 75.7 is outside Québec (−80 to −57)"},
			{Line: 8, Reason: `FSA J4K: latitude "abc" is not a number`},
			{Line: 9, Reason: "FSA G1A appears again (first on line 1)"},
		}
		checkBad(t, rep.Bad, wantBad)

		rep, err = opendata.Import(context.Background(), db, opendata.KindMunicipalities, strings.NewReader(munis), nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 6 || rep.Loaded != 2 || rep.Inserted != 2 {
			t.Errorf("municipalities: %+v", rep)
		}
		checkBad(t, rep.Bad, []opendata.BadRow{
			{Line: 3, Reason: `municipality code "2521" is not 5 digits`},
			{Line: 4, Reason: "expected 7 comma-separated columns, found 5"},
			{Line: 5, Reason: "Pôle Nord: latitude 90 is outside Québec (44.9 to 63)"},
			{Line: 6, Reason: `Abercorn: population "lots" is not a number`},
		})
	})
}

func row(cols ...string) string { return strings.Join(cols, "\t") }

func checkBad(t *testing.T, got, want []opendata.BadRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("bad rows:\n got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bad row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestWrongFormatIsAClearErrorAndWritesNothing(t *testing.T) {
	munis := "mcode,munnom,mdes,regadm,divrec,mrc,madr1,madr2,mcodpos,mtel,mweb,mcourriel,msuperf,mpopul,lat,lon,coord_source\n" +
		"25213,Lévis,Ville,Chaudière-Appalaches (12),,,,,,,,,,154091,46.8,-71.1833,simplemaps_name_match\n"
	odhf := "index,facility_name,source_facility_type,odhf_facility_type,provider,unit,street_no,street_name,postal_code,city,province,source_format_str_address,CSDname,CSDuid,Pruid,latitude,longitude\n"
	fsa := row("CA", "G1A", "Québec", "Quebec", "QC", "", "", "", "", "46.8", "-71.2", "4") + "\n"
	cases := []struct {
		name, kind, input, want, suggest string
	}{
		{"municipalities as fsa", opendata.KindFSA, munis,
			"this does not look like a GeoNames postal-code file (expected 12 tab-separated columns, found 17 comma-separated); did you mean `guichet import municipalities`?", "municipalities"},
		{"facilities as fsa", opendata.KindFSA, odhf,
			"this does not look like a GeoNames postal-code file (expected 12 tab-separated columns, found 17 comma-separated); did you mean `guichet import facilities`?", "facilities"},
		{"fsa as municipalities", opendata.KindMunicipalities, fsa, "did you mean `guichet import fsa`?", "fsa"},
		{"facilities as municipalities", opendata.KindMunicipalities, odhf, "missing columns mcode, munnom, regadm, mpopul, lat, lon, coord_source", "facilities"},
		{"municipalities as facilities", opendata.KindFacilities, munis, "this does not look like an ODHF health-facilities file", "municipalities"},
		{"empty file", opendata.KindFSA, "", "the file is empty: expected a GeoNames postal-code file", ""},
		{"only a BOM and blank lines", opendata.KindFacilities, "\ufeff\n\n", "the file is empty", ""},
	}
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := opendata.Import(context.Background(), db, c.kind, strings.NewReader(c.input), nil)
				var fe *opendata.FormatError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) || fe.Suggest != c.suggest {
					t.Fatalf("got %v (%#v), want %q suggesting %q", err, fe, c.want, c.suggest)
				}
			})
		}
		var n int
		err := db.Read(context.Background(), func(tx *database.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM geo_fsas) + (SELECT COUNT(*) FROM geo_municipalities) + (SELECT COUNT(*) FROM catalog_service_points)`).Scan(&n)
		})
		if err != nil || n != 0 {
			t.Errorf("a wrong file wrote %d rows (%v)", n, err)
		}
		if _, err := opendata.Import(context.Background(), db, "hospitals", strings.NewReader(fsa), nil); err == nil {
			t.Error("an unknown kind was accepted")
		}
	})
}

// A facility import into a database without the demo creates the minimal
// Santé Québec records, and never overwrites richer ones already there.
func TestFacilitiesCreateMissingHealthServicesOnly(t *testing.T) {
	const odhf = "index,facility_name,source_facility_type,odhf_facility_type,street_no,street_name,postal_code,city,CSDname,latitude,longitude\n" +
		"1,clsc de la petite-patrie,local community services centre (clsc),Ambulatory health care services,6520,rue de saint-vallier,h2s2p7,montréal,Montréal,45.5375,-73.6031\n" +
		"2,hôpital général juif,hospital,Hospitals,3755,chemin de la côte-sainte-catherine,,montréal,Montréal,45.4972,-73.6305\n" +
		"3,gmf du quartier,clinic or family medicine group,Ambulatory health care services,1,rue x,H2S2P7,montréal,Montréal,45.5,-73.6\n" +
		"4,clsc nulle part,local community services centre (clsc),Ambulatory health care services,1,rue x,H2S2P7,montréal,Montréal,,\n"
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		rich := catalog.Organization{ID: "sante-quebec", Name: catalog.Text{FR: "Santé Québec (démo)", EN: "Santé Québec (demo)"}, Website: "https://example.org"}
		err := db.Write(ctx, func(tx *database.Tx) error {
			_, err := catalog.UpsertOrganizations(ctx, tx, []catalog.Organization{rich})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := opendata.Import(ctx, db, opendata.KindFacilities, strings.NewReader(odhf), nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Loaded != 2 || rep.Ignored != 1 || len(rep.Bad) != 1 || rep.Bad[0].Line != 5 || rep.Bad[0].Reason != "CLSC Nulle Part: no coordinates" {
			t.Errorf("%+v", rep)
		}
		p := servicePoint(t, db, "odhf-1")
		if p.Name.FR != "CLSC de la Petite-Patrie" || p.PostalCode != "H2S 2P7" || p.Address != "6520, rue de Saint-Vallier" {
			t.Errorf("%+v", p)
		}
		h := servicePoint(t, db, "odhf-2")
		if h.Name.FR != "Hôpital Général Juif" || h.PostalCode != "" || len(h.Hours[0]) != 1 || h.Holidays != "none" ||
			!h.OffersService("sante-urgences") || !h.OffersService("sante-prelevements") {
			t.Errorf("%+v", h)
		}
		err = db.Read(ctx, func(tx *database.Tx) error {
			var doc string
			if err := tx.QueryRow(ctx, `SELECT doc FROM catalog_organizations WHERE id = 'sante-quebec'`).Scan(&doc); err != nil {
				return err
			}
			if !strings.Contains(doc, "(démo)") {
				t.Errorf("the richer organization was overwritten: %s", doc)
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM catalog_services WHERE id IN ('sante-prelevements', 'sante-vaccination', 'sante-urgences')`).Scan(&n); err != nil {
				return err
			}
			if n != 3 {
				t.Errorf("%d of the 3 health services exist", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestTitleCase(t *testing.T) {
	for in, want := range map[string]string{
		"clsc de la petite-patrie":                           "CLSC de la Petite-Patrie",
		"le centre d'hébergement":                            "Le Centre d'Hébergement",
		"centre d’hébergement du manoir-de-l’âge-d’or":       "Centre d’Hébergement du Manoir-de-l’Âge-d’Or",
		"cisss de l'outaouais — hôpital de hull":             "CISSS de l'Outaouais — Hôpital de Hull",
		"ciusss du saguenay–lac-st-jean":                     "CIUSSS du Saguenay–Lac-St-Jean",
		"centre universitaire de santé mcgill":               "Centre Universitaire de Santé McGill",
		"montréal children's hospital":                       "Montréal Children's Hospital",
		"chum":                                               "CHUM",
		"gmf-umf des îles":                                   "GMF-UMF des Îles",
		"clsc et chsld de la haute-ville (point de service)": "CLSC et CHSLD de la Haute-Ville (Point de Service)",
		"l'île-bizard":                                       "L'Île-Bizard",
	} {
		if got := opendata.TitleCase(in); got != want {
			t.Errorf("TitleCase(%q) = %q, want %q", in, got, want)
		}
	}
}
