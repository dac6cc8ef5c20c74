package geo

import (
	"math"
	"testing"
)

func TestDistanceKm(t *testing.T) {
	montreal := Point{45.5089, -73.5617}
	quebec := Point{46.8139, -71.2080}
	d := DistanceKm(montreal, quebec)
	if math.Abs(d-233) > 3 {
		t.Fatalf("Montréal–Québec = %.1f km, want about 233", d)
	}
	if DistanceKm(montreal, montreal) != 0 {
		t.Fatal("distance to itself is not 0")
	}
}

func TestParsePostalCode(t *testing.T) {
	for in, want := range map[string]string{"h3a 1b9": "H3A 1B9", "H3A1B9": "H3A 1B9", " g1v 4m6 ": "G1V 4M6"} {
		if got, ok := ParsePostalCode(in); !ok || got != want {
			t.Errorf("%q → %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"H3A", "ZZZ 1A1", "H3A 1B", "D3A 1B9", "H3O 1B9", "123456"} {
		if got, ok := ParsePostalCode(bad); ok {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}

func TestParseFSAAndLatLon(t *testing.T) {
	if f, ok := ParseFSA("j0e"); !ok || f != "J0E" || !Rural(f) || !QuebecFSA(f) {
		t.Errorf("J0E: %q %v", f, ok)
	}
	if _, ok := ParseFSA("ZZZ"); ok {
		t.Error("ZZZ accepted")
	}
	if p, ok := ParseLatLon("45.48,-75.65"); !ok || p.Lat != 45.48 || p.Lon != -75.65 || !InQuebec(p) {
		t.Errorf("lat,lon: %v %v", p, ok)
	}
	for _, bad := range []string{"45.48", "a,b", "95,0", "45,-190"} {
		if _, ok := ParseLatLon(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if InQuebec(Point{43.65, -79.38}) {
		t.Error("Toronto is in Québec")
	}
}
