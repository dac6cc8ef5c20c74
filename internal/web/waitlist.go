package web

// The waiting list, without JavaScript: a citizen who finds no free time
// asks to be told when a place frees up on days they choose; the place is
// then held for them for a while, and they accept it from the link they
// receive (or from this page).

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// dayOption is a day offered in the waiting-list form.
type dayOption struct {
	Value, Label string
	Selected     bool
}

type waitJoinView struct {
	bookingHeader
	First, Last []dayOption
	contactForm
	Errors  []fieldError
	ErrDays string
	Action  string
}

// days lists the next MaxWaitDays days in the point's zone.
func (s *Site) waitDays(l i18n.Lang, loc *time.Location, selected string) []dayOption {
	today := s.now().In(loc)
	var out []dayOption
	for i := 0; i <= booking.MaxWaitDays; i++ {
		d := time.Date(today.Year(), today.Month(), today.Day()+i, 12, 0, 0, 0, loc)
		v := d.Format(time.DateOnly)
		out = append(out, dayOption{Value: v, Label: l.WeekdayDate(d), Selected: v == selected})
	}
	return out
}

func (s *Site) waitJoinView(l i18n.Lang, q url.Values) (waitJoinView, error) {
	sched, head, err := s.offer(l, q.Get("service"), q.Get("point"))
	if err != nil {
		return waitJoinView{}, err
	}
	first, last := q.Get("first"), q.Get("last")
	if first == "" {
		first = s.now().In(sched.Location()).AddDate(0, 0, 1).Format(time.DateOnly)
	}
	if last == "" {
		last = s.now().In(sched.Location()).AddDate(0, 0, 14).Format(time.DateOnly)
	}
	return waitJoinView{bookingHeader: head, First: s.waitDays(l, sched.Location(), first),
		Last: s.waitDays(l, sched.Location(), last), Action: s.pageURL("waitlist_join", l, "", nil),
		contactForm: contactForm{Name: q.Get("name"), Email: q.Get("email"), Phone: q.Get("phone"),
			NameLabel: i18n.T(l, "booking_web.details.name"), Legend: i18n.T(l, "booking_web.details.contact_legend"),
			Hint: i18n.T(l, "waitlist.join.contact_hint")}}, nil
}

func (s *Site) waitlistJoin(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	v, err := s.waitJoinView(l, r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "waitlist_join", i18n.T(l, "waitlist.join.title"), v)
}

func (s *Site) joinAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	r.ParseForm()
	f := r.PostForm
	v, err := s.waitJoinView(l, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	_, sched, _ := s.catalog.Point(v.PointID)
	first, err1 := time.ParseInLocation(time.DateOnly, f.Get("first"), sched.Location())
	last, err2 := time.ParseInLocation(time.DateOnly, f.Get("last"), sched.Location())
	if err1 != nil || err2 != nil {
		err = errs.E(errs.Invalid, "booking.bad_range").OnField("first_day")
	} else {
		var entry booking.WaitEntry
		var token string
		entry, token, err = s.booking.JoinWaitlist(r.Context(), booking.WaitRequest{PointID: v.PointID, ServiceID: v.ServiceID,
			FirstDay: first, LastDay: last, Citizen: booking.Citizen{Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone")},
			Lang: string(l), Channel: booking.ChannelWeb})
		if err == nil {
			http.Redirect(w, r, s.pageURL("waitlist_entry", l, entry.Reference(), url.Values{"token": {token}, "done": {"joined"}}), http.StatusSeeOther)
			return
		}
	}
	e := errs.As(err)
	if e.Code != errs.Invalid {
		s.Error(w, r, err)
		return
	}
	msg := httpx.Message(l, e)
	if line, ok := v.fault(e.Field, msg); ok {
		v.Errors = []fieldError{line}
	} else {
		v.ErrDays, v.Errors = msg, []fieldError{{"first", msg}}
	}
	s.render(w, r, http.StatusUnprocessableEntity, l, "waitlist_join", i18n.T(l, "waitlist.join.title"), v)
}

type waitEntryView struct {
	bookingHeader
	Reference, Token, Status, Days string
	Offer, OfferDeadline           string
	Offered, Active                bool
	Done                           string
	AcceptAction, LeaveAction      string
	Problem                        string
}

// waitID reads "WL-42" (or "42").
func waitID(ref string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(ref), "WL-"), 10, 64)
	return n, err == nil && n > 0
}

func (s *Site) waitEntryView(r *http.Request, l i18n.Lang, ref, token string) (waitEntryView, error) {
	id, ok := waitID(ref)
	if !ok {
		return waitEntryView{}, errs.E(errs.NotFound, "booking.wait_not_found")
	}
	e, err := s.booking.WaitlistEntry(r.Context(), id, token)
	if err != nil {
		return waitEntryView{}, err
	}
	sched, head, err := s.offer(l, e.ServiceID, e.PointID)
	if err != nil {
		return waitEntryView{}, err
	}
	loc := sched.Location()
	day := func(d string) string {
		t, _ := time.ParseInLocation(time.DateOnly, d, loc)
		return l.WeekdayDate(t.Add(12 * time.Hour))
	}
	v := waitEntryView{bookingHeader: head, Reference: e.Reference(), Token: token,
		Status: i18n.T(l, "waitlist.status."+e.Status), Days: i18n.T(l, "waitlist.days", day(e.FirstDay), day(e.LastDay)),
		Active: e.Status == booking.WaitWaiting || e.Status == booking.WaitOffered, Done: r.URL.Query().Get("done"),
		AcceptAction: s.pageURL("waitlist_entry", l, e.Reference(), nil) + i18n.T(l, "waitlist.path.accept"),
		LeaveAction:  s.pageURL("waitlist_entry", l, e.Reference(), nil) + i18n.T(l, "waitlist.path.leave")}
	if e.Status == booking.WaitOffered && s.now().Before(e.OfferExpires) {
		v.Offered = true
		v.Offer = when(l, e.OfferStart.In(loc))
		v.OfferDeadline = when(l, e.OfferExpires.In(loc))
	}
	return v, nil
}

func (s *Site) waitlistEntry(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	v, err := s.waitEntryView(r, l, r.PathValue("ref"), r.URL.Query().Get("token"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "waitlist_entry", i18n.T(l, "waitlist.entry.title", v.Reference), v)
}

func (s *Site) acceptAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	token := r.PostFormValue("token")
	id, ok := waitID(r.PathValue("ref"))
	if !ok {
		s.Error(w, r, errs.E(errs.NotFound, "booking.wait_not_found"))
		return
	}
	conf, err := s.booking.AcceptOffer(r.Context(), id, token)
	if err == nil {
		http.Redirect(w, r, s.manageURL(l, conf.Reference, conf.ManageToken, "booked"), http.StatusSeeOther)
		return
	}
	s.waitProblem(w, r, l, token, err)
}

func (s *Site) waitLeaveAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	token := r.PostFormValue("token")
	id, ok := waitID(r.PathValue("ref"))
	if !ok {
		s.Error(w, r, errs.E(errs.NotFound, "booking.wait_not_found"))
		return
	}
	if err := s.booking.LeaveWaitlist(r.Context(), id, token); err != nil {
		s.waitProblem(w, r, l, token, err)
		return
	}
	http.Redirect(w, r, s.pageURL("waitlist_entry", l, r.PathValue("ref"), url.Values{"token": {token}, "done": {"left"}}), http.StatusSeeOther)
}

// waitProblem re-renders the entry page with the reason an action failed.
func (s *Site) waitProblem(w http.ResponseWriter, r *http.Request, l i18n.Lang, token string, err error) {
	e := errs.As(err)
	if e.Code != errs.Conflict {
		s.Error(w, r, err)
		return
	}
	v, verr := s.waitEntryView(r, l, r.PathValue("ref"), token)
	if verr != nil {
		s.Error(w, r, verr)
		return
	}
	v.Problem = httpx.Message(l, e)
	s.render(w, r, http.StatusConflict, l, "waitlist_entry", i18n.T(l, "waitlist.entry.title", v.Reference), v)
}

// WaitRef names a waiting-list entry and its token.
type WaitRef struct{ Reference, Token string }

// waitlistExample gives the example paths of the waiting-list pages and the
// development mailbox: the entry page shows the demonstration entry the
// application creates with the demonstration data.
func (s *Site) waitlistExample(pageID string, l i18n.Lang) string {
	switch pageID {
	case "mailbox":
		if s.mailboxSource == nil {
			return ""
		}
		return s.pageURL(pageID, l, "", nil)
	case "waitlist_entry":
		if s.demoWait.Reference == "" {
			return ""
		}
		return s.pageURL(pageID, l, s.demoWait.Reference, url.Values{"token": {s.demoWait.Token}})
	}
	pointID, serviceID := BookableExample(s.catalog)
	if pointID == "" {
		return ""
	}
	return s.pageURL(pageID, l, "", url.Values{"service": {serviceID}, "point": {pointID}})
}
