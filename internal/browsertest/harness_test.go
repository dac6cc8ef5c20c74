package browsertest

// The harness: finding the browser and axe-core, starting one browser for the
// whole run, loading a page in a tab with scripts on or off, and auditing it.

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const (
	browserStartTimeout = 30 * time.Second
	pageTimeout         = 30 * time.Second // one subtest: load, checks, audit, screenshots
	maxAxeSteps         = 100000           // timer callbacks of one axe run (about 100 in practice)
)

// inCI tells whether a missing tool must fail the run rather than skip it.
func inCI() bool { return strings.EqualFold(os.Getenv("CI"), "true") }

// missing skips the test with instructions, or fails it in CI where nothing
// may be skipped.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("%s\n(CI=true: browser tests may not be skipped in CI)", msg)
	}
	t.Skip(msg)
}

// tools is what the environment provides; found once per run.
type tools struct {
	chromium    string
	axe         string // contents of axe.min.js
	axePath     string
	screenshots string
	problem     string // why the tests cannot run ("" when they can)
	fatal       bool   // the problem is a wrong setting, not a missing tool: fail even outside CI
}

var (
	toolsOnce sync.Once
	found     tools
)

func needTools(t testing.TB) tools {
	t.Helper()
	toolsOnce.Do(func() { found = findTools() })
	if found.problem != "" {
		if found.fatal {
			t.Fatal(found.problem)
		}
		missing(t, "%s", found.problem)
	}
	return found
}

func findTools() tools {
	var tl tools
	var problems []string
	fatal := false

	if p := os.Getenv("GUICHET_CHROMIUM"); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			problems = append(problems, fmt.Sprintf("GUICHET_CHROMIUM=%q is not a browser executable (%v)", p, err))
			fatal = true
		} else {
			tl.chromium = p
		}
	} else {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				tl.chromium = p
				break
			}
		}
		if tl.chromium == "" {
			problems = append(problems, "no browser: found none of chromium, chromium-browser, google-chrome on PATH; "+
				"install one (`apt-get install chromium`) or set GUICHET_CHROMIUM=/path/to/chrome")
		}
	}

	if p := os.Getenv("GUICHET_AXE"); p != "" {
		path, err := axeFile(p)
		if err != nil {
			problems = append(problems, err.Error())
			fatal = true
		} else if b, err := os.ReadFile(path); err != nil {
			problems = append(problems, fmt.Sprintf("GUICHET_AXE: %v", err))
			fatal = true
		} else {
			tl.axe, tl.axePath = string(b), path
		}
	} else {
		problems = append(problems, "no axe-core: install it outside the source tree "+
			"(`mkdir -p /tmp/axe && cd /tmp/axe && npm install axe-core`) and set GUICHET_AXE=/tmp/axe/node_modules "+
			"(or the path of axe.min.js)")
	}

	if len(problems) > 0 {
		tl.problem = "browser tests cannot run: " + strings.Join(problems, "; ")
		tl.fatal = fatal
		return tl
	}

	if d := os.Getenv("GUICHET_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tl.problem, tl.fatal = fmt.Sprintf("GUICHET_SCREENSHOTS=%q: %v", d, err), true
			return tl
		}
		tl.screenshots = d
	} else {
		// Not t.TempDir: the pictures are meant to be looked at after the run.
		d, err := os.MkdirTemp("", "guichet-screenshots-")
		if err != nil {
			tl.problem, tl.fatal = err.Error(), true
			return tl
		}
		tl.screenshots = d
	}
	return tl
}

// axeFile accepts axe.min.js itself, the axe-core folder, a node_modules
// folder, or a folder holding node_modules.
func axeFile(p string) (string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("GUICHET_AXE=%q does not exist; point it at axe.min.js or at the node_modules folder where `npm install axe-core` put it", p)
	}
	if !st.IsDir() {
		return p, nil
	}
	for _, c := range []string{
		filepath.Join(p, "axe.min.js"),
		filepath.Join(p, "axe-core", "axe.min.js"),
		filepath.Join(p, "node_modules", "axe-core", "axe.min.js"),
	} {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("GUICHET_AXE=%q holds no axe-core/axe.min.js; run `npm install axe-core` in it or point the variable at axe.min.js", p)
}

// ---- the browser: one per run ----

var (
	browserOnce   sync.Once
	browserCtx    context.Context // parent of every tab
	browserErr    error
	stopBrowser   = func() {}
	browserTmpDir string
)

// allocatorOptions are chromedp's defaults plus the flags that the build
// machines require (headless, no sandbox, no GPU, no background traffic, no
// QUIC) and a fresh profile.
func allocatorOptions(execPath, userDataDir string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless, // --headless
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(userDataDir), // fresh profile for every run
	)
}

// browser returns the context of the shared browser, starting it on first use.
func browser(t testing.TB) context.Context {
	t.Helper()
	tl := needTools(t)
	browserOnce.Do(func() {
		// Not t.TempDir: the browser outlives the test that started it;
		// TestMain removes the folder.
		dir, err := os.MkdirTemp("", "guichet-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		browserTmpDir = dir
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocatorOptions(tl.chromium, dir)...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		stopBrowser = func() {
			cancelBrowser()
			cancelAlloc()
			os.RemoveAll(dir)
		}
		// The first Do starts the browser; it must run on a context without
		// a deadline (the deadline would end the browser), so bound it here.
		done := make(chan error, 1)
		go func() { done <- chromedp.Do(bctx) }()
		select {
		case err = <-done:
		case <-time.After(browserStartTimeout):
			err = fmt.Errorf("the browser did not start within %v", browserStartTimeout)
		}
		if err != nil {
			browserErr = fmt.Errorf("cannot start %s: %w", tl.chromium, err)
			stopBrowser()
			stopBrowser = func() {}
			return
		}
		browserCtx = bctx
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	return browserCtx
}

// ---- a tab ----

// tab is one browser tab with scripts on or off. Page scripts are switched
// off with Emulation.setScriptExecutionDisabled before the first
// navigation: Blink then neither runs nor fetches <script>s, ignores inline
// handlers, renders <noscript> and matches @media (scripting: none), exactly
// as for a visitor who turned JavaScript off. Every page load checks that the
// document really matches (scripting: none), and TestHarnessCatchesViolations
// checks with a real script that it does not run.
type tab struct {
	ctx    context.Context
	jsOff  bool
	mu     sync.Mutex
	errors []string // console errors and browser-log errors since the last take
}

func newTab(t *testing.T, jsOff bool) *tab {
	t.Helper()
	tctx, cancelTab := chromedp.NewContext(browser(t))
	ctx, cancelTimeout := context.WithTimeout(tctx, pageTimeout)
	t.Cleanup(func() { cancelTimeout(); cancelTab() })
	tb := &tab{ctx: ctx, jsOff: jsOff}
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			if ev.Entry != nil && ev.Entry.Level == log.EntryLevelError {
				msg = fmt.Sprintf("%s: %s", ev.Entry.Source, ev.Entry.Text)
				if ev.Entry.URL != "" {
					msg += " (" + ev.Entry.URL + ")"
				}
			}
		case *runtime.EventExceptionThrown:
			if ev.ExceptionDetails != nil {
				msg = "uncaught exception: " + (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error()
			}
		}
		if msg != "" {
			tb.mu.Lock()
			tb.errors = append(tb.errors, msg)
			tb.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: jsOff}); err != nil {
		t.Fatalf("switch scripts off: %v", err)
	}
	return tb
}

func (tb *tab) takeErrors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	e := tb.errors
	tb.errors = nil
	return e
}

// ---- loading and auditing a page ----

// altLink is an <a hreflang> of the page.
type altLink struct {
	Hreflang string `json:"hreflang"`
	Href     string `json:"href"` // resolved by the browser
}

// violation is one failed axe rule.
type violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	HelpURL string   `json:"helpUrl"`
	Nodes   int      `json:"nodes"`
	Targets []string `json:"targets"` // selectors of the first nodes
}

// pageReport is what one load of one page gave.
type pageReport struct {
	URL          string
	Status       int
	Lang         string // <html lang>
	ScriptingOff bool   // the document matches @media (scripting: none)
	AltLinks     []altLink
	Passes       int // rules that passed: proves that axe audited something
	Violations   []violation
	Console      []string // errors in the console / browser log during load and audit
	AxeVersion   string
}

// facts is evaluated in the audit world right after the load.
const factsJS = `JSON.stringify({
	lang: document.documentElement.getAttribute("lang") || "",
	scriptingOff: matchMedia("(scripting: none)").matches,
	alt: Array.from(document.querySelectorAll("a[hreflang]"), a => ({hreflang: a.hreflang, href: a.href})),
	ready: document.readyState
})`

// timersJS replaces the timers of the audit world with a queue that the test
// drives (see runAxe). It is evaluated before axe.min.js, which keeps a
// reference to setTimeout when it loads.
const timersJS = `(() => {
	const timers = [];
	let seq = 0, now = 0;
	globalThis.setTimeout = (fn, ms, ...args) => {
		const id = ++seq;
		timers.push({id, at: now + Math.max(0, Number(ms) || 0), fn, args});
		return id;
	};
	globalThis.clearTimeout = id => {
		const i = timers.findIndex(t => t.id === id);
		if (i >= 0) timers.splice(i, 1);
	};
	const run = {done: false, result: "", error: ""};
	globalThis.__guichetAudit = {
		start(options) {
			axe.run(document, options).then(r => {
				run.result = JSON.stringify({
					version: r.testEngine && r.testEngine.version,
					passes: r.passes.length,
					violations: r.violations.map(v => ({
						id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
						nodes: v.nodes.length,
						targets: v.nodes.slice(0, 3).map(n => JSON.stringify(n.target)),
					})),
				});
				run.done = true;
			}, e => { run.error = String((e && e.stack) || e); run.done = true; });
		},
		// step runs the next timer, in order of due time; the microtasks it
		// queues run when the evaluation that called it ends.
		step() {
			if (run.done) return run.error ? "error" : "done";
			if (timers.length === 0) return "stalled";
			timers.sort((a, b) => a.at - b.at || a.id - b.id);
			const t = timers.shift();
			now = t.at;
			if (typeof t.fn === "function") t.fn(...t.args);
			return "running";
		},
		result() { return run.error ? "ERROR " + run.error : run.result; },
	};
})()`

// axeOptions are the rules the site must pass: WCAG 2.0 and 2.1, A and AA.
const axeOptions = `{runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]}`

// load navigates the tab to url and waits for the load event (chromedp's
// navigation waiting; audit then checks document.readyState == "complete").
// It returns the HTTP status of the HTML document.
func (tb *tab) load(url string) (int, error) {
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", url, err)
	}
	if resp == nil {
		return 0, fmt.Errorf("load %s: no response", url)
	}
	return int(resp.Status), nil
}

// audit loads url and audits it.
//
// How axe runs, with scripts on and off alike: axe.min.js is evaluated with
// Runtime.evaluate in an isolated world of the page (Page.createIsolatedWorld),
// as an extension's content script would be. It shares the page's DOM and
// styles but not its JavaScript globals, so the page cannot disturb axe and
// axe leaves nothing in the page.
//
// Two things stand in the way and are handled:
//
//   - CSP. The page is NOT loaded with Page.setBypassCSP. DevTools evaluation
//     and isolated worlds are not subject to the page's script-src, so axe
//     needs no bypass; and keeping the policy means the test renders the page
//     exactly as a visitor gets it (an inline style or script that the strict
//     policy blocks in production is blocked here too, and is reported below
//     as a console error). Bypassing would have let the audit see a page
//     that visitors never see.
//   - Timers. With script execution disabled, Blink runs no timer callback in
//     any world (only evaluations from DevTools and their microtasks), and
//     axe.run settles through setTimeout(…, 0), so it would wait for ever.
//     The audit world's setTimeout/clearTimeout are therefore a queue that
//     the test drives: each Runtime.evaluate of step() runs the next timer,
//     and the microtasks it queues run when that evaluation ends — the same
//     order as the browser's event loop, deterministic, without sleeping.
//     The same path is used with scripts on, so both modes audit alike.
func (tb *tab) audit(url string, axeSource string) (*pageReport, error) {
	tb.takeErrors() // what an earlier page left
	rep := &pageReport{URL: url}
	var err error
	if rep.Status, err = tb.load(url); err != nil {
		return nil, err
	}
	return rep, tb.auditLoaded(rep, axeSource)
}

// auditLoaded runs axe on the page the tab shows (a page reached by a
// form post, for instance), filling rep.
func (tb *tab) auditLoaded(rep *pageReport, axeSource string) error {
	return chromedp.Do(tb.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		world, err := isolatedWorld(ctx, t)
		if err != nil {
			return err
		}
		var facts struct {
			Lang         string    `json:"lang"`
			ScriptingOff bool      `json:"scriptingOff"`
			Alt          []altLink `json:"alt"`
			Ready        string    `json:"ready"`
		}
		if err := evalJSON(ctx, t, world, factsJS, &facts); err != nil {
			return fmt.Errorf("read the page: %w", err)
		}
		if facts.Ready != "complete" {
			return fmt.Errorf("document.readyState is %q after the load event", facts.Ready)
		}
		rep.Lang, rep.ScriptingOff, rep.AltLinks = facts.Lang, facts.ScriptingOff, facts.Alt

		for _, src := range []string{timersJS, axeSource, "__guichetAudit.start(" + axeOptions + ")"} {
			if _, err := eval(ctx, t, world, src+"\n;0"); err != nil {
				return fmt.Errorf("start axe: %w", err)
			}
		}
		state := ""
		for i := 0; ; i++ {
			if i == maxAxeSteps {
				return fmt.Errorf("axe did not finish after %d timer callbacks", maxAxeSteps)
			}
			if state, err = evalString(ctx, t, world, "__guichetAudit.step()"); err != nil {
				return fmt.Errorf("run axe: %w", err)
			}
			if state != "running" {
				break
			}
		}
		if state == "stalled" {
			return errors.New("axe stalled: its promise waits for something other than a timer")
		}
		res, err := evalString(ctx, t, world, "__guichetAudit.result()")
		if err != nil {
			return fmt.Errorf("read axe results: %w", err)
		}
		if rest, ok := strings.CutPrefix(res, "ERROR "); ok {
			return fmt.Errorf("axe failed: %s", rest)
		}
		var out struct {
			Version    string      `json:"version"`
			Passes     int         `json:"passes"`
			Violations []violation `json:"violations"`
		}
		if err := json.Unmarshal([]byte(res), &out); err != nil {
			return fmt.Errorf("axe results: %w", err)
		}
		rep.AxeVersion, rep.Passes, rep.Violations = out.Version, out.Passes, out.Violations
		rep.Console = tb.takeErrors()
		return nil
	}))
}

// isolatedWorld makes a fresh isolated world in the main frame of the tab.
func isolatedWorld(ctx context.Context, t *chromedp.Target) (runtime.ExecutionContextID, error) {
	tree, err := cdp.Call(ctx, t, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return 0, err
	}
	w, err := cdp.Call(ctx, t, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{
		FrameID:   tree.FrameTree.Frame.ID,
		WorldName: "guichet-axe",
	})
	if err != nil {
		return 0, fmt.Errorf("create the audit world: %w", err)
	}
	return w.ExecutionContextID, nil
}

func eval(ctx context.Context, t *chromedp.Target, world runtime.ExecutionContextID, expr string) (*runtime.RemoteObject, error) {
	yes := true
	r, err := cdp.Call(ctx, t, runtime.Evaluate, runtime.EvaluateParams{
		Expression:    expr,
		ContextID:     world,
		ReturnByValue: &yes,
	})
	if err != nil {
		return nil, err
	}
	if r.ExceptionDetails != nil {
		return nil, &chromedp.ExceptionError{ExceptionDetails: r.ExceptionDetails}
	}
	return r.Result, nil
}

func evalString(ctx context.Context, t *chromedp.Target, world runtime.ExecutionContextID, expr string) (string, error) {
	r, err := eval(ctx, t, world, expr)
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(r.Value, &s); err != nil {
		return "", fmt.Errorf("%s did not give a string: %s", expr, r.Value)
	}
	return s, nil
}

func evalJSON(ctx context.Context, t *chromedp.Target, world runtime.ExecutionContextID, expr string, v any) error {
	s, err := evalString(ctx, t, world, expr)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(s), v)
}

// screenshot saves a full-page PNG of the current page at the given width.
// chromedp.FullScreenshot in v0.23 captures only the viewport, so the page
// is measured and captured with a clip beyond the viewport; the viewport
// itself keeps a normal height, so 100vh layouts are not stretched. It
// returns the width of the content, which is wider than the viewport when
// the page scrolls sideways.
func (tb *tab) screenshot(width int64, file string) (contentWidth float64, err error) {
	err = chromedp.Do(tb.ctx,
		chromedp.EmulateViewport(width, 800),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
			if err != nil {
				return err
			}
			if m.CSSContentSize == nil {
				return errors.New("no layout metrics")
			}
			contentWidth = m.CSSContentSize.Width
			w := math.Ceil(max(float64(width), contentWidth))
			h := math.Ceil(max(m.CSSContentSize.Height, 1))
			yes := true
			shot, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
				Format:                page.CaptureScreenshotFormatPng,
				Clip:                  &page.Viewport{X: 0, Y: 0, Width: w, Height: h, Scale: 1},
				CaptureBeyondViewport: &yes,
				FromSurface:           &yes,
			})
			if err != nil {
				return err
			}
			return os.WriteFile(file, shot.Data, 0o644)
		}),
	)
	return contentWidth, err
}

// describe renders the violations for a failure message.
func describe(where string, vs []violation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d accessibility violation(s):", where, len(vs))
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  - [%s] %s: %s (%d element(s); %s)", v.Impact, v.ID, v.Help, v.Nodes, v.HelpURL)
		for _, tg := range v.Targets {
			fmt.Fprintf(&b, "\n      at %s", tg)
		}
	}
	return b.String()
}
