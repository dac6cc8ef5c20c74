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

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
)

// alwaysOpen adds a service point open around the clock every day, holidays
// included, so that the journey does not depend on when the test runs.
func alwaysOpen(t *testing.T, r *running) (pointID, serviceID string) {
	t.Helper()
	ctx := context.Background()
	first, _, err := r.Catalog().Point(r.Catalog().FirstPointID())
	if err != nil {
		t.Fatal(err)
	}
	var hours [7][]catalog.Interval
	for d := range hours {
		hours[d] = []catalog.Interval{{Open: "00:00", Close: "24:00"}}
	}
	p := catalog.ServicePoint{ID: "test-file-24h", OrganizationID: first.OrganizationID,
		Name: catalog.Text{FR: "Point ouvert jour et nuit", EN: "Point open day and night"}, Address: "1, rue Principale",
		Municipality: "Québec", PostalCode: "G1R 1A1", Lat: 46.81, Lon: -71.21, Precision: catalog.PrecisionApproximate,
		TimeZone: "America/Toronto", Hours: hours, Holidays: "none", Offers: first.Offers[:2], Source: "test"}
	if err := r.DB().Write(ctx, func(tx *database.Tx) error {
		_, err := catalog.UpsertServicePoints(ctx, tx, []catalog.ServicePoint{p})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := r.Catalog().Reload(ctx); err != nil {
		t.Fatal(err)
	}
	return p.ID, p.Offers[1].ServiceID
}

var csrfField = regexp.MustCompile(`<input type="hidden" name="csrf_token" value="([^"]+)">`)

// TestQueueJourneyWithoutJavaScript takes a ticket online in both
// languages as a browser without JavaScript would: forms, a cookie, redirects.
func TestQueueJourneyWithoutJavaScript(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		r := start(t, d.Dialect)
		point, service := alwaysOpen(t, r)
		for _, tt := range []struct {
			lang, page, ticketPrefix, position, leave, left string
		}{
			{"fr", "/fr/file/", "/fr/file/billet/", "Position", "Quitter la file", "Vous avez quitté la file d’attente."},
			{"en", "/en/queue/", "/en/queue/ticket/", "Position", "Leave the queue", "You left the queue."},
		} {
			t.Run(tt.lang, func(t *testing.T) {
				jar, _ := cookiejar.New(nil)
				c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				fetch := func(method, u string, form url.Values) (*http.Response, string) {
					t.Helper()
					var body io.Reader
					if form != nil {
						body = strings.NewReader(form.Encode())
					}
					req, _ := http.NewRequest(method, u, body)
					if form != nil {
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					}
					resp, err := c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					b, _ := io.ReadAll(resp.Body)
					return resp, string(b)
				}
				pageURL := r.url + tt.page + point
				resp, body := fetch("GET", pageURL, nil)
				m := csrfField.FindStringSubmatch(body)
				if resp.StatusCode != 200 || m == nil || !strings.Contains(body, `<fieldset`) || !strings.Contains(body, `<legend>`) ||
					!strings.Contains(body, `value="`+service+`"`) {
					t.Fatalf("GET %s: %d\n%s", pageURL, resp.StatusCode, body)
				}
				// Without the CSRF field: 403.
				if resp, _ := fetch("POST", pageURL, url.Values{"service": {service}}); resp.StatusCode != http.StatusForbidden {
					t.Errorf("POST without csrf_token: %d, want 403", resp.StatusCode)
				}
				// Without a service: the page again, with the error.
				if resp, body := fetch("POST", pageURL, url.Values{"csrf_token": {m[1]}}); resp.StatusCode != 422 || !strings.Contains(body, `role="alert"`) {
					t.Errorf("POST without a service: %d", resp.StatusCode)
				}
				resp, _ = fetch("POST", pageURL, url.Values{"csrf_token": {m[1]}, "service": {service}})
				loc := resp.Header.Get("Location")
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, tt.ticketPrefix) || !strings.Contains(loc, "code=") {
					t.Fatalf("take: %d %q", resp.StatusCode, loc)
				}
				resp, body = fetch("GET", r.url+loc, nil)
				if resp.StatusCode != 200 || !regexp.MustCompile(`<h1>.*B-\d{3}</h1>`).MatchString(body) || !strings.Contains(body, tt.position) {
					t.Fatalf("ticket page: %d\n%s", resp.StatusCode, body)
				}
				if resp.Header.Get("Refresh") != "" {
					t.Error("the ticket page refreshes although the reader did not ask for it")
				}
				if resp, _ := fetch("GET", r.url+loc+"&auto=1", nil); resp.Header.Get("Refresh") != "30" {
					t.Errorf("auto=1: Refresh %q", resp.Header.Get("Refresh"))
				}
				u, _ := url.Parse(loc)
				code := u.Query().Get("code")
				if resp, _ := fetch("GET", r.url+u.Path+"?code=wrong"+code[:4], nil); resp.StatusCode != 404 {
					t.Errorf("wrong code: %d, want 404", resp.StatusCode)
				}
				if resp, _ := fetch("GET", r.url+u.Path, nil); resp.StatusCode != 404 {
					t.Errorf("no code: %d, want 404", resp.StatusCode)
				}
				// Leave the queue.
				m = csrfField.FindStringSubmatch(body)
				if !strings.Contains(body, tt.leave) || m == nil {
					t.Fatalf("no leave form:\n%s", body)
				}
				resp, _ = fetch("POST", r.url+u.Path, url.Values{"csrf_token": {m[1]}, "code": {code}})
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("leave: %d", resp.StatusCode)
				}
				if _, body := fetch("GET", r.url+resp.Header.Get("Location"), nil); !strings.Contains(html.UnescapeString(body), tt.left) {
					t.Errorf("after leaving:\n%s", body)
				}
			})
		}
		// The kiosk takes a ticket with one button per service.
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(r.url + "/fr/borne/" + point)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfField.FindStringSubmatch(string(b))
		if resp.StatusCode != 200 || m == nil || strings.Count(string(b), `<button class="button" type="submit">`) != 2 {
			t.Fatalf("kiosk: %d\n%s", resp.StatusCode, b)
		}
		resp, err = c.PostForm(r.url+"/fr/borne/"+point, url.Values{"csrf_token": {m[1]}, "service": {service}})
		if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/fr/file/billet/") {
			t.Fatalf("kiosk take: %v %v", resp, err)
		}
		resp.Body.Close()
		// The point page links to the queue.
		if _, body := get(t, r.url+"/fr/points-de-service/"+point); !strings.Contains(body, `href="/fr/file/`+point+`"`) {
			t.Error("the point page does not link to its queue")
		}
	})
}
