package browsertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/app"
	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/httpx"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopApp()
	stopBrowser()
	os.Exit(code)
}

// ---- the application: one per run ----

var (
	appOnce sync.Once
	theApp  *app.App
	appErr  error
	stopApp = func() {}
)

// site starts Guichet once for the run, on a free port of 127.0.0.1, with a
// temporary SQLite database and the demonstration data.
func site(t testing.TB) *app.App {
	t.Helper()
	appOnce.Do(func() {
		dir, err := os.MkdirTemp("", "guichet-browsertest-")
		if err != nil {
			appErr = err
			return
		}
		cfg := config.Defaults()
		cfg.Addr = "127.0.0.1:0"
		cfg.DB = "sqlite:" + filepath.Join(dir, "g.db")
		cfg.DataDir = filepath.Join(dir, "data")
		cfg.NoDemo = false
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		if testing.Verbose() {
			logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		a, err := app.New(ctx, cfg, logger)
		cancel()
		if err != nil {
			appErr = fmt.Errorf("start the application: %w", err)
			os.RemoveAll(dir)
			return
		}
		if err := a.Listen(); err != nil {
			a.Close()
			os.RemoveAll(dir)
			appErr = err
			return
		}
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(runCtx) }()
		stopApp = func() {
			stop()
			if err := <-done; err != nil {
				fmt.Fprintln(os.Stderr, "browsertest: the application stopped with:", err)
			}
			a.Close()
			os.RemoveAll(dir)
		}
		theApp = a
	})
	if appErr != nil {
		t.Fatal(appErr)
	}
	return theApp
}

// ---- the pages ----

// sitePage is one Page route to visit.
type sitePage struct {
	route httpx.Route
	lang  string // fr or en, from the path
	path  string // concrete path to load
	id    string // page id, or a slug of the path
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// pagesOf lists the Page routes of the router, with a concrete path for
// each, and says what is wrong with the routes it cannot visit.
func pagesOf(routes []httpx.Route) (pages []sitePage, problems []string) {
	for _, r := range routes {
		if r.Kind != httpx.Page {
			continue
		}
		if r.Method != http.MethodGet {
			problems = append(problems, fmt.Sprintf("page route %s %s: a page must answer GET", r.Method, r.Path))
			continue
		}
		p := strings.TrimSuffix(r.Path, "{$}")
		if r.Example != "" {
			p = r.Example // a concrete path, often with a query showing results
		} else if wildcard.MatchString(p) {
			problems = append(problems, fmt.Sprintf("page route %s has a wildcard but no Example: set httpx.Route.Example "+
				"to a concrete path (one that exists in the demo data) so that the page is audited", r.Path))
			continue
		}
		lang := langOf(p)
		if lang != "fr" && lang != "en" {
			problems = append(problems, fmt.Sprintf("page route %s (path %s) is not under /fr/ or /en/", r.Path, p))
			continue
		}
		id := r.Page
		if id == "" {
			id = slug(strings.TrimPrefix(p, "/"+lang))
		}
		pages = append(pages, sitePage{route: r, lang: lang, path: p, id: id})
	}
	return pages, problems
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "index"
	}
	return s
}

// subtestName is like fr/accessibilite/js-on.
func (p sitePage) subtestName(jsOff bool) string {
	rest := strings.Trim(strings.TrimPrefix(p.path, "/"+p.lang), "/")
	if rest == "" {
		rest = p.id
	}
	mode := "js-on"
	if jsOff {
		mode = "js-off"
	}
	return p.lang + "/" + rest + "/" + mode
}

// routeMatcher finds which Page route serves a path, with the same rules as
// the application's ServeMux (so wildcards work).
type routeMatcher struct {
	mux     *http.ServeMux
	byPatrn map[string]httpx.Route
}

func newRouteMatcher(routes []httpx.Route) *routeMatcher {
	m := &routeMatcher{mux: http.NewServeMux(), byPatrn: map[string]httpx.Route{}}
	for _, r := range routes {
		if r.Kind == httpx.Page && r.Method == http.MethodGet {
			pattern := r.Method + " " + r.Path
			m.byPatrn[pattern] = r
			m.mux.Handle(pattern, http.NotFoundHandler())
		}
	}
	return m
}

func (m *routeMatcher) match(u *url.URL) (httpx.Route, bool) {
	_, pattern := m.mux.Handler(&http.Request{Method: http.MethodGet, URL: u, Host: u.Host})
	r, ok := m.byPatrn[pattern]
	return r, ok
}

func langOf(path string) string {
	lang, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return lang
}

// ---- the tests ----

// TestPageRoutesCanBeVisited needs no browser, so that a page route that the
// browser test could not visit (a wildcard without Example) fails everywhere.
func TestPageRoutesCanBeVisited(t *testing.T) {
	pages, problems := pagesOf(site(t).Routes())
	for _, p := range problems {
		t.Error(p)
	}
	if len(pages) == 0 {
		t.Error("the router lists no page route (httpx.Page)")
	}
	// The rules themselves, on made-up routes.
	pages, problems = pagesOf([]httpx.Route{
		{Method: "GET", Path: "/fr/{$}", Kind: httpx.Page, Page: "home"},
		{Method: "GET", Path: "/en/services/{id}", Kind: httpx.Page, Page: "service", Example: "/en/services/42"},
		{Method: "GET", Path: "/fr/services/{id}", Kind: httpx.Page, Page: "service"},
		{Method: "GET", Path: "/api/v1/x", Kind: httpx.API},
	})
	if len(pages) != 2 || pages[0].path != "/fr/" || pages[1].path != "/en/services/42" || pages[1].lang != "en" {
		t.Errorf("pages = %+v", pages)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "/fr/services/{id} has a wildcard but no Example") {
		t.Errorf("problems = %q", problems)
	}
}

// TestAccessibility visits every page route of the router, in both
// languages, with JavaScript on and off.
func TestAccessibility(t *testing.T) {
	tl := needTools(t)
	a := site(t)
	base := a.URL()
	routes := a.Routes()
	pages, problems := pagesOf(routes)
	for _, p := range problems {
		t.Error(p)
	}
	if len(pages) == 0 {
		t.Fatal("the router lists no page route (httpx.Page): nothing to audit")
	}
	matcher := newRouteMatcher(routes)
	t.Logf("auditing %d page routes at %s with %s and axe-core %s; screenshots in %s",
		len(pages), base, tl.chromium, tl.axePath, tl.screenshots)

	// A client that does not follow redirects: the other-language link must
	// answer 200 itself.
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var browserLoads, httpLoads, shots atomic.Int64
	start := time.Now()
	t.Cleanup(func() {
		t.Logf("%d browser page loads, %d HTTP checks of language links, %d screenshots in %v",
			browserLoads.Load(), httpLoads.Load(), shots.Load(), time.Since(start).Round(time.Millisecond))
	})

	for _, p := range pages {
		for _, jsOff := range []bool{false, true} {
			t.Run(p.subtestName(jsOff), func(t *testing.T) {
				t.Parallel()
				where := fmt.Sprintf("%s (%s, JavaScript %s)", p.path, p.lang, map[bool]string{false: "on", true: "off"}[jsOff])
				client := client
				if needsAgent(p.path) {
					client = clientWith(client, base, signedIn(t, a))
				}
				tb := newTab(t, jsOff)
				browserLoads.Add(1)
				rep, err := tb.audit(base+p.path, tl.axe)
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}

				if rep.Status != http.StatusOK {
					t.Errorf("%s: HTTP status %d, want 200", where, rep.Status)
				}
				if rep.ScriptingOff != jsOff {
					t.Errorf("%s: the document matches (scripting: none) = %v, want %v: scripts are not switched as the test says",
						where, rep.ScriptingOff, jsOff)
				}
				if rep.Lang != p.lang {
					t.Errorf("%s: <html lang=%q>, want %q", where, rep.Lang, p.lang)
				}
				if rep.Passes == 0 {
					t.Errorf("%s: axe reports no passed rule: it audited nothing", where)
				}
				if len(rep.Violations) > 0 {
					t.Error(describe(where, rep.Violations))
				} else {
					t.Logf("%s: no violation; %d axe rules passed", where, rep.Passes)
				}
				for _, c := range rep.Console {
					t.Errorf("%s: browser console error (a resource failed or the Content-Security-Policy blocked something): %s", where, c)
				}

				// The link to the same page in the other language.
				other := map[string]string{"fr": "en", "en": "fr"}[p.lang]
				var alt *altLink
				for i, l := range rep.AltLinks {
					if l.Hreflang == other {
						alt = &rep.AltLinks[i]
						break
					}
				}
				if alt == nil {
					t.Errorf("%s: no link <a hreflang=%q> to the page in the other language (found %v)", where, other, rep.AltLinks)
				} else {
					checkAltLink(t, where, client, &httpLoads, matcher, base, p, other, alt.Href)
				}

				// Screenshots, once per page and language.
				if !jsOff {
					for _, w := range []int64{320, 1280} {
						file := filepath.Join(tl.screenshots, fmt.Sprintf("%s_%s_%d.png", p.lang, p.id, w))
						cw, err := tb.screenshot(w, file)
						if err != nil {
							t.Errorf("%s: screenshot at %d px: %v", where, w, err)
							continue
						}
						shots.Add(1)
						if w == 320 && cw > float64(w)+0.5 {
							t.Errorf("%s: at 320 CSS px the content is %.0f px wide, so the page scrolls sideways "+
								"(WCAG 1.4.10 Reflow); see %s", where, cw, file)
						}
					}
				}
			})
		}
	}
}

// checkAltLink checks that href is the same page in the other language and
// that it answers 200.
func checkAltLink(t *testing.T, where string, client *http.Client, loads *atomic.Int64, matcher *routeMatcher, base string, p sitePage, other, href string) {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil {
		t.Errorf("%s: language link %q: %v", where, href, err)
		return
	}
	b, _ := url.Parse(base)
	if u.Host != b.Host {
		t.Errorf("%s: language link %q leaves the site", where, href)
		return
	}
	if langOf(u.Path) != other {
		t.Errorf("%s: language link %q is not under /%s/", where, href, other)
	}
	r, ok := matcher.match(u)
	switch {
	case !ok:
		t.Errorf("%s: language link %q matches no page route", where, href)
	case r.Page != p.route.Page:
		t.Errorf("%s: language link %q goes to page %q (route %s), want the same page %q", where, href, r.Page, r.Path, p.route.Page)
	}
	loads.Add(1)
	resp, err := client.Get(href)
	if err != nil {
		t.Errorf("%s: language link %q: %v", where, href, err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s: language link %q answers %d, want 200", where, href, resp.StatusCode)
	}
}
