// Package geo locates places in Québec: postal codes and their forward
// sortation areas (FSA), municipalities, coordinates, and distances.
package geo

import (
	"math"
	"strconv"
	"strings"
)

// Point is a WGS 84 position in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

const earthRadiusKm = 6371.0088

// DistanceKm is the great-circle distance between two points (haversine).
func DistanceKm(a, b Point) float64 {
	const rad = math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// InQuebec tells whether a point lies in Québec's bounding box (latitude
// 44.9 to 63, longitude −80 to −57): a coarse check that catches swapped or
// broken coordinates.
func InQuebec(p Point) bool {
	return p.Lat >= 44.9 && p.Lat <= 63 && p.Lon >= -80 && p.Lon <= -57
}

// ParsePostalCode reads a Canadian postal code typed in any case, with or
// without the space, and returns it as "A1A 1A1".
func ParsePostalCode(s string) (string, bool) {
	c := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if len(c) != 6 || !isFSA(c[:3]) || !isDigit(c[3]) || !isLetter(c[4]) || !isDigit(c[5]) {
		return "", false
	}
	return c[:3] + " " + c[3:], true
}

// ParseFSA reads a forward sortation area ("h3a", "H3A") and returns it in
// upper case.
func ParseFSA(s string) (string, bool) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if !isFSA(c) {
		return "", false
	}
	return c, true
}

// QuebecFSA tells whether an FSA belongs to Québec (G, H or J).
func QuebecFSA(fsa string) bool {
	return len(fsa) == 3 && strings.ContainsRune("GHJ", rune(fsa[0]))
}

// Rural tells whether an FSA is a large rural area (0 in second place).
func Rural(fsa string) bool { return len(fsa) == 3 && fsa[1] == '0' }

func isFSA(c string) bool {
	// Canada Post never uses D, F, I, O, Q, U; W and Z never start a code.
	return len(c) == 3 && isLetter(c[0]) && !strings.ContainsRune("DFIOQUWZ", rune(c[0])) &&
		isDigit(c[1]) && isLetter(c[2]) && !strings.ContainsRune("DFIOQU", rune(c[2]))
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' }

// ParseLatLon reads "lat,lon" in decimal degrees.
func ParseLatLon(s string) (Point, bool) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return Point{}, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return Point{}, false
	}
	return Point{lat, lon}, true
}
