package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// fieldError is one line of an error summary: the message and the id of
// the input it is about.
type fieldError struct {
	ID, Message string
}

type detailsView struct {
	bookingHeader
	Start    string // RFC 3339, as chosen
	When     string
	SlotsURL string
	Action   string
	contactForm
	Errors []fieldError
	// Problem is a message about the slot or the booking as a whole, with
	// a link to what to do next.
	Problem, ProblemURL, ProblemLink string
	ShowForm                         bool
}

// detailsView builds the details page for a chosen slot; check tells
// whether to verify that the slot is still available.
func (s *Site) detailsView(ctx context.Context, l i18n.Lang, serviceID, pointID, start string, check bool) (detailsView, int, error) {
	sched, hdr, err := s.offer(l, serviceID, pointID)
	if err != nil {
		return detailsView{}, 0, err
	}
	v := detailsView{bookingHeader: hdr, Start: start, Action: s.pageURL("booking_details", l, "", nil), ShowForm: true,
		contactForm: contactForm{NameLabel: i18n.T(l, "booking_web.details.name"),
			Legend: i18n.T(l, "booking_web.details.contact_legend"), Hint: i18n.T(l, "booking_web.details.contact_hint")}}
	loc := sched.Location()
	st, perr := time.Parse(time.RFC3339, start)
	if perr != nil {
		v.SlotsURL = s.slotsURL(l, serviceID, pointID, "")
		v.ShowForm = false
		v.Problem, v.ProblemURL, v.ProblemLink = i18n.T(l, "booking_web.choose_time"), v.SlotsURL, i18n.T(l, "booking_web.details.choose_link")
		return v, http.StatusUnprocessableEntity, nil
	}
	st = st.In(loc)
	v.When = when(l, st)
	v.SlotsURL = s.slotsURL(l, serviceID, pointID, st.Format(time.DateOnly))
	if !check {
		return v, http.StatusOK, nil
	}
	slots, err := s.booking.Availability(ctx, pointID, serviceID, st, st.Add(time.Minute))
	if err != nil {
		return v, 0, err
	}
	for _, sl := range slots {
		if sl.Start.Equal(st) {
			return v, http.StatusOK, nil
		}
	}
	v.slotProblem(l, i18n.T(l, "booking_web.slot_gone"))
	return v, http.StatusConflict, nil
}

// slotProblem says the chosen time cannot be booked and links back to the
// times of that day.
func (v *detailsView) slotProblem(l i18n.Lang, msg string) {
	v.ShowForm = false
	v.Problem, v.ProblemURL, v.ProblemLink = msg, v.SlotsURL, i18n.T(l, "booking_web.details.other_time")
}

func (s *Site) bookingDetails(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	q := r.URL.Query()
	v, status, err := s.detailsView(r.Context(), l, q.Get("service"), q.Get("point"), q.Get("start"), true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status, l, "booking_details", i18n.T(l, "booking_web.details.title"), v)
}

// bookAction books the chosen slot, then shows the appointment (303); on
// an error it shows the form again with what was typed.
func (s *Site) bookAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	serviceID, pointID, start := f("service"), f("point"), f("start")
	v, status, err := s.detailsView(r.Context(), l, serviceID, pointID, start, false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// The page in the other language is this step, without what was typed.
	r = withQuery(r, url.Values{"service": {serviceID}, "point": {pointID}, "start": {start}})
	title := i18n.T(l, "booking_web.details.title")
	v.read(r)
	if status != http.StatusOK {
		s.render(w, r, status, l, "booking_details", title, v)
		return
	}
	st, _ := time.Parse(time.RFC3339, start)
	conf, err := s.booking.Book(r.Context(), booking.Request{PointID: pointID, ServiceID: serviceID, Start: st,
		Citizen: booking.Citizen{Name: v.Name, Email: v.Email, Phone: v.Phone},
		Lang:    string(l), Channel: booking.ChannelWeb})
	if err == nil {
		setLastBooking(w, r, l, conf.Reference, conf.ManageToken)
		http.Redirect(w, r, s.manageURL(l, conf.Reference, conf.ManageToken, "booked"), http.StatusSeeOther)
		return
	}
	e := errs.As(err)
	msg := httpx.Message(l, e)
	switch {
	case e.Code == errs.Invalid && citizenFields[e.Field] != "":
		line, _ := v.fault(e.Field, msg)
		v.Errors = []fieldError{line}
	case e.Key == "booking.already_booked":
		v.ShowForm = false
		v.Problem, v.ProblemURL, v.ProblemLink = msg, "/"+string(l)+"/", i18n.T(l, "booking_web.home")
		if ref, token := lastBooking(r); ref != "" {
			if a, gerr := s.booking.Get(r.Context(), ref, token); gerr == nil && a.Status == booking.Booked &&
				a.ServiceID == serviceID && a.PointID == pointID && a.Start.Equal(st) {
				v.Problem = i18n.T(l, "booking_web.already_this", a.Reference)
				v.ProblemURL, v.ProblemLink = s.manageURL(l, a.Reference, token, ""), i18n.T(l, "booking_web.see_booking")
			}
		}
	case e.Key == "booking.slot_full" || e.Field == "start":
		v.slotProblem(l, msg)
	case e.Code == errs.Invalid:
		v.ShowForm = false
		v.Problem, v.ProblemURL, v.ProblemLink = msg, v.SlotsURL, i18n.T(l, "booking_web.details.other_time")
	default:
		s.Error(w, r, err)
		return
	}
	s.render(w, r, httpx.Status(e.Code), l, "booking_details", title, v)
}
