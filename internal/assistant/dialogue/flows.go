package dialogue

import (
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/i18n"
)

func catalogNear(near, serviceID string, now time.Time) catalog.NearQuery {
	return catalog.NearQuery{Near: near, ServiceID: serviceID, Limit: 3, Now: now}
}

// pagePath is the path of a site page in a language.
func pagePath(l i18n.Lang, page, id string) string {
	paths := map[string][2]string{
		"service": {"/fr/services/", "/en/services/"},
		"point":   {"/fr/points-de-service/", "/en/service-points/"},
	}[page]
	if l == i18n.EN {
		return paths[1] + id
	}
	return paths[0] + id
}

// authorize needs the reference and the manage token (from the link the
// citizen received) before touching an appointment.
func (t *turn) authorize() (booking.Appointment, bool) {
	if t.st.Reference == "" {
		t.ask(askReference, nil, "assistant.ask_reference")
		return booking.Appointment{}, false
	}
	if t.st.Token == "" && t.st.CitizenEmail != "" {
		a, err := t.e.book.GetAsCitizen(t.ctx, t.st.Reference, t.st.CitizenEmail)
		if err != nil {
			t.st.Reference = ""
			t.ask(askReference, nil, "assistant.not_found_signed_in")
			return booking.Appointment{}, false
		}
		return a, true
	}
	if t.st.Token == "" {
		t.ask(askToken, nil, "assistant.ask_token", t.st.Reference)
		return booking.Appointment{}, false
	}
	a, err := t.e.book.Get(t.ctx, t.st.Reference, t.st.Token)
	if err != nil {
		t.st.Token = ""
		t.ask(askToken, nil, "assistant.not_yours", t.st.Reference)
		return booking.Appointment{}, false
	}
	return a, true
}

func (t *turn) cancelFlow() {
	a, ok := t.authorize()
	if !ok {
		return
	}
	l := t.l()
	_, sched, _ := t.e.cat.Point(a.PointID)
	sv, _ := t.e.cat.Service(a.ServiceID)
	t.ask(askCancelOK, []Choice{{ID: "yes", Label: i18n.T(l, "assistant.choice.cancel")}, {ID: "no", Label: i18n.T(l, "assistant.choice.keep")}},
		"assistant.confirm_cancel", a.Reference, sv.Name.In(l), whenText(l, a.Start.In(sched.Location())))
}

func (t *turn) doCancel() {
	var a booking.Appointment
	var err error
	if t.st.Token == "" && t.st.CitizenEmail != "" {
		a, err = t.e.book.CancelAsCitizen(t.ctx, t.st.Reference, t.st.CitizenEmail, booking.ChannelAssistant)
	} else {
		a, err = t.e.book.Cancel(t.ctx, t.st.Reference, t.st.Token, booking.ChannelAssistant)
	}
	if err != nil {
		t.say("assistant.error", errMessage(t.l(), err))
		return
	}
	t.events = append(t.events, Event{Type: "appointment_cancelled", Reference: a.Reference})
	t.say("assistant.cancelled", a.Reference)
	t.resetBooking()
}

func (t *turn) rescheduleFlow() {
	a, ok := t.authorize()
	if !ok {
		return
	}
	if t.st.Start == "" {
		t.offerSlots(a.PointID, a.ServiceID)
		return
	}
	start, _ := time.Parse(time.RFC3339, t.st.Start)
	var moved booking.Appointment
	var err error
	if t.st.Token == "" && t.st.CitizenEmail != "" {
		moved, err = t.e.book.RescheduleAsCitizen(t.ctx, t.st.Reference, t.st.CitizenEmail, start, booking.ChannelAssistant)
	} else {
		moved, err = t.e.book.Reschedule(t.ctx, t.st.Reference, t.st.Token, start, booking.ChannelAssistant)
	}
	if err != nil {
		t.st.Start = ""
		t.say("assistant.error", errMessage(t.l(), err))
		return
	}
	_, sched, _ := t.e.cat.Point(moved.PointID)
	t.events = append(t.events, Event{Type: "appointment_rescheduled", Reference: moved.Reference})
	t.say("assistant.rescheduled", moved.Reference, whenText(t.l(), moved.Start.In(sched.Location())))
	t.resetBooking()
}

// findService answers "which service / how do I…" from the catalogue,
// with the page it comes from.
func (t *turn) findService(text string) {
	l := t.l()
	id := t.u.Entities["service"]
	if id == "" {
		if found := t.e.cat.Search(text, l, 1); len(found) > 0 {
			id = found[0].ID
		}
	}
	sv, err := t.e.cat.Service(id)
	if err != nil {
		t.say("assistant.service_unknown")
		return
	}
	how := ""
	if sv.Online.Available && sv.Online.URL != "" {
		how = i18n.T(l, "assistant.online_at", sv.Online.URL)
	}
	t.st.Service = sv.ID
	t.say("assistant.service_info", sv.Name.In(l), sv.Summary.In(l), how, t.e.link(pagePath(l, "service", sv.ID)))
}

// findLocation answers "where / when is it open" with the nearest points
// and their hours today.
func (t *turn) findLocation() {
	l := t.l()
	t.merge()
	if t.st.Near == "" {
		t.ask(askPlace, nil, "assistant.ask_place_any")
		if t.st.Flow == "" {
			t.st.Flow = "book"
		}
		return
	}
	res, err := t.e.cat.Nearest(catalogNear(t.st.Near, t.st.Service, t.now))
	if err != nil {
		t.say("assistant.place_unknown", errMessage(l, err))
		return
	}
	var lines []string
	for _, n := range res.Items {
		day, dayName := n.Status.Today, i18n.T(l, "assistant.today")
		if t.st.Date != "" {
			if _, sched, err := t.e.cat.Point(n.Point.ID); err == nil {
				if d, err := time.ParseInLocation(time.DateOnly, t.st.Date, sched.Location()); err == nil {
					day, dayName = sched.Day(d.Add(12*time.Hour)), l.WeekdayDate(d)
				}
			}
		}
		hours := i18n.T(l, "assistant.closed_on", dayName)
		if !day.Closed {
			var parts []string
			for _, iv := range day.Intervals {
				parts = append(parts, iv.Open+"–"+iv.Close)
			}
			hours = i18n.T(l, "assistant.hours_on", dayName, strings.Join(parts, ", "))
		}
		lines = append(lines, "• "+n.Point.Name.In(l)+", "+n.Point.Address+", "+n.Point.Municipality+" — "+hours+" "+t.e.link(pagePath(l, "point", n.Point.ID)))
	}
	if len(lines) == 0 {
		t.say("assistant.no_point")
		return
	}
	t.say("assistant.points", strings.Join(lines, "\n"))
}

// documents answers "what do I bring" from the service's page.
func (t *turn) documents(text string) {
	l := t.l()
	id := t.u.Entities["service"]
	if id == "" {
		id = t.st.Service
	}
	if id == "" {
		if found := t.e.cat.Search(text, l, 1); len(found) > 0 {
			id = found[0].ID
		}
	}
	sv, err := t.e.cat.Service(id)
	if err != nil {
		t.say("assistant.which_service_documents")
		return
	}
	var docs []string
	for _, d := range sv.Documents {
		docs = append(docs, "• "+d.In(l))
	}
	if len(docs) == 0 {
		docs = append(docs, i18n.T(l, "notice.no_documents"))
	}
	t.say("assistant.documents", sv.Name.In(l), strings.Join(docs, "\n"), t.e.link(pagePath(l, "service", sv.ID)))
}

// listAppointments tells a signed-in citizen their upcoming appointments.
func (t *turn) listAppointments() {
	l := t.l()
	if t.st.CitizenEmail == "" {
		t.say("assistant.sign_in_needed")
		return
	}
	list, err := t.e.book.Upcoming(t.ctx, t.st.CitizenEmail)
	if err != nil {
		t.say("assistant.error", errMessage(l, err))
		return
	}
	if len(list) == 0 {
		t.say("assistant.no_appointments")
		return
	}
	var lines []string
	for _, a := range list {
		sv, _ := t.e.cat.Service(a.ServiceID)
		p, sched, _ := t.e.cat.Point(a.PointID)
		lines = append(lines, "• "+a.Reference+" — "+sv.Name.In(l)+", "+p.Name.In(l)+", "+whenText(l, a.Start.In(sched.Location())))
	}
	t.say("assistant.appointments", strings.Join(lines, "\n"))
}

// askMove confirms the new time before moving an appointment.
func (t *turn) askMove() {
	l := t.l()
	start, err := time.Parse(time.RFC3339, t.st.Start)
	if err != nil {
		t.st.Start = ""
		t.rescheduleFlow()
		return
	}
	loc := time.Local
	if a, ok := t.authorize(); ok {
		if _, sched, err := t.e.cat.Point(a.PointID); err == nil {
			loc = sched.Location()
		}
	}
	t.ask(askConfirm, yesNo(l), "assistant.confirm_move", t.st.Reference, whenText(l, start.In(loc)))
}
