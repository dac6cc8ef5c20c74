package app_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/app"
	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/httpx"
)

// running is an App serving on a free port.
type running struct {
	*app.App
	url string
}

// start runs the platform on 127.0.0.1:0 with a fresh database of dialect d
// until the test ends.
func start(t *testing.T, d database.Dialect, mutate ...func(*config.Config)) *running {
	t.Helper()
	return startTB(t, d, mutate...)
}

func startTB(t testing.TB, d database.Dialect, mutate ...func(*config.Config)) *running {
	t.Helper()
	cfg := config.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = dbtest.DSN(t, d)
	cfg.DataDir = filepath.Join(t.TempDir(), "keys")
	for _, m := range mutate {
		m(&cfg)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &running{App: a, url: a.URL()}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestPlatform(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		r := start(t, d.Dialect)
		t.Run("root redirects by Accept-Language", func(t *testing.T) {
			for _, tt := range []struct{ accept, want string }{
				{"", "/fr/"}, {"en-CA,en;q=0.9", "/en/"}, {"fr-CA,en;q=0.5", "/fr/"}, {"de", "/fr/"},
			} {
				resp, _ := get(t, r.url+"/", "Accept-Language", tt.accept)
				if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != tt.want {
					t.Errorf("Accept-Language %q: %d %q, want %s", tt.accept, resp.StatusCode, resp.Header.Get("Location"), tt.want)
				}
			}
		})
		t.Run("home pages in both languages", func(t *testing.T) {
			resp, body := get(t, r.url+"/fr/")
			if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="fr">`) || !strings.Contains(body, "Trouver un service public") {
				t.Fatalf("/fr/: %d\n%s", resp.StatusCode, body)
			}
			if !strings.Contains(body, `href="/en/"`) {
				t.Error("/fr/ does not link to /en/")
			}
			resp, body = get(t, r.url+"/en/")
			if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Find a public service") {
				t.Fatalf("/en/: %d", resp.StatusCode)
			}
		})
		t.Run("every page links to itself in the other language", func(t *testing.T) {
			alt := regexp.MustCompile(`<a class="lang-switch" href="([^"]+)"`)
			pages := 0
			for _, route := range r.Routes() {
				if route.Kind != httpx.Page {
					continue
				}
				pages++
				path := strings.TrimSuffix(route.Path, "{$}")
				if route.Example != "" {
					path = route.Example
				}
				if agentOnly(path) {
					continue // needs a signed-in agent: TestAgentScreens checks its language link
				}
				resp, body := get(t, r.url+path)
				m := alt.FindStringSubmatch(body)
				if m != nil {
					m[1] = html.UnescapeString(m[1])
				}
				if resp.StatusCode != 200 || m == nil {
					t.Errorf("%s: status %d, language link %v", path, resp.StatusCode, m)
					continue
				}
				back, body2 := get(t, r.url+m[1])
				m2 := alt.FindStringSubmatch(body2)
				if m2 != nil {
					m2[1] = html.UnescapeString(m2[1])
				}
				if back.StatusCode != 200 || m2 == nil || m2[1] != path {
					t.Errorf("%s → %s → %v (status %d)", path, m[1], m2, back.StatusCode)
				}
			}
			if pages < 14 {
				t.Errorf("only %d page routes", pages)
			}
		})
		t.Run("404 page is localized", func(t *testing.T) {
			resp, body := get(t, r.url+"/fr/nulle-part")
			if resp.StatusCode != 404 || !strings.Contains(body, "Page introuvable") || !strings.Contains(body, `lang="fr"`) {
				t.Errorf("fr 404: %d", resp.StatusCode)
			}
			resp, body = get(t, r.url+"/en/nowhere")
			if resp.StatusCode != 404 || !strings.Contains(body, "Page not found") {
				t.Errorf("en 404: %d", resp.StatusCode)
			}
			resp, body = get(t, r.url+"/nowhere", "Accept-Language", "en")
			if resp.StatusCode != 404 || !strings.Contains(body, "Page not found") {
				t.Errorf("negotiated 404: %d", resp.StatusCode)
			}
		})
		t.Run("API errors are problem+json in the caller's language", func(t *testing.T) {
			resp, body := get(t, r.url+"/api/v1/nothing?lang=en")
			var p httpx.Problem
			json.Unmarshal([]byte(body), &p)
			if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.HasPrefix(p.Detail, "We could not find") {
				t.Errorf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			resp, body = get(t, r.url+"/api/v1/audit/entries/abc/proof")
			json.Unmarshal([]byte(body), &p)
			if resp.StatusCode != 422 || p.Field != "seq" || !strings.Contains(p.Detail, "seq") {
				t.Errorf("bad seq: %d %s", resp.StatusCode, body)
			}
		})
		t.Run("security headers on every answer", func(t *testing.T) {
			for _, path := range []string{"/fr/", "/api/v1/openapi.json", "/fr/nulle-part", "/healthz"} {
				resp, _ := get(t, r.url+path)
				csp := resp.Header.Get("Content-Security-Policy")
				if csp == "" || strings.Contains(csp, "unsafe-inline") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("%s: CSP %q", path, csp)
				}
				if resp.Header.Get("X-Request-Id") == "" {
					t.Errorf("%s: no request id", path)
				}
			}
		})
		t.Run("static assets are cache-busted", func(t *testing.T) {
			_, body := get(t, r.url+"/en/")
			m := regexp.MustCompile(`href="(/static/css/guichet\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatal("no hashed stylesheet link")
			}
			resp, css := get(t, r.url+m[1])
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(css, "--color-primary") {
				t.Errorf("stylesheet: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
			}
		})
		t.Run("probes and metrics", func(t *testing.T) {
			if resp, _ := get(t, r.url+"/healthz"); resp.StatusCode != 200 {
				t.Errorf("healthz %d", resp.StatusCode)
			}
			if resp, body := get(t, r.url+"/readyz"); resp.StatusCode != 200 || !strings.Contains(body, "ready") {
				t.Errorf("readyz %d %s", resp.StatusCode, body)
			}
			get(t, r.url+"/fr/")
			_, metrics := get(t, r.url+"/metrics")
			for _, want := range []string{
				`guichet_http_requests_total{code="200",method="GET",route="GET /fr/{$}"}`,
				`guichet_http_request_duration_seconds_bucket{method="GET",route="GET /fr/{$}"`,
				`guichet_db_open_connections`, `go_goroutines`,
			} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
		})
	})
}
