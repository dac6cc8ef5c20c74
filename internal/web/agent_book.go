package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// Booking on behalf of a citizen, at the counter or on the phone: choose a
// service of the point, a day, a time, and give the citizen's name and a
// way to reach them. The booking service sends the citizen the usual
// confirmation, with the link that manages the appointment.

// agentTime is one free time of the chosen day, as a radio button.
type agentTime struct {
	ID, Value, Label string
	Checked          bool
}

type agentBookView struct {
	PointID, PointName, PointURL string
	Services                     []agentOption
	ServiceID, ServiceName       string
	Days                         []slotDay
	Legend                       string
	Times                        []agentTime
	NoTimes                      bool
	Action, ChooseAction         string
	contactForm
	Lang              string
	Errors            []fieldError
	ErrStart, Problem string
}

// bookScreen builds the page for a service (optional) and a day (optional).
func (s *Site) bookScreen(ctx context.Context, l i18n.Lang, p catalog.ServicePoint, sched catalog.Schedule, serviceID, day, start string) (agentBookView, error) {
	v := agentBookView{contactForm: contactForm{ForAgent: true, NameLabel: i18n.T(l, "agent.book.name"),
		Legend: i18n.T(l, "agent.book.contact_legend"), Hint: i18n.T(l, "agent.book.contact_hint")},
		PointID: p.ID, PointName: p.Name.In(l), PointURL: s.pageURL("agent_point", l, p.ID, nil),
		Action: s.pageURL("agent_book", l, p.ID, nil), ChooseAction: s.pageURL("agent_book", l, p.ID, nil), Lang: string(l)}
	for _, o := range p.Offers {
		sv, err := s.catalog.Service(o.ServiceID)
		if err != nil || !sv.AppointmentRequired {
			continue
		}
		v.Services = append(v.Services, agentOption{Value: sv.ID, Label: sv.Name.In(l), Selected: sv.ID == serviceID})
		if sv.ID == serviceID {
			v.ServiceID, v.ServiceName = sv.ID, sv.Name.In(l)
		}
	}
	if v.ServiceID == "" {
		return v, nil
	}
	loc := sched.Location()
	now := s.now()
	slots, err := s.booking.Availability(ctx, p.ID, v.ServiceID, now, sched.Day(now).Date.AddDate(0, 0, bookingDays+1))
	if err != nil {
		return v, err
	}
	byDay := map[string][]booking.Slot{}
	var days []string
	for _, sl := range slots {
		key := sl.Start.In(loc).Format(time.DateOnly)
		if _, ok := byDay[key]; !ok {
			days = append(days, key)
		}
		byDay[key] = append(byDay[key], sl)
	}
	if len(days) == 0 {
		v.NoTimes = true
		return v, nil
	}
	if _, ok := byDay[day]; !ok {
		day = days[0]
	}
	for _, key := range days {
		d, _ := time.ParseInLocation(time.DateOnly, key, loc)
		count := i18n.T(l, "booking_web.slots.count_many", len(byDay[key]))
		if len(byDay[key]) == 1 {
			count = i18n.T(l, "booking_web.slots.count_one")
		}
		v.Days = append(v.Days, slotDay{Key: key, Label: l.WeekdayDate(d), Count: count, Current: key == day,
			URL: s.pageURL("agent_book", l, p.ID, url.Values{"service": {v.ServiceID}, "day": {key}})})
	}
	d, _ := time.ParseInLocation(time.DateOnly, day, loc)
	v.Legend = i18n.T(l, "agent.book.times_legend", l.WeekdayDate(d))
	for i, sl := range byDay[day] {
		value := sl.Start.Format(time.RFC3339)
		v.Times = append(v.Times, agentTime{ID: "start-" + strconv.Itoa(i), Value: value, Label: l.Time(sl.Start.In(loc)),
			Checked: value == start})
	}
	return v, nil
}

func (s *Site) agentBookPage(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	_, p, sched, ok := s.agentPointFor(w, r, l)
	if !ok {
		return
	}
	q := r.URL.Query()
	v, err := s.bookScreen(r.Context(), l, p, sched, q.Get("service"), q.Get("day"), "")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "agent_book", i18n.T(l, "agent.book.title", v.PointName), v)
}

// agentBookAction books the chosen time for the citizen (channel counter)
// and goes back to the point's screen with the reference (303); an error
// shows the form again with what was typed.
func (s *Site) agentBookAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, p, sched, ok := s.agentPointFor(w, r, l)
	if !ok {
		return
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	serviceID, start := f("service"), f("start")
	lang := "fr"
	if f("lang") == "en" {
		lang = "en"
	}
	st, perr := time.Parse(time.RFC3339, start)
	var err error
	var conf booking.Confirmation
	switch {
	case serviceID == "" || !p.OffersService(serviceID):
		err = errs.E(errs.Invalid, "queue.service_required").OnField("service")
	case perr != nil:
		err = errs.E(errs.Invalid, "booking_web.choose_time").OnField("start")
	default:
		conf, err = s.booking.Book(r.Context(), booking.Request{PointID: p.ID, ServiceID: serviceID, Start: st,
			Citizen: booking.Citizen{Name: r.PostFormValue("name"), Email: f("email"), Phone: f("phone")},
			Lang:    lang, Channel: booking.ChannelCounter})
	}
	if err == nil {
		s.log.InfoContext(r.Context(), "appointment booked on behalf", "agent", agentID(a), "point", p.ID,
			"reference", conf.Reference, "request_id", httpx.RequestID(r.Context()))
		s.backToPoint(w, r, l, p.ID, url.Values{"done": {"booked"}, "ref": {conf.Reference},
			"day": {conf.Start.In(sched.Location()).Format(time.DateOnly)}})
		return
	}
	e := errs.As(err)
	if e.Code != errs.Invalid && e.Code != errs.Conflict {
		s.Error(w, r, err)
		return
	}
	day := ""
	if perr == nil {
		day = st.In(sched.Location()).Format(time.DateOnly)
	}
	v, verr := s.bookScreen(r.Context(), l, p, sched, serviceID, day, start)
	if verr != nil {
		s.Error(w, r, verr)
		return
	}
	v.read(r)
	v.Lang = lang
	msg := httpx.Message(l, e)
	_, onContact := v.fault(e.Field, msg)
	switch {
	case onContact:
	case e.Field == "start" || e.Key == "booking.slot_full":
		v.ErrStart = msg
	default:
		v.Problem = msg
	}
	target := map[string]string{"name": "name", "email": "email", "phone": "phone"}[citizenFields[e.Field]]
	if v.ErrStart != "" {
		target = "times"
	}
	if target != "" {
		v.Errors = []fieldError{{ID: target, Message: msg}}
	}
	r = withQuery(r, url.Values{"service": {serviceID}})
	s.render(w, r, httpx.Status(e.Code), l, "agent_book", i18n.T(l, "agent.book.title", v.PointName), v)
}
