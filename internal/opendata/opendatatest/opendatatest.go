// Package opendatatest gives tests and benchmarks the real open-data files
// (../shared/data/open beside the repository, or GUICHET_OPEN_DATA) and a
// way to import them.
package opendatatest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/opendata"
)

// The real files, by importer kind.
var Files = map[string]string{
	opendata.KindFSA:            "geonames_CA_fsa.tsv",
	opendata.KindMunicipalities: "municipalites_qc_slim.csv",
	opendata.KindFacilities:     "odhf_v1_qc_fixed.csv",
}

// File returns the path of a real open-data file. A missing file skips the
// test, except on CI (CI=true) where it fails it.
func File(tb testing.TB, name string) string {
	tb.Helper()
	dir := os.Getenv("GUICHET_OPEN_DATA")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			tb.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "..", "shared", "data", "open")
				break
			}
			if filepath.Dir(d) == d {
				tb.Fatalf("no go.mod above %s", wd)
			}
		}
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("open-data file missing on CI: %v (set GUICHET_OPEN_DATA to the folder holding it)", err)
		}
		tb.Skipf("open-data file missing: %v (set GUICHET_OPEN_DATA to the folder holding %s)", err, name)
	}
	return path
}

// Import loads one real file of a kind into db.
func Import(tb testing.TB, db *database.DB, kind string) opendata.Report {
	tb.Helper()
	f, err := os.Open(File(tb, Files[kind]))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rep, err := opendata.Import(context.Background(), db, kind, f, nil)
	if err != nil {
		tb.Fatalf("import %s: %v", kind, err)
	}
	return rep
}

// ImportAll loads the postal areas, the municipalities and the facilities.
func ImportAll(tb testing.TB, db *database.DB) {
	tb.Helper()
	for _, kind := range []string{opendata.KindFSA, opendata.KindMunicipalities, opendata.KindFacilities} {
		Import(tb, db, kind)
	}
}
