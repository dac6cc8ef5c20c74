package app_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/web"
)

// citizen is a browser without JavaScript: it keeps cookies, does not
// follow redirects, and sends forms.
type citizen struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newCitizen(t *testing.T, base string) *citizen {
	jar, _ := cookiejar.New(nil)
	return &citizen{t: t, base: base, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *citizen) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *citizen) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	return c.do(req)
}

func (c *citizen) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// first returns the first submatch of re in body, unescaped, or fails.
func first(t *testing.T, re, body, what string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s (%s) in\n%s", what, re, body)
	}
	return html.UnescapeString(m[1])
}

func all(re, body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// checkAlt verifies that the language link of a page leads to the same
// step: the other language's path with the same query.
func checkAlt(t *testing.T, body, want string) {
	t.Helper()
	if got := first(t, `<a class="lang-switch" href="([^"]+)"`, body, "language link"); got != want {
		t.Errorf("language link = %q, want %q", got, want)
	}
}

type journeyText struct {
	lang, other                           string
	slots, details, manage, otherSlots    string
	otherDetails, otherManage             string
	cancel, move, calendar                string
	intro, legend, timeRe, contactMissing string
	booked, moved, cancelled, statusCanc  string
	refLabel, full, already, confirmNeed  string
}

var journeys = []journeyText{
	{lang: "fr", other: "en", slots: "/fr/rendez-vous/plages", details: "/fr/rendez-vous/coordonnees", manage: "/fr/rendez-vous/",
		otherSlots: "/en/appointments/slots", otherDetails: "/en/appointments/details", otherManage: "/en/appointments/",
		cancel: "/annuler", move: "/deplacer", calendar: "/calendrier.ics",
		intro: "Ce service se fait sur rendez-vous", legend: "Heures disponibles le ", timeRe: `^\d{1,2}\x{a0}h(\x{a0}\d\d)?$`,
		contactMissing: "Indiquez une adresse courriel ou un numéro de téléphone", booked: "C’est réservé", moved: "Votre rendez-vous est maintenant le ",
		cancelled: "Votre rendez-vous est annulé", statusCanc: "Annulé", refLabel: "Numéro de rendez-vous\u00a0:",
		full: "Cette plage vient d’être prise", already: "déjà réservé à votre nom", confirmNeed: "Cochez «\u00a0Je confirme l’annulation\u00a0»"},
	{lang: "en", other: "fr", slots: "/en/appointments/slots", details: "/en/appointments/details", manage: "/en/appointments/",
		otherSlots: "/fr/rendez-vous/plages", otherDetails: "/fr/rendez-vous/coordonnees", otherManage: "/fr/rendez-vous/",
		cancel: "/cancel", move: "/move", calendar: "/calendar.ics",
		intro: "This service requires an appointment", legend: "Available times on ", timeRe: `^\d{1,2}(:\d\d)? [ap]\.m\.$`,
		contactMissing: "address or a phone number", booked: "Your appointment is confirmed", moved: "Your appointment is now on ",
		cancelled: "Your appointment is cancelled", statusCanc: "Cancelled", refLabel: "Appointment number:",
		full: "has just been taken", already: "already booked in your name", confirmNeed: "Tick “I confirm the cancellation”"},
}

// TestBookingJourney books, moves and cancels an appointment through the
// HTML pages only, in French and in English, as a browser without
// JavaScript does.
func TestBookingJourney(t *testing.T) {
	r := start(t, database.SQLite)
	pointID, serviceID := web.BookableExample(r.Catalog())
	if pointID == "" {
		t.Fatal("no bookable example in the demo data")
	}
	p, _, _ := r.Catalog().Point(pointID)
	for i, j := range journeys {
		t.Run(j.lang, func(t *testing.T) {
			c := newCitizen(t, r.url)
			email := []string{"marie@exemple.qc.ca", "mary@example.ca"}[i]

			// The service page says how booking starts.
			if resp, body := c.get("/" + j.lang + "/services/" + serviceID); resp.StatusCode != 200 || !strings.Contains(body, j.intro) {
				t.Fatalf("service page: %d, no booking sentence", resp.StatusCode)
			}
			// The finder, with the service chosen, links each point to booking.
			finder := map[string]string{"fr": "/fr/points-de-service", "en": "/en/service-points"}[j.lang]
			_, body := c.get(finder + "?" + url.Values{"service": {serviceID}, "near": {p.Municipality}}.Encode())
			var slotsURL string
			for _, u := range all(`href="(`+regexp.QuoteMeta(j.slots)+`\?[^"]+)"`, body) {
				if strings.Contains(u, "point="+pointID) {
					slotsURL = u
				}
			}
			if slotsURL == "" {
				t.Fatalf("the finder has no booking link for %s", pointID)
			}
			// The point's page too.
			if _, body := c.get("/" + j.lang + map[string]string{"fr": "/points-de-service/", "en": "/service-points/"}[j.lang] + pointID); !strings.Contains(body, j.slots+"?point="+pointID+"&amp;service="+serviceID) {
				t.Error("the point page has no booking link")
			}

			// Slots: days as links, the chosen one marked, times as radio buttons.
			resp, body := c.get(slotsURL)
			if resp.StatusCode != 200 || !strings.Contains(body, `aria-current="date"`) || !strings.Contains(body, "<legend>"+j.legend) {
				t.Fatalf("slots: %d\n%s", resp.StatusCode, body)
			}
			checkAlt(t, body, j.otherSlots+"?"+strings.SplitN(slotsURL, "?", 2)[1])
			days := all(`href="(`+regexp.QuoteMeta(j.slots)+`\?[^"]*day=[^"]+)"`, body)
			starts := all(`name="start" value="([^"]+)"`, body)
			labels := all(`<label for="start-\d+">([^<]+)</label>`, body)
			if len(days) == 0 || len(starts) < 3 || len(labels) != len(starts) {
				t.Fatalf("%d days, %d times, %d labels", len(days), len(starts), len(labels))
			}
			if !regexp.MustCompile(j.timeRe).MatchString(labels[0]) {
				t.Errorf("time label %q", labels[0])
			}
			// Another day shows its own times.
			if len(days) > 1 {
				if resp, body := c.get(days[1]); resp.StatusCode != 200 || strings.Contains(body, `value="`+starts[0]+`"`) {
					t.Errorf("second day: %d, still shows the first day's times", resp.StatusCode)
				}
			}

			// Details of the first time.
			q := url.Values{"service": {serviceID}, "point": {pointID}, "start": {starts[0]}}
			resp, body = c.get(j.details + "?" + q.Encode())
			if resp.StatusCode != 200 || !strings.Contains(body, `autocomplete="email"`) {
				t.Fatalf("details: %d\n%s", resp.StatusCode, body)
			}
			checkAlt(t, body, j.otherDetails+"?"+q.Encode())
			csrf := first(t, `name="csrf_token" value="([^"]+)"`, body, "CSRF field")

			// Without a way to reach the citizen: 422, summary, values kept.
			form := url.Values{"csrf_token": {csrf}, "service": {serviceID}, "point": {pointID}, "start": {starts[0]}, "name": {"Marie Tremblay"}}
			resp, body = c.post(j.details, form)
			if resp.StatusCode != 422 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `href="#email"`) ||
				!strings.Contains(body, j.contactMissing) || !strings.Contains(body, `value="Marie Tremblay"`) ||
				!regexp.MustCompile(`id="email"[^>]*aria-invalid="true"`).MatchString(body) {
				t.Fatalf("missing contact: %d\n%s", resp.StatusCode, body)
			}
			checkAlt(t, body, j.otherDetails+"?"+q.Encode())

			// Without the CSRF token: refused.
			noCSRF := url.Values{"service": {serviceID}, "point": {pointID}, "start": {starts[0]}, "name": {"Marie Tremblay"}, "email": {email}}
			if resp, _ := c.post(j.details, noCSRF); resp.StatusCode != 403 {
				t.Errorf("POST without CSRF token: %d, want 403", resp.StatusCode)
			}

			// Booked: 303 to the manage page.
			form.Set("email", email)
			resp, _ = c.post(j.details, form)
			loc := resp.Header.Get("Location")
			if resp.StatusCode != 303 || !strings.HasPrefix(loc, j.manage+"RV-") || !strings.Contains(loc, "done=booked") {
				t.Fatalf("book: %d %q", resp.StatusCode, loc)
			}
			ref := strings.SplitN(strings.TrimPrefix(loc, j.manage), "?", 2)[0]
			lu, _ := url.Parse(loc)
			token := lu.Query().Get("token")
			resp, body = c.get(loc)
			if resp.StatusCode != 200 || !strings.Contains(body, j.refLabel+" <strong>"+ref+"</strong>") ||
				!strings.Contains(body, `role="status"`) || !strings.Contains(body, j.booked) || !strings.Contains(body, labels[0]) {
				t.Fatalf("manage: %d\n%s", resp.StatusCode, body)
			}
			checkAlt(t, body, j.otherManage+ref+"?"+lu.RawQuery)

			// The same form again (a double submit): no second booking.
			resp, body = c.post(j.details, form)
			if resp.StatusCode != 409 || !strings.Contains(body, j.already) || !strings.Contains(body, html.EscapeString(j.manage+ref+"?token=")) {
				t.Errorf("double submit: %d\n%s", resp.StatusCode, body)
			}

			// Wrong or missing token: 404.
			for _, bad := range []string{j.manage + ref + "?token=wrong", j.manage + ref, j.manage + "RV-000000?token=" + token, j.manage + ref + j.calendar + "?token=x"} {
				if resp, _ := c.get(bad); resp.StatusCode != 404 {
					t.Errorf("%s: %d, want 404", bad, resp.StatusCode)
				}
			}

			// Calendar file.
			_, body = c.get(loc)
			req, _ := http.NewRequest("GET", r.url+first(t, `href="([^"]+`+regexp.QuoteMeta(j.calendar)+`[^"]*)"`, body, "calendar link"), nil)
			resp, ics := c.do(req)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" ||
				resp.Header.Get("Content-Disposition") != `attachment; filename="`+ref+`.ics"` ||
				!strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n") || !strings.Contains(ics, "BEGIN:VTIMEZONE") || !strings.Contains(ics, ref) {
				t.Errorf("calendar: %d %q %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), ics)
			}

			// Move to another time.
			moveURL := first(t, `href="(`+regexp.QuoteMeta(j.slots)+`\?reference=[^"]+)"`, body, "move link")
			resp, body = c.get(moveURL)
			if resp.StatusCode != 200 || !strings.Contains(body, `action="`+j.manage+ref+j.move+`"`) || strings.Contains(body, `value="`+starts[0]+`"`) {
				t.Fatalf("move page: %d\n%s", resp.StatusCode, body)
			}
			checkAlt(t, body, j.otherSlots+"?"+strings.SplitN(moveURL, "?", 2)[1])
			newStart, newLabel := starts[2], labels[2]
			csrf = first(t, `name="csrf_token" value="([^"]+)"`, body, "CSRF field")
			resp, _ = c.post(j.manage+ref+j.move, url.Values{"csrf_token": {csrf}, "token": {token}, "start": {newStart}})
			if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "done=moved") {
				t.Fatalf("move: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body = c.get(resp.Header.Get("Location"))
			if !strings.Contains(body, j.moved) || !strings.Contains(body, newLabel) {
				t.Errorf("after the move, the page does not show the new time %q", newLabel)
			}

			// Fill the new slot: it leaves the list, and booking it says so.
			st, _ := time.Parse(time.RFC3339, newStart)
			for k := 0; ; k++ {
				_, err := r.Booking().Book(context.Background(), booking.Request{PointID: pointID, ServiceID: serviceID, Start: st,
					Citizen: booking.Citizen{Name: "Autre", Phone: "514 555-01" + string(rune('0'+i)) + string(rune('0'+k))}})
				if err != nil {
					break
				}
			}
			dayURL := j.slots + "?" + url.Values{"service": {serviceID}, "point": {pointID}, "day": {st.Format(time.DateOnly)}}.Encode()
			if _, body := c.get(dayURL); strings.Contains(body, `value="`+newStart+`"`) {
				t.Error("a full slot is still listed")
			}
			form.Set("start", newStart)
			form.Set("email", "x"+email)
			resp, body = c.post(j.details, form)
			if resp.StatusCode != 409 || !strings.Contains(body, j.full) || !strings.Contains(body, html.EscapeString(dayURL)) {
				t.Errorf("full slot: %d\n%s", resp.StatusCode, body)
			}

			// Cancel: the confirmation box is required.
			_, body = c.get(j.manage + ref + "?token=" + url.QueryEscape(token))
			csrf = first(t, `name="csrf_token" value="([^"]+)"`, body, "CSRF field")
			resp, body = c.post(j.manage+ref+j.cancel, url.Values{"csrf_token": {csrf}, "token": {token}})
			if resp.StatusCode != 422 || !strings.Contains(body, j.confirmNeed) || !strings.Contains(body, `href="#confirm"`) {
				t.Errorf("cancel without confirmation: %d", resp.StatusCode)
			}
			resp, _ = c.post(j.manage+ref+j.cancel, url.Values{"csrf_token": {csrf}, "token": {token}, "confirm": {"yes"}})
			if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "done=cancelled") {
				t.Fatalf("cancel: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body = c.get(resp.Header.Get("Location"))
			if !strings.Contains(body, j.cancelled) || !strings.Contains(body, j.statusCanc) || strings.Contains(body, j.cancel+`"`) {
				t.Errorf("after cancelling:\n%s", body)
			}
			// The freed place is offered again.
			if _, body := c.get(dayURL); !strings.Contains(body, `value="`+newStart+`"`) {
				t.Error("the freed slot is not listed again")
			}
		})
	}
}

// TestBookingWrongInput: unknown services, points, references and tokens
// are the 404 page; an unreadable or past time says so.
func TestBookingWrongInput(t *testing.T) {
	r := start(t, database.SQLite)
	pointID, serviceID := web.BookableExample(r.Catalog())
	c := newCitizen(t, r.url)
	for path, want := range map[string]int{
		"/fr/rendez-vous/plages":                                                                                      404,
		"/fr/rendez-vous/plages?service=nope&point=" + pointID:                                                        404,
		"/en/appointments/slots?service=" + serviceID + "&point=zzz":                                                  404,
		"/fr/rendez-vous/coordonnees?service=" + serviceID + "&point=" + pointID + "&start=demain":                    422,
		"/fr/rendez-vous/coordonnees?service=" + serviceID + "&point=" + pointID + "&start=2020-01-02T10:00:00-05:00": 409,
		"/fr/rendez-vous/RV-7K3M9P?token=abc":                                                                         404,
		"/en/appointments/nonsense":                                                                                   404,
		"/fr/rendez-vous/plages?reference=RV-7K3M9P&token=abc":                                                        404,
	} {
		if resp, _ := c.get(path); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}
