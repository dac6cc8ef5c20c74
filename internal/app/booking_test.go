package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/httpx"
)

func post(t *testing.T, u, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestBookingAPI follows the contract of the appointments API.
func TestBookingAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		r := start(t, d.Dialect)
		point := "saaq-levis"
		if _, _, err := r.Catalog().Point(point); err != nil {
			point = r.Catalog().FirstPointID()
		}
		p, _, _ := r.Catalog().Point(point)
		service := p.Offers[0].ServiceID
		var avail struct {
			Slots []struct {
				Start     string `json:"start"`
				End       string `json:"end"`
				Remaining int    `json:"remaining"`
			} `json:"slots"`
		}
		resp := getJSON(t, r.url+"/api/v1/service-points/"+point+"/availability?service="+service+"&from="+time.Now().Format(time.DateOnly)+"&to="+time.Now().AddDate(0, 0, 14).Format(time.DateOnly), &avail)
		if resp.StatusCode != 200 || len(avail.Slots) < 2 {
			t.Fatalf("availability: %d, %d slots", resp.StatusCode, len(avail.Slots))
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$`).MatchString(avail.Slots[0].Start) {
			t.Errorf("slot start %q is not RFC 3339 with the point's offset", avail.Slots[0].Start)
		}
		first := avail.Slots[0]
		body := `{"service_point_id":"` + point + `","service_id":"` + service + `","start":"` + first.Start + `","citizen":{"name":"Marie Tremblay","email":"marie@exemple.qc.ca"}}`
		resp, created := post(t, r.url+"/api/v1/appointments", body, "Idempotency-Key", "k-1")
		var appt struct {
			Reference, ManageToken, Start, Status string
			ManageURL                             string `json:"manage_url"`
		}
		json.Unmarshal([]byte(created), &appt)
		var raw map[string]any
		json.Unmarshal([]byte(created), &raw)
		appt.ManageToken, _ = raw["manage_token"].(string)
		if resp.StatusCode != 201 || !regexp.MustCompile(`^RV-[0-9A-HJKMNP-TV-Z]{6}$`).MatchString(appt.Reference) || len(appt.ManageToken) < 22 {
			t.Fatalf("book: %d %s", resp.StatusCode, created)
		}
		if !strings.Contains(appt.ManageURL, appt.Reference) {
			t.Errorf("manage_url %q", appt.ManageURL)
		}
		// The same request again: the original answer.
		resp, again := post(t, r.url+"/api/v1/appointments", body, "Idempotency-Key", "k-1")
		if resp.StatusCode != 201 || again != created {
			t.Errorf("retry: %d\n%s\n%s", resp.StatusCode, again, created)
		}
		// The same key with another body: 422.
		resp, _ = post(t, r.url+"/api/v1/appointments", strings.Replace(body, "Marie", "Marc", 1), "Idempotency-Key", "k-1")
		if resp.StatusCode != 422 {
			t.Errorf("same key, other body: %d", resp.StatusCode)
		}
		// The same person again for the same service: 409.
		resp, _ = post(t, r.url+"/api/v1/appointments", strings.Replace(body, first.Start, avail.Slots[1].Start, 1))
		if resp.StatusCode != 409 {
			t.Errorf("second booking by the same person: %d", resp.StatusCode)
		}
		var prob httpx.Problem
		for _, bad := range []struct {
			name, body string
			status     int
			field      string
		}{
			{"malformed JSON", `{"service_point_id":`, 422, ""},
			{"unknown field", `{"service_point":"x"}`, 422, ""},
			{"unknown point", strings.Replace(body, point, "nowhere", 1), 422, "service_point_id"},
			{"unknown service", strings.Replace(body, `"service_id":"`+service, `"service_id":"nothing`, 1), 422, "service_id"},
			{"not a slot", strings.Replace(body, first.Start, first.Start[:14]+"07"+first.Start[16:], 1), 422, "start"},
			{"past", strings.Replace(body, first.Start, "2020-01-06T10:00:00-05:00", 1), 422, "start"},
			{"missing contact", strings.Replace(body, `,"email":"marie@exemple.qc.ca"`, "", 1), 422, "citizen.email"},
			{"bad time", strings.Replace(body, first.Start, "demain", 1), 422, "start"},
		} {
			resp, out := post(t, r.url+"/api/v1/appointments?lang=en", bad.body)
			json.Unmarshal([]byte(out), &prob)
			if resp.StatusCode != bad.status || prob.Field != bad.field || prob.Detail == "" || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s", bad.name, resp.StatusCode, out)
			}
		}
		// Reschedule, then cancel, with the manage token.
		resp, out := post(t, r.url+"/api/v1/appointments/"+strings.ToLower(appt.Reference)+"/reschedule",
			`{"manage_token":"`+appt.ManageToken+`","start":"`+avail.Slots[1].Start+`"}`)
		if resp.StatusCode != 200 || !strings.Contains(out, avail.Slots[1].Start) {
			t.Errorf("reschedule: %d %s", resp.StatusCode, out)
		}
		if resp, _ := post(t, r.url+"/api/v1/appointments/"+appt.Reference+"/cancel", `{"manage_token":"wrong"}`); resp.StatusCode != 404 {
			t.Errorf("cancel with a wrong token: %d", resp.StatusCode)
		}
		if resp, _ := post(t, r.url+"/api/v1/appointments/"+appt.Reference+"/cancel", `{}`); resp.StatusCode != 401 {
			t.Errorf("cancel without a token: %d", resp.StatusCode)
		}
		resp, out = post(t, r.url+"/api/v1/appointments/"+appt.Reference+"/cancel", `{"manage_token":"`+appt.ManageToken+`"}`)
		if resp.StatusCode != 200 || !strings.Contains(out, `"cancelled"`) {
			t.Errorf("cancel: %d %s", resp.StatusCode, out)
		}
		req, _ := http.NewRequest("GET", r.url+"/api/v1/appointments/"+appt.Reference, bytes.NewReader(nil))
		req.Header.Set("X-Manage-Token", appt.ManageToken)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			t.Errorf("get: %v %v", resp, err)
		}
	})
}
