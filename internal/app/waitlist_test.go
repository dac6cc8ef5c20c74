package app_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/web"
)

// TestWaitingListJourney: a citizen joins the waiting list through the
// form, a booking on that day is cancelled, the place is offered to them
// (the development mailbox shows the message), and they accept it.
func TestWaitingListJourney(t *testing.T) {
	r := start(t, database.SQLite)
	ctx := context.Background()
	pointID, serviceID := web.BookableExample(r.Catalog())
	c := newCitizen(t, r.url)
	q := url.Values{"service": {serviceID}, "point": {pointID}}
	resp, page := c.get("/fr/liste-attente?" + q.Encode())
	if resp.StatusCode != 200 {
		t.Fatalf("join page: %d", resp.StatusCode)
	}
	csrf := first(t, `name="csrf_token" value="([^"]+)"`, page, "csrf token")
	// The first day with a free slot, at least a day ahead.
	slots, err := r.Booking().Availability(ctx, pointID, serviceID, time.Now().Add(26*time.Hour), time.Now().AddDate(0, 0, 10))
	if err != nil || len(slots) == 0 {
		t.Fatalf("no slot: %v", err)
	}
	day := slots[0].Start.Format(time.DateOnly)
	form := url.Values{"csrf_token": {csrf}, "service": {serviceID}, "point": {pointID}, "first": {day}, "last": {day}, "name": {""}, "email": {"attente@exemple.qc.ca"}}
	resp, page = c.post("/fr/liste-attente", form)
	if resp.StatusCode != 422 || !strings.Contains(page, `aria-invalid="true"`) || !strings.Contains(page, "attente@exemple.qc.ca") {
		t.Fatalf("missing name: %d", resp.StatusCode)
	}
	form.Set("name", "Léa Attente")
	resp, _ = c.post("/fr/liste-attente", form)
	if resp.StatusCode != 303 {
		t.Fatalf("join: %d", resp.StatusCode)
	}
	entryURL := resp.Header.Get("Location")
	resp, page = c.get(entryURL)
	if resp.StatusCode != 200 || !strings.Contains(page, "Vous êtes inscrit") || !strings.Contains(page, "En attente d’une place") {
		t.Fatalf("entry page: %d", resp.StatusCode)
	}
	// Someone holding the slot cancels: the place is offered to Léa.
	holder, err := r.Booking().Book(ctx, booking.Request{PointID: pointID, ServiceID: serviceID, Start: slots[0].Start,
		Citizen: booking.Citizen{Name: "Marc", Email: "marc@exemple.qc.ca"}, Lang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < slots[0].Remaining; i++ { // fill the slot so the cancellation frees the only place
		if _, err := r.Booking().Book(ctx, booking.Request{PointID: pointID, ServiceID: serviceID, Start: slots[0].Start,
			Citizen: booking.Citizen{Name: "X", Email: "x" + string(rune('a'+i)) + "@exemple.qc.ca"}, Lang: "fr"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Booking().Cancel(ctx, holder.Reference, holder.ManageToken, ""); err != nil {
		t.Fatal(err)
	}
	resp, page = c.get(entryURL)
	if !strings.Contains(page, "Une place vous attend") {
		t.Fatalf("no offer on the entry page:\n%s", page)
	}
	_, mailbox := c.get("/fr/courriels")
	if !strings.Contains(mailbox, "Une place s’est libérée") || !strings.Contains(mailbox, "attente@exemple.qc.ca") {
		t.Fatalf("offer message not in the development mailbox")
	}
	accept := first(t, `<form method="post" action="([^"]+/accepter)"`, page, "accept form")
	token := first(t, `name="token" value="([^"]+)"`, page, "token")
	resp, _ = c.post(accept, url.Values{"csrf_token": {csrf}, "token": {token}})
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "/fr/rendez-vous/RV-") {
		t.Fatalf("accept: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = c.get(resp.Header.Get("Location"))
	if !strings.Contains(page, "RV-") {
		t.Fatal("manage page after accepting")
	}
}
