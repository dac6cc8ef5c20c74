package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/booking/reference"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/queue"
)

// The counter screen of a point: call the next item, say it was served or
// nobody came, the board of the queue, and the day's agenda with check-in
// and move. Every action re-checks the agent's session and point, posts,
// and redirects back (303) with ?done=…, or shows the screen again with the
// reason.

// counterCookie remembers the counter label typed at the last call.
const counterCookie = "guichet_counter"

type agentOption struct {
	Value, Label string
	Selected     bool
}

type agentItemView struct {
	Ref, Kind, Label, Service, Citizen string
	Since, Start, Counter              string
	Waited                             string
	Mine                               bool
}

type agentAgendaRow struct {
	Reference, Time, Service, Citizen, Status string
	Booked, CanCheckIn                        bool
	MoveID                                    string
	Times                                     []agentOption
}

type agentPointView struct {
	PointID, PointName, Organization string
	Today, AgendaDay, DayKey         string
	IsToday                          bool
	Done, Error                      string
	Counter                          string
	Services                         []agentOption
	Mine                             []agentItemView // called by this agent, not yet closed
	Called                           []agentItemView // called by others
	Waiting                          []agentItemView
	Appointments                     []agentItemView
	Agenda                           []agentAgendaRow
	PrevDayURL, TodayURL, NextDayURL string
	CallAction, ServedAction         string
	NoShowAction, CheckInAction      string
	MoveAction, BookURL, HomeURL     string
	SignOut                          string
}

// pointScreen builds the screen of a point for an agent; day is the
// agenda's day (YYYY-MM-DD, "" for today).
func (s *Site) pointScreen(ctx context.Context, l i18n.Lang, a identity.Account, p catalog.ServicePoint, sched catalog.Schedule, day, counter, chosen string) (agentPointView, error) {
	loc := sched.Location()
	now := s.now().In(loc)
	agendaDay := sched.Day(now).Date
	if d, err := time.ParseInLocation(time.DateOnly, day, loc); err == nil {
		agendaDay = d
	}
	isToday := agendaDay.Format(time.DateOnly) == now.Format(time.DateOnly)
	v := agentPointView{PointID: p.ID, PointName: p.Name.In(l), Today: l.WeekdayDate(now), AgendaDay: l.WeekdayDate(agendaDay),
		DayKey:  agendaDay.Format(time.DateOnly),
		IsToday: isToday, Counter: counter, HomeURL: s.pageURL("agent_home", l, "", nil), SignOut: signOutURL(l),
		CallAction: agentActionURL(l, p.ID, "appeler", "call"), ServedAction: agentActionURL(l, p.ID, "servi", "served"),
		NoShowAction: agentActionURL(l, p.ID, "absent", "no-show"), CheckInAction: agentActionURL(l, p.ID, "arrivee", "check-in"),
		MoveAction: agentActionURL(l, p.ID, "deplacer", "move"), BookURL: s.pageURL("agent_book", l, p.ID, nil)}
	if o, err := s.catalog.Organization(p.OrganizationID); err == nil {
		v.Organization = o.Name.In(l)
	}
	dayURL := func(d time.Time) string {
		return s.pageURL("agent_point", l, p.ID, url.Values{"day": {d.Format(time.DateOnly)}})
	}
	v.PrevDayURL, v.NextDayURL = dayURL(agendaDay.AddDate(0, 0, -1)), dayURL(agendaDay.AddDate(0, 0, 1))
	v.TodayURL = s.pageURL("agent_point", l, p.ID, nil)
	v.Services = []agentOption{{Value: "", Label: i18n.T(l, "agent.point.all_services"), Selected: chosen == ""}}
	for _, o := range p.Offers {
		v.Services = append(v.Services, agentOption{Value: o.ServiceID, Label: s.serviceName(l, o.ServiceID), Selected: chosen == o.ServiceID})
	}

	// The agenda first: it names the citizens of the board's appointments.
	agenda, err := s.booking.DayAgenda(ctx, p.ID, agendaDay)
	if err != nil {
		return v, err
	}
	names := map[string]string{}
	times := map[string][]booking.Slot{} // free times of the day, by service
	for _, ap := range agenda {
		names[ap.Reference] = ap.Citizen.Name
		row := agentAgendaRow{Reference: ap.Reference, Time: l.Time(ap.Start.In(loc)), Service: s.serviceName(l, ap.ServiceID),
			Citizen: ap.Citizen.Name, Status: i18n.T(l, "agent.status."+string(ap.Status)), Booked: ap.Status == booking.Booked}
		row.CanCheckIn = row.Booked && isToday
		if row.Booked {
			free, ok := times[ap.ServiceID]
			if !ok {
				free, err = s.booking.Availability(ctx, p.ID, ap.ServiceID, agendaDay, agendaDay.AddDate(0, 0, 1))
				if err != nil {
					return v, err
				}
				times[ap.ServiceID] = free
			}
			row.MoveID = "move-" + ap.Reference
			for _, sl := range free {
				if !sl.Start.Equal(ap.Start) {
					row.Times = append(row.Times, agentOption{Value: sl.Start.Format(time.RFC3339), Label: l.Time(sl.Start.In(loc))})
				}
			}
		}
		v.Agenda = append(v.Agenda, row)
	}
	if !isToday {
		// The board is today's: the citizens' names of today's appointments.
		today, err := s.booking.DayAgenda(ctx, p.ID, now)
		if err != nil {
			return v, err
		}
		for _, ap := range today {
			names[ap.Reference] = ap.Citizen.Name
		}
	}

	b, err := s.queue.Board(ctx, p.ID)
	if err != nil {
		return v, err
	}
	me := agentID(a)
	item := func(it queue.Item) agentItemView {
		iv := agentItemView{Ref: it.Ref, Kind: string(it.Kind), Label: it.Label, Service: s.serviceName(l, it.ServiceID),
			Counter: it.Counter, Mine: it.Agent == me}
		if it.Kind == queue.KindAppointment {
			_, key, _ := queue.ParseRef(it.Ref)
			iv.Citizen = names[key]
			iv.Start = l.Time(it.Start.In(loc))
		}
		if !it.Since.IsZero() {
			iv.Since = l.Time(it.Since.In(loc))
			end := b.Now
			if !it.CalledAt.IsZero() {
				end = it.CalledAt
			}
			iv.Waited = i18n.T(l, "agent.point.minutes", int(end.Sub(it.Since).Minutes()))
		}
		return iv
	}
	for _, it := range b.Waiting {
		v.Waiting = append(v.Waiting, item(it))
	}
	for _, it := range b.Appointments {
		v.Appointments = append(v.Appointments, item(it))
	}
	for _, it := range b.Called {
		iv := item(it)
		if iv.Mine {
			v.Mine = append(v.Mine, iv)
		} else {
			v.Called = append(v.Called, iv)
		}
	}
	return v, nil
}

func (s *Site) serviceName(l i18n.Lang, id string) string {
	if sv, err := s.catalog.Service(id); err == nil {
		return sv.Name.In(l)
	}
	return id
}

// agentPointFor checks the session and the point of an agent request.
func (s *Site) agentPointFor(w http.ResponseWriter, r *http.Request, l i18n.Lang) (identity.Account, catalog.ServicePoint, catalog.Schedule, bool) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return a, catalog.ServicePoint{}, catalog.Schedule{}, false
	}
	p, sched, err := s.agentPoint(a, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return a, p, sched, false
	}
	return a, p, sched, true
}

func counterOf(r *http.Request) string {
	if c, err := r.Cookie(counterCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			return v
		}
	}
	return ""
}

func (s *Site) agentPointPage(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, p, sched, ok := s.agentPointFor(w, r, l)
	if !ok {
		return
	}
	q := r.URL.Query()
	v, err := s.pointScreen(r.Context(), l, a, p, sched, q.Get("day"), counterOf(r), q.Get("service"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v.Done = doneMessage(l, q)
	s.render(w, r, http.StatusOK, l, "agent_point", i18n.T(l, "agent.point.title", v.PointName), v)
}

// doneMessage is the status banner after an action.
func doneMessage(l i18n.Lang, q url.Values) string {
	switch done := q.Get("done"); done {
	case "called", "served", "no_show", "checked_in":
		return i18n.T(l, "agent.done."+done)
	case "booked", "moved":
		if ref, ok := reference.Parse(q.Get("ref")); ok {
			return i18n.T(l, "agent.done."+done, ref)
		}
	}
	return ""
}

// agentAgain shows the point's screen again with the reason of a refusal.
func (s *Site) agentAgain(w http.ResponseWriter, r *http.Request, l i18n.Lang, a identity.Account, p catalog.ServicePoint, sched catalog.Schedule, err error) {
	e := errs.As(err)
	if e.Code == errs.Internal || e.Code == errs.Unavailable || e.Code == errs.Forbidden {
		s.Error(w, r, err)
		return
	}
	v, verr := s.pointScreen(r.Context(), l, a, p, sched, r.PostFormValue("day"), counterOf(r), r.PostFormValue("service"))
	if verr != nil {
		s.Error(w, r, verr)
		return
	}
	if c := strings.TrimSpace(r.PostFormValue("counter")); c != "" {
		v.Counter = c
	}
	v.Error = httpx.Message(l, e)
	status := httpx.Status(e.Code)
	if e.Code == errs.NotFound {
		status = http.StatusConflict // nothing to call, an item gone: the queue changed, not the page
	}
	r = withQuery(r, nil)
	s.render(w, r, status, l, "agent_point", i18n.T(l, "agent.point.title", v.PointName), v)
}

// backToPoint redirects to the point's screen with a status.
func (s *Site) backToPoint(w http.ResponseWriter, r *http.Request, l i18n.Lang, pointID string, q url.Values) {
	http.Redirect(w, r, s.pageURL("agent_point", l, pointID, q), http.StatusSeeOther)
}

// agentCallAction calls the next item of the queue to the agent's counter.
func (s *Site) agentCallAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, p, sched, ok := s.agentPointFor(w, r, l)
	if !ok {
		return
	}
	counter := strings.TrimSpace(r.PostFormValue("counter"))
	if len(counter) > 40 {
		s.agentAgain(w, r, l, a, p, sched, errs.E(errs.Invalid, "agent.counter_too_long", 40).OnField("counter"))
		return
	}
	var services []string
	if sv := r.PostFormValue("service"); sv != "" {
		services = []string{sv}
	}
	if counter != "" {
		http.SetCookie(w, &http.Cookie{Name: counterCookie, Value: url.QueryEscape(counter), Path: "/", MaxAge: 12 * 3600,
			HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	}
	if _, err := s.queue.CallNext(r.Context(), p.ID, counter, agentID(a), services); err != nil {
		s.agentAgain(w, r, l, a, p, sched, err)
		return
	}
	q := url.Values{"done": {"called"}}
	if len(services) == 1 {
		q.Set("service", services[0])
	}
	s.backToPoint(w, r, l, p.ID, q)
}

// onBoard tells whether an item is in the point's queue today (called, or
// waiting for a no-show): Served and NoShow take a reference only, so the
// point is checked here.
func (s *Site) onBoard(ctx context.Context, pointID, ref string) (bool, error) {
	b, err := s.queue.Board(ctx, pointID)
	if err != nil {
		return false, err
	}
	has := func(items []queue.Item) bool {
		return slices.ContainsFunc(items, func(it queue.Item) bool { return it.Ref == ref })
	}
	return has(b.Called) || has(b.Waiting) || has(b.Appointments), nil
}

func (s *Site) agentServedAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.agentFinish(w, r, l, true)
}

func (s *Site) agentNoShowAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.agentFinish(w, r, l, false)
}

func (s *Site) agentFinish(w http.ResponseWriter, r *http.Request, l i18n.Lang, served bool) {
	a, p, sched, ok := s.agentPointFor(w, r, l)
	if !ok {
		return
	}
	ref := r.PostFormValue("item")
	there, err := s.onBoard(r.Context(), p.ID, ref)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !there {
		s.agentAgain(w, r, l, a, p, sched, errs.E(errs.Conflict, "agent.item_gone"))
		return
	}
	done := "served"
	if served {
		_, err = s.queue.Served(r.Context(), ref, agentID(a))
	} else {
		done = "no_show"
		_, err = s.queue.NoShow(r.Context(), ref, agentID(a))
	}
	if err != nil {
		s.agentAgain(w, r, l, a, p, sched, err)
		return
	}
	s.backToPoint(w, r, l, p.ID, url.Values{"done": {done}})
}

// agentCheckInAction records the arrival of today's appointment holder.
func (s *Site) agentCheckInAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, p, sched, ok := s.agentPointFor(w, r, l)
	if !ok {
		return
	}
	ref := r.PostFormValue("reference")
	agenda, err := s.booking.DayAgenda(r.Context(), p.ID, s.now())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !slices.ContainsFunc(agenda, func(ap booking.Appointment) bool { return ap.Reference == ref }) {
		s.agentAgain(w, r, l, a, p, sched, errs.E(errs.Conflict, "agent.not_today"))
		return
	}
	if _, err := s.queue.CheckIn(r.Context(), ref, agentID(a)); err != nil {
		s.agentAgain(w, r, l, a, p, sched, err)
		return
	}
	s.backToPoint(w, r, l, p.ID, url.Values{"done": {"checked_in"}})
}

// agentMoveAction moves an appointment of the point to another free time.
func (s *Site) agentMoveAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, p, sched, ok := s.agentPointFor(w, r, l)
	if !ok {
		return
	}
	ref := r.PostFormValue("reference")
	st, err := time.Parse(time.RFC3339, r.PostFormValue("start"))
	if err != nil {
		s.agentAgain(w, r, l, a, p, sched, errs.E(errs.Invalid, "booking_web.choose_time").OnField("start"))
		return
	}
	moved, err := s.booking.MoveOnBehalf(r.Context(), ref, st, agentID(a), p.ID)
	if err != nil {
		s.agentAgain(w, r, l, a, p, sched, err)
		return
	}
	s.backToPoint(w, r, l, p.ID, url.Values{"done": {"moved"}, "ref": {moved.Reference},
		"day": {moved.Start.In(sched.Location()).Format(time.DateOnly)}})
}
