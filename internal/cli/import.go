package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/opendata"
)

// maxBadShown is how many bad rows the summary lists.
const maxBadShown = 20

var importDescriptions = map[string]string{
	opendata.KindFSA: "Loads the postal-code areas (FSAs) of Québec from a GeoNames postal-code\n" +
		"file (CA, tab-separated, no header). FSAs of other provinces are ignored.",
	opendata.KindMunicipalities: "Loads Québec's municipalities from the MAMH directory (CSV with a header:\n" +
		"mcode, munnom, regadm, mpopul, lat, lon, coord_source, …).",
	opendata.KindFacilities: "Loads the CLSCs and hospitals of Statistics Canada's Open Database of\n" +
		"Healthcare Facilities (CSV with a header) as Santé Québec service points.\n" +
		"Other kinds of facility are ignored.",
}

func importCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || !slices.Contains(opendata.Kinds, args[0]) {
		fmt.Fprint(env.Stderr, `Usage: guichet import fsa|municipalities|facilities FILE [--db DSN]

Loads an official open-data file into the database, after applying the
database migrations. Rows that cannot be used are skipped and listed; the
good rows are written all at once, so a failed import changes nothing, and
importing the same file again changes nothing either.

  fsa             postal-code areas (GeoNames postal codes, tab-separated)
  municipalities  municipalities (MAMH directory, CSV)
  facilities      CLSCs and hospitals (Statistics Canada ODHF, CSV)

Run "guichet import fsa --help" (or another kind) for the flags.
`)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	kind, args := args[0], args[1:]
	dbDefault := config.Defaults().DB
	if v, ok := env.Getenv("GUICHET_DB"); ok {
		dbDefault = v
	}
	fs := flagSet(env, "import "+kind, "import "+kind+" FILE [--db DSN]",
		importDescriptions[kind]+"\n\nAt the end it prints how many rows were loaded (new, updated, unchanged),\n"+
			"ignored and bad, with the line number and reason of the first bad rows.\n"+
			"Exit status 0 even with bad rows; 1 when the file is missing or is not\n"+
			"of this kind.")
	dsn := fs.String("db", dbDefault, "database to load into: a file path, sqlite:PATH or postgres://… (env GUICHET_DB)")
	// Flags may come before or after FILE.
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	var files []string
	for fs.NArg() > 0 {
		files = append(files, fs.Arg(0))
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return flagError(err)
		}
	}
	if len(files) != 1 {
		fmt.Fprintf(env.Stderr, "guichet import %s: expected one FILE, got %d\n", kind, len(files))
		fs.Usage()
		return errUsage
	}
	return runImport(ctx, env, kind, files[0], *dsn)
}

func runImport(ctx context.Context, env Env, kind, path, dsn string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrating the database: %w", err)
	}
	var progress opendata.Progress
	bar := newProgressBar(env.Stderr, kind, size)
	if bar != nil {
		progress = bar.draw
	}
	rep, err := opendata.Import(ctx, db, kind, f, progress)
	bar.clear()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	printReport(env.Stdout, rep)
	return nil
}

// printReport writes the summary of an import.
func printReport(w io.Writer, rep opendata.Report) {
	fmt.Fprintf(w, "%s: %s rows — %s loaded (%s new, %s updated, %s unchanged)", rep.Kind,
		thousands(rep.Rows), thousands(rep.Loaded), thousands(rep.Inserted), thousands(rep.Updated), thousands(rep.Unchanged))
	if rep.Ignored > 0 {
		fmt.Fprintf(w, ", %s %s ignored", thousands(rep.Ignored), rep.IgnoredLabel())
	}
	switch len(rep.Bad) {
	case 0:
		fmt.Fprintln(w, ", no bad rows.")
		return
	case 1:
		fmt.Fprintln(w, ", 1 bad row:")
	default:
		fmt.Fprintf(w, ", %s bad rows:\n", thousands(len(rep.Bad)))
	}
	for i, b := range rep.Bad {
		if i == maxBadShown {
			fmt.Fprintf(w, "  … and %s more\n", thousands(len(rep.Bad)-maxBadShown))
			break
		}
		fmt.Fprintf(w, "  line %d: %s\n", b.Line, b.Reason)
	}
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// progressBar redraws one line on a terminal with \r.
type progressBar struct {
	w     io.Writer
	kind  string
	size  int64
	last  string
	drawn bool
}

// newProgressBar returns nil unless w is a terminal.
func newProgressBar(w io.Writer, kind string, size int64) *progressBar {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progressBar{w: w, kind: kind, size: size}
}

const barWidth = 30

func (b *progressBar) draw(s opendata.Step) {
	var frac float64
	label := "reading"
	switch {
	case s.Phase == opendata.PhaseWrite && s.ToWrite > 0:
		frac, label = float64(s.Written)/float64(s.ToWrite), "writing"
	case s.Phase == opendata.PhaseWrite:
		frac, label = 1, "writing"
	case b.size > 0:
		frac = float64(s.Bytes) / float64(b.size)
	}
	frac = min(max(frac, 0), 1)
	full := int(frac * barWidth)
	line := fmt.Sprintf("\r%s: %-7s [%s%s] %3d%%  %s rows", b.kind, label,
		strings.Repeat("#", full), strings.Repeat(".", barWidth-full), int(frac*100), thousands(s.Rows))
	if line == b.last {
		return
	}
	b.last, b.drawn = line, true
	fmt.Fprint(b.w, line)
}

// clear erases the bar so that the summary starts on a clean line.
func (b *progressBar) clear() {
	if b == nil || !b.drawn {
		return
	}
	fmt.Fprint(b.w, "\r"+strings.Repeat(" ", len([]rune(b.last)))+"\r")
}
