package opendata

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvFile reads a CSV file with a header row, by column name.
type csvFile struct {
	in   *input
	r    *csv.Reader
	cols map[string]int
	n    int // columns in the header
}

// openCSV reads the header and checks that the required columns are there.
func openCSV(in *input, kind string, required []string) (*csvFile, error) {
	r := csv.NewReader(in.br)
	r.FieldsPerRecord = -1 // counted by row, to report the line
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, in.formatError(kind, "")
	}
	if err != nil {
		return nil, in.formatError(kind, "the header cannot be read as CSV")
	}
	f := &csvFile{in: in, r: r, cols: map[string]int{}, n: len(header)}
	for i, h := range header {
		f.cols[strings.TrimSpace(h)] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := f.cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		why := ""
		if len(header) > 1 {
			why = "missing columns " + strings.Join(missing, ", ")
		}
		return nil, in.formatError(kind, why)
	}
	return f, nil
}

// row gives access to one record by column name.
type row struct {
	rec  []string
	cols map[string]int
}

func (r row) get(name string) string { return strings.TrimSpace(r.rec[r.cols[name]]) }

// each calls fn on every data row with its line number; fn returns the
// reason a row is bad, or "". Rows of the wrong width or unreadable CSV are
// bad rows, not errors.
func (f *csvFile) each(rep *Report, fn func(line int, r row) string) error {
	for {
		rec, err := f.r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *csv.ParseError
		switch {
		case errors.As(err, &perr):
			rep.Rows++
			rep.Bad = append(rep.Bad, BadRow{perr.StartLine, "not readable as CSV: " + perr.Err.Error()})
			continue
		case err != nil:
			return fmt.Errorf("reading the file: %w", err)
		}
		line, _ := f.r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		rep.Rows++
		if len(rec) != f.n {
			rep.Bad = append(rep.Bad, BadRow{line, fmt.Sprintf("expected %d comma-separated columns, found %d", f.n, len(rec))})
		} else if why := fn(line, row{rec, f.cols}); why != "" {
			rep.Bad = append(rep.Bad, BadRow{line, why})
		}
		f.in.read(rep.Rows, false)
	}
	f.in.read(rep.Rows, true)
	return nil
}
