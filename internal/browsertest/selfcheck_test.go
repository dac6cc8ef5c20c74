package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet-qc/guichet/internal/httpx"
)

// badPage has known violations (an image without alt, an input without a
// label), a script that marks the document when it runs, and an inline style
// that the site's own Content-Security-Policy (sent with it) blocks.
const badPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Harness self-check</title>
<script src="/mark.js"></script>
</head>
<body>
<main>
<h1>Self-check</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==">
<form action="/"><input type="text" name="q"><button>Go</button></form>
<noscript><p id="noscript">JavaScript is off</p></noscript>
<p style="color: #777">An inline style, which the site's policy forbids.</p>
</main>
</body>
</html>`

// TestHarnessCatchesViolations proves that the harness reports what it must,
// so that TestAccessibility cannot pass by auditing nothing, and that "JS
// off" really stops page scripts while axe still runs.
func TestHarnessCatchesViolations(t *testing.T) {
	tl := needTools(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", httpx.ContentSecurityPolicy)
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, badPage)
		case "/mark.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `document.documentElement.dataset.scripts = "ran";`)
		case "/favicon.ico":
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	for _, jsOff := range []bool{false, true} {
		name := map[bool]string{false: "js-on", true: "js-off"}[jsOff]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t, jsOff)
			rep, err := tb.audit(srv.URL+"/", tl.axe)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != http.StatusOK || rep.Lang != "en" {
				t.Errorf("status %d, lang %q; want 200, en", rep.Status, rep.Lang)
			}
			if rep.Passes == 0 {
				t.Errorf("axe reports no passed rule")
			}
			found := map[string]violation{}
			for _, v := range rep.Violations {
				found[v.ID] = v
			}
			for _, id := range []string{"image-alt", "label"} {
				if _, ok := found[id]; !ok {
					t.Errorf("the harness missed the %q violation; it reported %v", id, rep.Violations)
				}
			}
			if v, ok := found["image-alt"]; ok && (len(v.Targets) == 0 || !strings.Contains(v.Targets[0], "img")) {
				t.Errorf("image-alt targets %v, want the img", v.Targets)
			}
			msg := describe("self-check", rep.Violations)
			for _, want := range []string{"image-alt", "label", `"img"`, "https://dequeuniversity.com/"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the failure message does not show %q:\n%s", want, msg)
				}
			}
			t.Logf("axe-core %s reported, as it should:\n%s", rep.AxeVersion, msg)

			// Page scripts: they run with JS on, and not at all with JS off.
			ran, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.documentElement.dataset.scripts || "no"`))
			if err != nil {
				t.Fatal(err)
			}
			noscript, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.getElementById("noscript") !== null`))
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]string{false: "ran", true: "no"}[jsOff]; ran != want {
				t.Errorf("page script marker = %q, want %q (JavaScript %s)", ran, want, name)
			}
			if noscript != jsOff {
				t.Errorf("<noscript> content rendered = %v, want %v", noscript, jsOff)
			}
			if rep.ScriptingOff != jsOff {
				t.Errorf("(scripting: none) = %v, want %v", rep.ScriptingOff, jsOff)
			}
			// The policy is enforced (no bypass), and what it blocks is reported.
			if len(rep.Console) != 1 || !strings.Contains(rep.Console[0], "Content Security Policy") {
				t.Errorf("console errors = %q, want one report of the blocked inline style", rep.Console)
			}
		})
	}
}
