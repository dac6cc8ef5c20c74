package opendata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/geo"
)

// fsaColumns is the number of tab-separated columns of a GeoNames
// postal-code file: country, FSA, place, province, province code, region,
// region code, municipality, municipality code, latitude, longitude, accuracy.
const fsaColumns = 12

// parseFSA reads a GeoNames postal-code file and keeps Québec's FSAs
// (G, H, J); the others are ignored, not bad.
func parseFSA(in *input, rep *Report) ([]geo.FSA, error) {
	if strings.Count(in.first, "\t")+1 != fsaColumns {
		return nil, in.formatError(KindFSA, "")
	}
	var list []geo.FSA
	seen := map[string]int{}
	for line := 1; ; line++ {
		text, err := in.br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading line %d: %w", line, err)
		}
		if t := strings.TrimRight(text, "\r\n"); strings.TrimSpace(t) != "" {
			rep.Rows++
			f, ok, why := fsaRow(strings.Split(t, "\t"))
			switch {
			case why != "":
				rep.Bad = append(rep.Bad, BadRow{line, why})
			case !ok:
				rep.Ignored++
			case seen[f.Code] != 0:
				rep.Bad = append(rep.Bad, BadRow{line, fmt.Sprintf("FSA %s appears again (first on line %d)", f.Code, seen[f.Code])})
			default:
				seen[f.Code] = line
				list = append(list, f)
			}
			in.read(rep.Rows, false)
		}
		if err != nil {
			break
		}
	}
	in.read(rep.Rows, true)
	return list, nil
}

// fsaRow reads one row: ok is false for an FSA outside Québec; why says
// what is wrong with a bad row.
func fsaRow(cols []string) (f geo.FSA, ok bool, why string) {
	if len(cols) != fsaColumns {
		return f, false, fmt.Sprintf("expected %d tab-separated columns, found %d", fsaColumns, len(cols))
	}
	code, valid := geo.ParseFSA(cols[1])
	if !valid {
		return f, false, fmt.Sprintf("%q is not a valid FSA", strings.TrimSpace(cols[1]))
	}
	if !geo.QuebecFSA(code) {
		return f, false, ""
	}
	p, why := parsePoint(cols[9], cols[10])
	if why != "" {
		return f, false, fmt.Sprintf("FSA %s: %s", code, why)
	}
	return geo.FSA{Code: code, Place: strings.TrimSpace(cols[2]), Point: p}, true, ""
}

// parsePoint reads decimal degrees and checks they lie in Québec.
func parsePoint(latText, lonText string) (geo.Point, string) {
	latText, lonText = strings.TrimSpace(latText), strings.TrimSpace(lonText)
	if latText == "" || lonText == "" {
		return geo.Point{}, "no coordinates"
	}
	lat, err := strconv.ParseFloat(latText, 64)
	if err != nil {
		return geo.Point{}, fmt.Sprintf("latitude %q is not a number", latText)
	}
	lon, err := strconv.ParseFloat(lonText, 64)
	if err != nil {
		return geo.Point{}, fmt.Sprintf("longitude %q is not a number", lonText)
	}
	p := geo.Point{Lat: lat, Lon: lon}
	switch {
	case geo.InQuebec(p):
		return p, ""
	case lat < 44.9 || lat > 63:
		return p, fmt.Sprintf("latitude %s is outside Québec (44.9 to 63)", latText)
	default:
		return p, fmt.Sprintf("longitude %s is outside Québec (−80 to −57)", lonText)
	}
}

func writeFSAs(ctx context.Context, tx *database.Tx, w *writer, list []geo.FSA) (geo.Counts, error) {
	c, err := w.each(len(list), func(i, j int) (geo.Counts, error) { return geo.UpsertFSAs(ctx, tx, list[i:j]) })
	if err != nil || c.Inserted+c.Updated == 0 {
		return c, err
	}
	// Running instances reload the gazetteer with the catalogue.
	return c, catalog.BumpVersion(ctx, tx)
}
