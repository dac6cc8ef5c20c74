package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/httpx"
)

func getJSON(t *testing.T, u string, v any) *http.Response {
	t.Helper()
	resp, body := get(t, u)
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%s: %v\n%s", u, err, body)
	}
	return resp
}

func TestCatalogAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		r := start(t, d.Dialect)
		var list struct {
			Items []struct {
				ID           string `json:"id"`
				Name         string `json:"name"`
				Organization struct{ ID, Name string }
			} `json:"items"`
			Demo bool `json:"demonstration_data"`
		}
		getJSON(t, r.url+"/api/v1/services?q="+url.QueryEscape("carte soleil"), &list)
		if len(list.Items) == 0 || list.Items[0].ID != "ramq-carte-renouvellement" || list.Items[0].Organization.ID != "ramq" || !list.Demo {
			t.Errorf("carte soleil: %+v", list)
		}
		getJSON(t, r.url+"/api/v1/services?lang=en&q="+url.QueryEscape("driving test"), &list)
		if len(list.Items) == 0 || !strings.HasPrefix(list.Items[0].ID, "saaq-examen-") || !strings.Contains(list.Items[0].Name, "test") {
			t.Errorf("driving test: %+v", list.Items)
		}

		var svc struct {
			ID        string   `json:"id"`
			Documents []string `json:"documents"`
			Online    struct{ Available bool }
		}
		if resp := getJSON(t, r.url+"/api/v1/services/ramq-carte-renouvellement", &svc); resp.StatusCode != 200 || svc.ID == "" || len(svc.Documents) == 0 {
			t.Errorf("service: %d %+v", resp.StatusCode, svc)
		}
		var p httpx.Problem
		if resp := getJSON(t, r.url+"/api/v1/services/nope?lang=en", &p); resp.StatusCode != 404 || !strings.Contains(p.Detail, "nope") {
			t.Errorf("unknown service: %d %+v", resp.StatusCode, p)
		}

		var near struct {
			Origin struct {
				Kind        string
				Label       string
				Approximate bool
			}
			Items []struct {
				ID           string   `json:"id"`
				Municipality string   `json:"municipality"`
				DistanceKm   *float64 `json:"distance_km"`
				Services     []string `json:"services"`
			}
		}
		getJSON(t, r.url+"/api/v1/service-points?near="+url.QueryEscape("H3A 1B9")+"&service=ramq-carte-renouvellement&limit=3", &near)
		if len(near.Items) == 0 || near.Items[0].Municipality != "Montréal" || near.Items[0].DistanceKm == nil || !near.Origin.Approximate || near.Origin.Kind != "postal_code" {
			t.Errorf("near H3A 1B9: %+v", near)
		}
		for _, bad := range []struct{ query, field, detail string }{
			{"near=ZZZ", "near", "ZZZ"},
			{"near=Sherbroke", "near", "Sherbrooke"},
			{"", "near", "code postal"},
			{"near=levis&service=nope", "service", "nope"},
			{"near=levis&limit=1000", "limit", "100"},
			{"near=levis&limit=x", "limit", "limit"},
		} {
			resp := getJSON(t, r.url+"/api/v1/service-points?"+bad.query, &p)
			if resp.StatusCode != 422 || p.Field != bad.field || !strings.Contains(p.Detail, bad.detail) || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%q: %d %+v", bad.query, resp.StatusCode, p)
			}
		}
		var detail struct {
			Point struct{ ID string }
			Week  []struct {
				Date      string
				Intervals []struct{ Open, Close string }
			}
		}
		id := near.Items[0].ID
		if resp := getJSON(t, r.url+"/api/v1/service-points/"+id, &detail); resp.StatusCode != 200 || detail.Point.ID != id || len(detail.Week) != 7 {
			t.Errorf("point: %d %+v", resp.StatusCode, detail)
		}
	})
}

func TestCatalogPages(t *testing.T) {
	r := start(t, database.SQLite)
	for _, tt := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/fr/services?q=carte+soleil", 200, []string{"Renouveler", "/fr/services/ramq-carte-renouvellement"}},
		{"/en/services?q=moving", 200, []string{"/en/services/changement-adresse"}},
		{"/fr/services?q=xyzzy", 200, []string{"Aucun service ne correspond"}},
		{"/fr/services/ramq-carte-renouvellement", 200, []string{"Comment faire", `name="service" value="ramq-carte-renouvellement"`}},
		{"/en/services/nope", 404, []string{"Page not found"}},
		{"/fr/points-de-service?service=saaq-examen-pratique&near=levis", 200, []string{"Lévis", "km", "Itinéraire", "openstreetmap.org/directions"}},
		{"/en/service-points?near=ZZZ", 422, []string{"We cannot find", `aria-invalid="true"`}},
		{"/fr/points-de-service?near=Sherbroke", 422, []string{"Vouliez-vous dire", "Sherbrooke"}},
	} {
		resp, body := get(t, r.url+tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", tt.path, w)
			}
		}
	}
}

func TestErrorPageAndTheme(t *testing.T) {
	theme := filepath.Join(t.TempDir(), "theme.css")
	os.WriteFile(theme, []byte(":root { --color-primary: #6b1f7a; }"), 0o644)
	r := start(t, database.SQLite, func(c *config.Config) { c.ThemeCSS = theme })
	r.Router().HandleFunc(httpx.Route{Method: "GET", Path: "/en/test/panic", Kind: httpx.Asset}, func(http.ResponseWriter, *http.Request) {
		panic("boom")
	})
	resp, body := get(t, r.url+"/en/test/panic")
	if resp.StatusCode != 500 || !strings.Contains(body, "Something went wrong") || !strings.Contains(body, resp.Header.Get("X-Request-Id")) || strings.Contains(body, "boom") {
		t.Errorf("500 page: %d\n%s", resp.StatusCode, body)
	}
	_, home := get(t, r.url+"/fr/")
	i := strings.Index(home, "/static/theme.")
	if i < 0 {
		t.Fatal("no theme stylesheet link")
	}
	link := home[i : i+strings.IndexByte(home[i:], '"')]
	if resp, css := get(t, r.url+link); resp.StatusCode != 200 || !strings.Contains(css, "#6b1f7a") {
		t.Errorf("theme: %d %q", resp.StatusCode, css)
	}
}
