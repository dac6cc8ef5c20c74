package app_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/queue"
)

// agentOnly tells whether a page path needs a signed-in agent (or a
// signed-in person: the account pages).
func agentOnly(path string) bool {
	for _, prefix := range []string{"/fr/agent", "/en/agent", "/fr/compte", "/en/account"} {
		if (path == prefix || strings.HasPrefix(path, prefix+"/")) && !strings.Contains(path, "/connexion") && !strings.Contains(path, "/sign-in") {
			return true
		}
	}
	return false
}

// browser is a client without JavaScript: a cookie jar, no automatic redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, html.UnescapeString(string(out))
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.do("GET", path, nil)
}

// post sends a form with the CSRF token of the page at from.
func (b *browser) post(from, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get(from)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no csrf_token on %s:\n%s", from, page)
	}
	form.Set("csrf_token", m[1])
	return b.do("POST", path, form)
}

// signIn signs in through the agents' form: the password, then a code of
// the authenticator (secret) when the account has one. It returns the last
// answer.
func (b *browser) signIn(email, password, secret, next string) *http.Response {
	b.t.Helper()
	resp, _ := b.post("/fr/agent/connexion", "/fr/agent/connexion", url.Values{"email": {email}, "password": {password}, "next": {next}})
	if secret == "" || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/fr/connexion/code") {
		return resp
	}
	u, _ := url.Parse(resp.Header.Get("Location"))
	resp, body := b.post(resp.Header.Get("Location"), "/fr/connexion/code", url.Values{"code": {codes.next(b.t, secret)}, "next": {u.Query().Get("next")}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("second factor: %d\n%s", resp.StatusCode, body)
	}
	return resp
}

// codes hands out TOTP codes: each step once per secret (the service takes
// a step only once), from the previous step to the next one (its tolerance
// for clock skew): three sign-ins per account and 30 seconds.
var codes = &totpCodes{last: map[string]int64{}}

type totpCodes struct {
	mu   sync.Mutex
	last map[string]int64
}

func (c *totpCodes) next(t testing.TB, secret string) string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	cur := now.Unix() / 30
	step := max(cur-1, c.last[secret]+1)
	if step > cur+1 {
		t.Fatal("more than three sign-ins of one account in 30 seconds: use another account")
	}
	c.last[secret] = step
	code, err := identity.TOTPCode(secret, time.Unix(step*30, 0))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrol adds an authenticator app through the enrolment page, for an agent
// whose sign-in waits for it, and returns its secret and recovery codes.
func (b *browser) enrol(next string, password ...string) (string, []string) {
	b.t.Helper()
	resp, page := b.get("/fr/compte/application")
	wantStatus(b.t, "enrolment page", resp, page, http.StatusOK)
	m := regexp.MustCompile(`<code class="secret">([A-Z2-7 ]+)</code>`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `<img class="qr" src="data:image/png;base64,`) {
		b.t.Fatalf("no secret or QR code on the enrolment page:\n%s", page)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	form := url.Values{"code": {codes.next(b.t, secret)}, "next": {next}}
	if strings.Contains(page, `name="current_password"`) {
		if len(password) == 0 {
			b.t.Fatal("the enrolment page asks for the password: pass it to enrol")
		}
		form.Set("current_password", password[0])
	}
	resp, body := b.post("/fr/compte/application", "/fr/compte/application", form)
	wantStatus(b.t, "enrolment", resp, body, http.StatusOK)
	var recovery []string
	for _, c := range regexp.MustCompile(`<li><code>([0-9a-z-]{19})</code></li>`).FindAllStringSubmatch(body, -1) {
		recovery = append(recovery, c[1])
	}
	if len(recovery) != 10 {
		b.t.Fatalf("%d recovery codes shown after enrolment:\n%s", len(recovery), body)
	}
	return secret, recovery
}

func wantStatus(t *testing.T, what string, resp *http.Response, body string, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, status, body)
	}
}

// TestAgentScreens: the interim agent sign-in, least privilege, and the
// whole counter flow (call, served, book on behalf, move, check in, call an
// appointment) through the HTML forms, as a browser without JavaScript.
func TestAgentScreens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		ctx := context.Background()
		dataDir := filepath.Join(t.TempDir(), "data")
		r := start(t, d.Dialect, func(c *config.Config) { c.DataDir = dataDir })
		email, password, secret, ok := r.DemoAgent()
		if !ok || email != "agent@demo.guichet.example" || len(password) < 12 || len(secret) != 32 {
			t.Fatalf("demo agent: %q %v", email, ok)
		}
		st, err := os.Stat(filepath.Join(dataDir, "demo-agent.txt"))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("demo-agent.txt: %v %v", st, err)
		}
		if b, _ := os.ReadFile(filepath.Join(dataDir, "demo-agent.txt")); strings.TrimSpace(string(b)) != email+" "+password+" "+secret {
			t.Errorf("demo-agent.txt holds %q", b)
		}
		demoPoint := r.Catalog().FirstPointID()
		pointPage := "/fr/agent/points/" + demoPoint

		t.Run("anonymous visitors are sent to the sign-in page", func(t *testing.T) {
			b := newBrowser(t, r.url)
			resp, body := b.get(pointPage)
			wantStatus(t, "anonymous point screen", resp, body, http.StatusSeeOther)
			if loc := resp.Header.Get("Location"); loc != "/fr/agent/connexion?next="+url.QueryEscape(pointPage) {
				t.Errorf("Location %q", loc)
			}
			resp, body = b.get("/fr/agent/connexion?next=" + url.QueryEscape(pointPage))
			wantStatus(t, "sign-in page", resp, body, http.StatusOK)
			for _, want := range []string{`autocomplete="username"`, `autocomplete="current-password"`, `name="next" value="` + pointPage + `"`} {
				if !strings.Contains(body, want) {
					t.Errorf("sign-in page lacks %s", want)
				}
			}
			if resp.Header.Get("X-Robots-Tag") == "" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", resp.Header)
			}
		})

		t.Run("wrong credentials", func(t *testing.T) {
			b := newBrowser(t, r.url)
			for _, who := range []string{email, "nobody@demo.guichet.example"} {
				resp, body := b.post("/fr/agent/connexion", "/fr/agent/connexion", url.Values{"email": {who}, "password": {"not the password"}})
				wantStatus(t, "wrong password", resp, body, http.StatusUnauthorized)
				if !strings.Contains(body, "Adresse courriel ou mot de passe incorrect.") || !strings.Contains(body, `role="alert"`) {
					t.Errorf("no message:\n%s", body)
				}
			}
			if resp, _ := b.get("/fr/agent"); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("after a failed sign-in /fr/agent: %d", resp.StatusCode)
			}
		})

		t.Run("sign in, home, point screen, language links", func(t *testing.T) {
			b := newBrowser(t, r.url)
			resp := b.signIn(email, password, secret, "https://evil.example/fr/agent")
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fr/agent" {
				t.Fatalf("sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			cookie := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
			for _, want := range []string{"guichet_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
				if !strings.Contains(cookie, want) {
					t.Errorf("session cookie lacks %s: %s", want, cookie)
				}
			}
			resp, body := b.get("/fr/agent")
			wantStatus(t, "home", resp, body, http.StatusOK)
			if !strings.Contains(body, "Agent Démo") || !strings.Contains(body, `href="`+pointPage+`"`) || !strings.Contains(body, "Se déconnecter") {
				t.Errorf("home:\n%s", body)
			}
			resp, body = b.get(pointPage)
			wantStatus(t, "point screen", resp, body, http.StatusOK)
			if !strings.Contains(body, "Appeler la personne suivante") || !strings.Contains(body, "Aujourd’hui") {
				t.Errorf("point screen:\n%s", body)
			}
			// next is carried to the second factor when it is a path of this
			// site, and dropped otherwise.
			for next, want := range map[string]string{pointPage: "/fr/connexion/code?next=" + url.QueryEscape(pointPage),
				"//evil.example/fr/agent": "/fr/connexion/code", "https://evil.example/": "/fr/connexion/code",
				"/\\evil.example": "/fr/connexion/code"} {
				if resp := newBrowser(t, r.url).signIn(email, password, "", next); resp.Header.Get("Location") != want {
					t.Errorf("next=%q: Location %q, want %q", next, resp.Header.Get("Location"), want)
				}
			}
			// Every agent page answers 200 signed in, and links to itself in English.
			alt := regexp.MustCompile(`<a class="lang-switch" href="([^"]+)"`)
			for _, route := range r.Routes() {
				if route.Kind != httpx.Page {
					continue
				}
				path := route.Path
				if route.Example != "" {
					path = route.Example
				}
				if !agentOnly(path) {
					continue
				}
				resp, body := b.get(path)
				m := alt.FindStringSubmatch(body)
				if resp.StatusCode != 200 || m == nil {
					t.Errorf("%s: %d", path, resp.StatusCode)
					continue
				}
				if back, _ := b.get(m[1]); back.StatusCode != 200 {
					t.Errorf("%s → %s: %d", path, m[1], back.StatusCode)
				}
			}
		})

		// A point open around the clock, and an agent who works there only.
		point, service := alwaysOpen(t, r)
		first, _, _ := r.Catalog().Point(demoPoint)
		if _, err := r.Identity().CreateAgent(ctx, nil, identity.NewAgent{Email: "nuit@demo.guichet.example", GivenName: "Agent de nuit",
			OrganizationID: first.OrganizationID, Points: []string{point}}, "un mot de passe assez long"); err != nil {
			t.Fatal(err)
		}
		// The night agent's first sign-in: an authenticator app first.
		night := newBrowser(t, r.url)
		if resp := night.signIn("nuit@demo.guichet.example", "un mot de passe assez long", "", ""); resp.Header.Get("Location") != "/fr/compte/application" {
			t.Fatalf("first sign-in of an agent: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, body := night.get("/fr/agent"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fr/compte/application?next=%2Ffr%2Fagent" {
			t.Fatalf("agent page before enrolment: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		_, nightCodes := night.enrol("")
		screen := "/fr/agent/points/" + point
		action := func(name string) string { return screen + "/" + name }

		t.Run("least privilege", func(t *testing.T) {
			demo := newBrowser(t, r.url)
			demo.signIn(email, password, secret, "")
			resp, body := demo.get(screen)
			wantStatus(t, "another point's screen", resp, body, http.StatusForbidden)
			resp, body = demo.post("/fr/agent", action("appeler"), url.Values{"counter": {"1"}})
			wantStatus(t, "call at another point", resp, body, http.StatusForbidden)
			resp, body = demo.get(screen + "/rendez-vous")
			wantStatus(t, "book at another point", resp, body, http.StatusForbidden)
			resp, body = night.get(pointPage)
			wantStatus(t, "the demo point for the night agent", resp, body, http.StatusForbidden)
			if _, body := night.get("/fr/agent"); strings.Contains(body, pointPage) {
				t.Error("the home lists a point the agent does not work at")
			}
		})

		t.Run("the counter flow", func(t *testing.T) {
			b := newBrowser(t, r.url)
			b.signIn("nuit@demo.guichet.example", "un mot de passe assez long", "", screen)
			// A recovery code instead of the app, typed loosely.
			resp, _ := b.post("/fr/connexion/code", "/fr/connexion/code", url.Values{"code": {strings.ToUpper(nightCodes[0])}, "next": {screen}})
			var body string
			if resp.Header.Get("Location") != screen {
				t.Fatalf("sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			ticket, _, err := r.Queue().Take(ctx, queue.TakeRequest{PointID: point, ServiceID: service, Channel: queue.ChannelWeb})
			if err != nil {
				t.Fatal(err)
			}
			_, body = b.get(screen)
			if !strings.Contains(body, "<th scope=\"row\">"+ticket.Label+"</th>") {
				t.Fatalf("the waiting ticket is not on the board:\n%s", body)
			}
			// Call next: the ticket, at counter 3 (remembered).
			resp, body = b.post(screen, action("appeler"), url.Values{"counter": {"3"}})
			wantStatus(t, "call", resp, body, http.StatusSeeOther)
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, screen+"?") || !strings.Contains(loc, "done=called") {
				t.Fatalf("call: Location %q", loc)
			}
			_, body = b.get(resp.Header.Get("Location"))
			if !strings.Contains(body, "Appelé à votre comptoir") || !strings.Contains(body, `class="agent-called-label">`+ticket.Label) ||
				!strings.Contains(body, `name="counter" value="3"`) || !strings.Contains(body, `role="status"`) {
				t.Fatalf("after the call:\n%s", body)
			}
			ref := "ticket:" + strconv.FormatInt(ticket.ID, 10)
			resp, body = b.post(screen, action("servi"), url.Values{"item": {ref}})
			wantStatus(t, "served", resp, body, http.StatusSeeOther)
			_, body = b.get(resp.Header.Get("Location"))
			if strings.Contains(body, "Appelé à votre comptoir") || !strings.Contains(body, "Personne n’attend avec un numéro.") {
				t.Fatalf("after served:\n%s", body)
			}
			// Nothing to call: the screen again with the reason.
			resp, body = b.post(screen, action("appeler"), url.Values{"counter": {"3"}})
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Personne n’attend.") {
				t.Fatalf("call with nobody waiting: %d\n%s", resp.StatusCode, body)
			}
			// Served again: the item is no longer on the board.
			if resp, _ := b.post(screen, action("servi"), url.Values{"item": {ref}}); resp.StatusCode != http.StatusConflict {
				t.Errorf("served twice: %d", resp.StatusCode)
			}

			// Book on behalf of a citizen.
			bookPage := screen + "/rendez-vous?service=" + url.QueryEscape(service)
			resp, body = b.get(bookPage)
			wantStatus(t, "book page", resp, body, http.StatusOK)
			starts := regexp.MustCompile(`name="start" value="([^"]+)"`).FindAllStringSubmatch(body, -1)
			if len(starts) < 2 {
				t.Fatalf("book page: no times\n%s", body)
			}
			form := url.Values{"service": {service}, "start": {starts[0][1]}, "name": {"Camille Citoyenne"}, "email": {"camille@exemple.qc.ca"}}
			form.Set("name", "")
			resp, body = b.post(bookPage, screen+"/rendez-vous", form)
			if resp.StatusCode != 422 || !strings.Contains(body, `href="#name"`) {
				t.Fatalf("book without a name: %d\n%s", resp.StatusCode, body)
			}
			form.Set("name", "Camille Citoyenne")
			resp, body = b.post(bookPage, screen+"/rendez-vous", form)
			wantStatus(t, "book", resp, body, http.StatusSeeOther)
			loc, _ := url.Parse(resp.Header.Get("Location"))
			reference := loc.Query().Get("ref")
			if loc.Path != screen || loc.Query().Get("done") != "booked" || !strings.HasPrefix(reference, "RV-") {
				t.Fatalf("book: Location %q", loc)
			}
			_, body = b.get(loc.String())
			if !strings.Contains(body, "Rendez-vous "+reference+" pris.") || !strings.Contains(body, "Camille Citoyenne") {
				t.Fatalf("the appointment is not in the agenda:\n%s", body)
			}
			var channel string
			if err := r.DB().Read(ctx, func(tx *database.Tx) error {
				return tx.QueryRow(ctx, `SELECT channel FROM appointments WHERE reference = ?`, reference).Scan(&channel)
			}); err != nil || channel != "counter" {
				t.Errorf("channel %q %v", channel, err)
			}

			// Move it on behalf, to another free time that day.
			moveSelect := regexp.MustCompile(`(?s)<select id="move-` + reference + `" name="start" required>\s*<option value="([^"]+)"`).FindStringSubmatch(body)
			if moveSelect == nil {
				t.Fatalf("no move form:\n%s", body)
			}
			resp, body = b.post(loc.String(), action("deplacer"), url.Values{"reference": {reference}, "start": {moveSelect[1]}})
			wantStatus(t, "move", resp, body, http.StatusSeeOther)
			if !strings.Contains(resp.Header.Get("Location"), "done=moved") {
				t.Fatalf("move: Location %q", resp.Header.Get("Location"))
			}
			var startAt int64
			r.DB().Read(ctx, func(tx *database.Tx) error {
				return tx.QueryRow(ctx, `SELECT start_at FROM appointments WHERE reference = ?`, reference).Scan(&startAt)
			})
			moved, _ := time.Parse(time.RFC3339, moveSelect[1])
			if startAt != moved.Unix() {
				t.Errorf("moved to %d, want %d", startAt, moved.Unix())
			}
			var actor string
			r.DB().Read(ctx, func(tx *database.Tx) error {
				return tx.QueryRow(ctx, `SELECT actor FROM audit_entries WHERE action = 'appointment.rescheduled' AND object = ?`, reference).Scan(&actor)
			})
			night, _ := r.Identity().AccountByEmail(ctx, "nuit@demo.guichet.example")
			if actor != "agent:account:"+night.ID {
				t.Errorf("the move is recorded for %q", actor)
			}

			// Check in, then call next picks the appointment (nobody else waits).
			today := time.Now().In(moved.Location()).Format(time.DateOnly) == moved.Format(time.DateOnly)
			resp, body = b.post(screen, action("arrivee"), url.Values{"reference": {reference}})
			if !today { // booked past midnight: not today's, refused
				if resp.StatusCode != http.StatusConflict {
					t.Fatalf("check in another day: %d", resp.StatusCode)
				}
				t.Logf("the first free time is tomorrow: the call of an appointment is not exercised")
			} else {
				wantStatus(t, "check in", resp, body, http.StatusSeeOther)
				resp, body = b.post(screen, action("appeler"), url.Values{"counter": {"3"}})
				wantStatus(t, "call the appointment", resp, body, http.StatusSeeOther)
				_, body = b.get(resp.Header.Get("Location"))
				if !strings.Contains(body, `class="agent-called-label">`+reference) || !strings.Contains(body, "Camille Citoyenne") {
					t.Fatalf("the appointment is not called:\n%s", body)
				}
				resp, body = b.post(screen, action("servi"), url.Values{"item": {"appointment:" + reference}})
				wantStatus(t, "appointment served", resp, body, http.StatusSeeOther)
			}

			// Sign out: the session ends.
			resp, body = b.post(screen, "/fr/deconnexion", url.Values{"agent": {"1"}})
			wantStatus(t, "sign out", resp, body, http.StatusSeeOther)
			if !strings.HasPrefix(resp.Header.Get("Location"), "/fr/agent/connexion") {
				t.Errorf("sign out: Location %q", resp.Header.Get("Location"))
			}
			if resp, _ := b.get(screen); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("after sign-out: %d", resp.StatusCode)
			}
		})
	})
}
