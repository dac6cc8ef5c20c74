package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/opendata/opendatatest"
)

func TestImportCommand(t *testing.T) {
	fsa := opendatatest.File(t, "geonames_CA_fsa.tsv")
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "guichet.db")

	code, out, errOut := run(t, nil, "import", "fsa", fsa, "--db", dsn)
	want := "fsa: 1,656 rows — 421 loaded (421 new, 0 updated, 0 unchanged), 1,234 outside Québec ignored, 1 bad row:\n" +
		"  line 1430: FSA H0H: latitude 90 is outside Québec (44.9 to 63)\n"
	if code != 0 || out != want || errOut != "" {
		t.Fatalf("first import: exit %d\n%s\nstderr: %q", code, out, errOut)
	}
	// Flags before the file, and the database from GUICHET_DB, work too.
	code, out, errOut = run(t, map[string]string{"GUICHET_DB": dsn}, "import", "fsa", fsa)
	if code != 0 || !strings.HasPrefix(out, "fsa: 1,656 rows — 421 loaded (0 new, 0 updated, 421 unchanged)") || errOut != "" {
		t.Fatalf("second import: exit %d\n%s\nstderr: %q", code, out, errOut)
	}

	muni := opendatatest.File(t, "municipalites_qc_slim.csv")
	code, out, _ = run(t, nil, "import", "--db", dsn, "fsa", muni)
	if code != 2 {
		t.Errorf("flags before the kind: exit %d %q", code, out)
	}
	code, out, errOut = run(t, nil, "import", "fsa", "--db", dsn, muni)
	if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 ||
		!strings.Contains(errOut, "this does not look like a GeoNames postal-code file") ||
		!strings.Contains(errOut, "did you mean `guichet import municipalities`?") {
		t.Errorf("wrong format: exit %d %q %q", code, out, errOut)
	}
	code, _, errOut = run(t, nil, "import", "facilities", filepath.Join(t.TempDir(), "absent.csv"), "--db", dsn)
	if code != 1 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d %q", code, errOut)
	}
}

func TestImportFacilitiesSummaryListsTwentyBadRows(t *testing.T) {
	odhf := opendatatest.File(t, "odhf_v1_qc_fixed.csv")
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "guichet.db")
	code, out, errOut := run(t, nil, "import", "facilities", odhf, "--db", dsn)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || errOut != "" || len(lines) != 22 ||
		lines[0] != "facilities: 2,359 rows — 753 loaded (753 new, 0 updated, 0 unchanged), 1,417 other facility types ignored, 189 bad rows:" ||
		!strings.HasPrefix(lines[1], "  line ") || lines[21] != "  … and 169 more" {
		t.Fatalf("exit %d\n%s\nstderr: %q", code, out, errOut)
	}
}

func TestImportHelp(t *testing.T) {
	for _, args := range [][]string{{"import", "--help"}, {"import", "fsa", "--help"}, {"import", "facilities", "-h"}} {
		code, out, errOut := run(t, nil, args...)
		if code != 0 || !strings.Contains(out+errOut, "Usage: guichet import") {
			t.Errorf("%v: exit %d %q", args, code, out+errOut)
		}
	}
	if code, _, errOut := run(t, nil, "import", "hospitals", "x.csv"); code != 2 || !strings.Contains(errOut, "fsa|municipalities|facilities") {
		t.Errorf("unknown kind: exit %d %q", code, errOut)
	}
	if code, _, _ := run(t, nil, "import", "fsa"); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
}
