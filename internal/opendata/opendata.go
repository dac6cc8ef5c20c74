// Package opendata loads official open-data publications into the
// platform: GeoNames postal-code areas (FSA), the MAMH directory of
// municipalities and Statistics Canada's Open Database of Healthcare
// Facilities (ODHF). Each file is parsed completely first; rows that cannot
// be used are skipped and reported with their line number, and all the good
// rows are then written in one transaction, so that an import changes the
// database completely or not at all. Importing the same file again changes
// nothing.
package opendata

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/geo"
)

// The kinds of file Import understands.
const (
	KindFSA            = "fsa"
	KindMunicipalities = "municipalities"
	KindFacilities     = "facilities"
)

// Kinds lists the kinds of file, in the order an operator would load them.
var Kinds = []string{KindFSA, KindMunicipalities, KindFacilities}

// Report tells what an import did.
type Report struct {
	Kind string
	// Rows is the number of data rows read (blank lines and the header excluded).
	Rows int
	// Loaded rows were good and written: each was Inserted, Updated or Unchanged.
	Loaded, Inserted, Updated, Unchanged int
	// Ignored rows are valid but out of scope (FSAs outside Québec,
	// facilities that are neither a CLSC nor a hospital).
	Ignored int
	// Bad rows were skipped, with the reason.
	Bad []BadRow
}

// IgnoredLabel says, in words, what the ignored rows of this kind are.
func (r Report) IgnoredLabel() string {
	switch r.Kind {
	case KindFSA:
		return "outside Québec"
	case KindFacilities:
		return "other facility types"
	}
	return "ignored"
}

// BadRow is a row that was skipped.
type BadRow struct {
	Line   int // 1-based line number in the file
	Reason string
}

// Phases of an import, reported to Progress.
const (
	PhaseRead  = "read"
	PhaseWrite = "write"
)

// Step is how far an import has gone.
type Step struct {
	Phase string
	Rows  int   // rows read so far
	Bytes int64 // bytes read so far (compare with the file's size)
	// While writing: rows written so far out of ToWrite.
	Written, ToWrite int
}

// Progress is told how far an import has gone, every few rows; it may be nil.
type Progress func(Step)

func (p Progress) report(s Step) {
	if p != nil {
		p(s)
	}
}

// FormatError says that a file is not of the kind it was imported as.
type FormatError struct {
	Kind    string // the kind asked for
	Message string // what is wrong, in plain words
	Suggest string // the kind the file looks like, if any
}

func (e *FormatError) Error() string {
	msg := e.Message
	if e.Suggest != "" && e.Suggest != e.Kind {
		msg += fmt.Sprintf("; did you mean `guichet import %s`?", e.Suggest)
	}
	return msg
}

// Import parses r as a file of the given kind and writes its good rows in
// one transaction. A file of the wrong format is a *FormatError and writes
// nothing; bad rows are skipped and listed in the report.
func Import(ctx context.Context, db *database.DB, kind string, r io.Reader, progress Progress) (Report, error) {
	rep := Report{Kind: kind}
	in, err := newInput(r, progress)
	if err != nil {
		return rep, err
	}
	var write func(tx *database.Tx, w *writer) (geo.Counts, error)
	switch kind {
	case KindFSA:
		list, err := parseFSA(in, &rep)
		if err != nil {
			return rep, err
		}
		rep.Loaded = len(list)
		write = func(tx *database.Tx, w *writer) (geo.Counts, error) { return writeFSAs(ctx, tx, w, list) }
	case KindMunicipalities:
		list, err := parseMunicipalities(in, &rep)
		if err != nil {
			return rep, err
		}
		rep.Loaded = len(list)
		write = func(tx *database.Tx, w *writer) (geo.Counts, error) { return writeMunicipalities(ctx, tx, w, list) }
	case KindFacilities:
		list, err := parseFacilities(in, &rep)
		if err != nil {
			return rep, err
		}
		rep.Loaded = len(list)
		write = func(tx *database.Tx, w *writer) (geo.Counts, error) { return writeFacilities(ctx, tx, w, list) }
	default:
		return rep, fmt.Errorf("unknown kind of file %q: expected %s", kind, strings.Join(Kinds, ", "))
	}
	var counts geo.Counts
	err = db.Write(ctx, func(tx *database.Tx) error {
		var err error
		counts, err = write(tx, &writer{progress: progress, total: rep.Loaded, rows: rep.Rows, bytes: in.n.n})
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("writing %s: %w", kind, err)
	}
	rep.Inserted, rep.Updated, rep.Unchanged = counts.Inserted, counts.Updated, counts.Unchanged
	return rep, nil
}

// writeBatch is how many rows are written between two progress reports.
const writeBatch = 100

// writer reports progress while rows are written in batches.
type writer struct {
	progress    Progress
	total, rows int
	bytes       int64
}

// each calls fn on successive batches [i, j) of n rows, adding up counts.
func (w *writer) each(n int, fn func(i, j int) (geo.Counts, error)) (geo.Counts, error) {
	var c geo.Counts
	w.progress.report(Step{Phase: PhaseWrite, Rows: w.rows, Bytes: w.bytes, ToWrite: w.total})
	for i := 0; i < n; i += writeBatch {
		j := min(i+writeBatch, n)
		did, err := fn(i, j)
		if err != nil {
			return c, err
		}
		c.Add(did)
		w.progress.report(Step{Phase: PhaseWrite, Rows: w.rows, Bytes: w.bytes, Written: j, ToWrite: w.total})
	}
	return c, nil
}

// input reads a file, without its UTF-8 byte-order mark, counting bytes and
// reporting progress.
type input struct {
	br       *bufio.Reader
	n        *countingReader
	progress Progress
	first    string // the first line, for format messages
}

func newInput(r io.Reader, progress Progress) (*input, error) {
	n := &countingReader{r: r}
	br := bufio.NewReaderSize(n, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3) //nolint:errcheck // the bytes were just peeked
	}
	head, err := br.Peek(br.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	first, _, _ := strings.Cut(strings.TrimLeft(string(head), "\r\n \t"), "\n")
	return &input{br: br, n: n, progress: progress, first: strings.TrimRight(first, "\r")}, nil
}

// read reports reading progress every 50 rows (and when done).
func (in *input) read(rows int, done bool) {
	if done || rows%50 == 0 {
		in.progress.report(Step{Phase: PhaseRead, Rows: rows, Bytes: in.n.n})
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Descriptions of the kinds, for format messages.
var described = map[string]string{
	KindFSA:            "a GeoNames postal-code file (expected 12 tab-separated columns, no header)",
	KindMunicipalities: "a MAMH municipalities CSV file (expected a header with mcode, munnom, regadm, mpopul, lat, lon, coord_source)",
	KindFacilities:     "a Statistics Canada ODHF CSV file (expected a header with index, facility_name, odhf_facility_type, …, latitude, longitude)",
}

// formatError explains why the first line does not fit kind and guesses
// what the file is.
func (in *input) formatError(kind, why string) *FormatError {
	if in.first == "" {
		return &FormatError{Kind: kind, Message: "the file is empty: expected " + described[kind]}
	}
	tabs, commas := strings.Count(in.first, "\t")+1, strings.Count(in.first, ",")+1
	found := fmt.Sprintf("found %d comma-separated", commas)
	if tabs >= commas {
		found = fmt.Sprintf("found %d tab-separated", tabs)
	}
	if tabs == 1 && commas == 1 {
		found = "found a single column"
	}
	if why != "" {
		found += "; " + why
	}
	name := map[string]string{
		KindFSA:            "a GeoNames postal-code file",
		KindMunicipalities: "a MAMH municipalities file",
		KindFacilities:     "an ODHF health-facilities file",
	}[kind]
	want := map[string]string{
		KindFSA:            "expected 12 tab-separated columns",
		KindMunicipalities: "expected a comma-separated header with mcode, munnom, regadm, mpopul, lat, lon, coord_source",
		KindFacilities:     "expected a comma-separated header with index, facility_name, odhf_facility_type, latitude, longitude, …",
	}[kind]
	return &FormatError{
		Kind:    kind,
		Message: fmt.Sprintf("this does not look like %s (%s, %s)", name, want, found),
		Suggest: guessKind(in.first),
	}
}

// guessKind tells what kind of file a first line belongs to ("" if unknown).
func guessKind(first string) string {
	lower := strings.ToLower(first)
	switch {
	case strings.Contains(lower, "odhf_facility_type") || strings.Contains(lower, "facility_name"):
		return KindFacilities
	case strings.Contains(lower, "mcode") && strings.Contains(lower, "munnom"):
		return KindMunicipalities
	case strings.Count(first, "\t") == 11:
		return KindFSA
	}
	return ""
}
