package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// slotDay is a day with availability, as a link.
type slotDay struct {
	Key, Label, Count, URL string
	Current                bool
}

// slotTime is one time of the chosen day, as a radio button.
type slotTime struct {
	ID, Value, Label string
}

type slotsView struct {
	bookingHeader
	Move             bool // moving an existing appointment
	Reference, Token string
	CurrentWhen      string
	ManageURL        string
	Error            string // a move that failed
	DayNotice        string // the requested day has no time left
	Days             []slotDay
	Legend           string
	Times            []slotTime
	Action           string
	FinderURL        string
	WaitURL          string
	Horizon          int
}

// slotsView builds the slots page from its query: service, point, day and,
// to move an appointment, reference and token.
func (s *Site) slotsView(ctx context.Context, l i18n.Lang, q url.Values) (slotsView, error) {
	v := slotsView{Horizon: bookingDays}
	serviceID, pointID := q.Get("service"), q.Get("point")
	var current time.Time
	if ref, token := q.Get("reference"), q.Get("token"); ref != "" || token != "" {
		a, err := s.booking.Get(ctx, ref, token)
		if err != nil {
			return v, notFoundIfInvalid(err)
		}
		if a.Status != booking.Booked {
			return v, errs.E(errs.Conflict, "booking.not_active")
		}
		serviceID, pointID, current = a.ServiceID, a.PointID, a.Start
		v.Move, v.Reference, v.Token = true, a.Reference, token
		v.Action = actionURL(l, "deplacer", "move", a.Reference)
		v.ManageURL = s.manageURL(l, a.Reference, token, "")
	}
	sched, hdr, err := s.offer(l, serviceID, pointID)
	if err != nil {
		return v, err
	}
	v.bookingHeader = hdr
	v.FinderURL = s.pageURL("finder", l, "", url.Values{"service": {serviceID}})
	v.WaitURL = s.pageURL("waitlist_join", l, "", url.Values{"service": {serviceID}, "point": {pointID}})
	if !v.Move {
		v.Action = s.pageURL("booking_details", l, "", nil)
	}
	loc := sched.Location()
	if v.Move {
		v.CurrentWhen = when(l, current.In(loc))
	}
	now := s.now()
	end := sched.Day(now).Date.AddDate(0, 0, bookingDays+1)
	slots, err := s.booking.Availability(ctx, pointID, serviceID, now, end)
	if err != nil {
		return v, err
	}
	byDay := map[string][]booking.Slot{}
	var days []string
	for _, sl := range slots {
		if sl.Start.Equal(current) {
			continue
		}
		key := sl.Start.In(loc).Format(time.DateOnly)
		if _, ok := byDay[key]; !ok {
			days = append(days, key)
		}
		byDay[key] = append(byDay[key], sl)
	}
	if len(days) == 0 {
		return v, nil
	}
	chosen := q.Get("day")
	if _, ok := byDay[chosen]; !ok {
		if d, err := time.ParseInLocation(time.DateOnly, chosen, loc); err == nil {
			v.DayNotice = i18n.T(l, "booking_web.slots.day_full", l.WeekdayDate(d))
		}
		chosen = days[0]
	}
	for _, key := range days {
		dq := url.Values{"service": {serviceID}, "point": {pointID}, "day": {key}}
		if v.Move {
			dq = url.Values{"reference": {v.Reference}, "token": {v.Token}, "day": {key}}
		}
		d, _ := time.ParseInLocation(time.DateOnly, key, loc)
		count := i18n.T(l, "booking_web.slots.count_many", len(byDay[key]))
		if len(byDay[key]) == 1 {
			count = i18n.T(l, "booking_web.slots.count_one")
		}
		v.Days = append(v.Days, slotDay{Key: key, Label: l.WeekdayDate(d), Count: count,
			URL: s.pageURL("booking_slots", l, "", dq), Current: key == chosen})
	}
	day, _ := time.ParseInLocation(time.DateOnly, chosen, loc)
	v.Legend = i18n.T(l, "booking_web.slots.legend", l.WeekdayDate(day))
	for i, sl := range byDay[chosen] {
		v.Times = append(v.Times, slotTime{ID: "start-" + strconv.Itoa(i), Value: sl.Start.Format(time.RFC3339), Label: l.Time(sl.Start.In(loc))})
	}
	return v, nil
}

// notFoundIfInvalid answers a malformed reference like an unknown one: the
// 404 page.
func notFoundIfInvalid(err error) error {
	if errs.Is(err, errs.Invalid) {
		return errs.E(errs.NotFound, "booking.not_found")
	}
	return err
}

func (s *Site) bookingSlots(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	v, err := s.slotsView(r.Context(), l, r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	title := i18n.T(l, "booking_web.slots.title", v.ServiceName)
	if v.Move {
		title = i18n.T(l, "booking_web.slots.move_title", v.Reference)
	}
	s.render(w, r, http.StatusOK, l, "booking_slots", title, v)
}

// moveAction moves an appointment to the chosen time.
func (s *Site) moveAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	ref, token, start := r.PathValue("ref"), r.PostFormValue("token"), r.PostFormValue("start")
	q := url.Values{"reference": {ref}, "token": {token}}
	st, perr := time.Parse(time.RFC3339, start)
	var err error
	if perr != nil {
		err = errs.E(errs.Invalid, "booking_web.choose_time").OnField("start")
	} else {
		if _, err = s.booking.Reschedule(r.Context(), ref, token, st, booking.ChannelWeb); err == nil {
			http.Redirect(w, r, s.manageURL(l, ref, token, "moved"), http.StatusSeeOther)
			return
		}
	}
	e := errs.As(err)
	if e.Code == errs.NotFound || e.Code == errs.Internal || e.Code == errs.Unavailable {
		s.Error(w, r, notFoundIfInvalid(err))
		return
	}
	if perr == nil {
		// The day in the point's time zone, for the list to open on it.
		if a, gerr := s.booking.Get(r.Context(), ref, token); gerr == nil {
			if _, sched, cerr := s.catalog.Point(a.PointID); cerr == nil {
				q.Set("day", st.In(sched.Location()).Format(time.DateOnly))
			}
		}
	}
	v, verr := s.slotsView(r.Context(), l, q)
	if verr != nil {
		s.Error(w, r, verr)
		return
	}
	v.Error = httpx.Message(l, e)
	s.render(w, r, httpx.Status(e.Code), l, "booking_slots", i18n.T(l, "booking_web.slots.move_title", v.Reference), v)
}
