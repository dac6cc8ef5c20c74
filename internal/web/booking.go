package web

// The citizen's booking journey, without JavaScript: choose a day and a time
// (slots), give a name and a way to be reached (details), then see, move,
// cancel or add to a calendar the appointment (manage), with the manage
// token as the only key: there is no account.

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// bookingDays is how many days ahead (after today) the slots page looks.
const bookingDays = 14

// BookingRef names an appointment and the token that manages it.
type BookingRef struct {
	Reference string
	Token     string
}

// BookableExample is a service point and an appointment service it offers,
// preferring demonstration points: the example of the booking pages and
// the place of the demonstration appointment. "" when there is none.
func BookableExample(c *catalog.Catalog) (pointID, serviceID string) {
	id := c.FirstPointID()
	if id == "" {
		return "", ""
	}
	p, _, err := c.Point(id)
	if err != nil {
		return "", ""
	}
	for _, o := range p.Offers {
		if sv, err := c.Service(o.ServiceID); err == nil && sv.AppointmentRequired {
			return p.ID, sv.ID
		}
	}
	return "", ""
}

// bookingExample gives the example path of a booking page (see example).
// The manage page shows the demonstration appointment the application books
// once when it loads the demonstration data (BookingRef in Options).
func (s *Site) bookingExample(pageID string, l i18n.Lang) string {
	if pageID == "booking_manage" {
		if s.demoRef.Reference == "" {
			return ""
		}
		return s.pageURL(pageID, l, s.demoRef.Reference, url.Values{"token": {s.demoRef.Token}})
	}
	pointID, serviceID := BookableExample(s.catalog)
	if pointID == "" {
		return ""
	}
	q := url.Values{"service": {serviceID}, "point": {pointID}}
	if pageID == "booking_details" {
		// A slot a day ahead at least, so that it is still bookable when
		// the tests visit it.
		from := s.now().Add(24 * time.Hour)
		slots, err := s.booking.Availability(context.Background(), pointID, serviceID, from, from.AddDate(0, 0, bookingDays))
		if err != nil || len(slots) == 0 {
			return ""
		}
		q.Set("start", slots[0].Start.Format(time.RFC3339))
	}
	return s.pageURL(pageID, l, "", q)
}

// BookingURL is the link that starts booking serviceID at pointID, "" when
// the service needs no appointment or is not offered there.
func (v View) BookingURL(serviceID, pointID string) string {
	s := v.site
	if s == nil || s.booking == nil {
		return ""
	}
	sv, err := s.catalog.Service(serviceID)
	if err != nil || !sv.AppointmentRequired {
		return ""
	}
	if p, _, err := s.catalog.Point(pointID); err != nil || !p.OffersService(sv.ID) {
		return ""
	}
	return s.pageURL("booking_slots", v.Lang, "", url.Values{"service": {serviceID}, "point": {pointID}})
}

// bookingHeader is what every booking page says of the service and the place.
type bookingHeader struct {
	ServiceID, ServiceName, ServiceURL         string
	PointID, PointName, PointAddress, PointURL string
	Organization                               string
}

// offer finds a service and a point that offers it.
func (s *Site) offer(l i18n.Lang, serviceID, pointID string) (catalog.Schedule, bookingHeader, error) {
	if serviceID == "" || pointID == "" {
		return catalog.Schedule{}, bookingHeader{}, errs.E(errs.NotFound, "error.not_found")
	}
	sv, err := s.catalog.Service(serviceID)
	if err != nil {
		return catalog.Schedule{}, bookingHeader{}, err
	}
	p, sched, err := s.catalog.Point(pointID)
	if err != nil {
		return catalog.Schedule{}, bookingHeader{}, err
	}
	if !p.OffersService(sv.ID) {
		return catalog.Schedule{}, bookingHeader{}, errs.E(errs.Invalid, "booking.not_offered", sv.Name.In(l), p.Name.In(l))
	}
	o, _ := s.catalog.Organization(p.OrganizationID)
	return sched, bookingHeader{
		ServiceID: sv.ID, ServiceName: sv.Name.In(l), ServiceURL: s.pageURL("service", l, sv.ID, nil),
		PointID: p.ID, PointName: p.Name.In(l), PointURL: s.pageURL("point", l, p.ID, nil),
		PointAddress: p.Address + ", " + p.Municipality + " (Québec) " + p.PostalCode,
		Organization: o.Name.In(l),
	}, nil
}

// when writes the date and time of an appointment: « le jeudi 3 décembre
// 2026 à 9 h 30 », "Thursday, December 3, 2026 at 9:30 a.m.".
func when(l i18n.Lang, t time.Time) string {
	return i18n.T(l, "booking_web.when", l.WeekdayDate(t), l.Time(t))
}

// slotsURL is the slots page of a day (YYYY-MM-DD, or "" for the first).
func (s *Site) slotsURL(l i18n.Lang, serviceID, pointID, day string) string {
	q := url.Values{"service": {serviceID}, "point": {pointID}}
	if day != "" {
		q.Set("day", day)
	}
	return s.pageURL("booking_slots", l, "", q)
}

// actionURL is the path of a booking action on an appointment, in l.
func actionURL(l i18n.Lang, fr, en, ref string) string {
	if l == i18n.EN {
		return "/en/appointments/" + url.PathEscape(ref) + "/" + en
	}
	return "/fr/rendez-vous/" + url.PathEscape(ref) + "/" + fr
}

// manageURL is the manage page of an appointment, with its token.
func (s *Site) manageURL(l i18n.Lang, ref, token, done string) string {
	q := url.Values{"token": {token}}
	if done != "" {
		q.Set("done", done)
	}
	return s.pageURL("booking_manage", l, ref, q)
}

// withQuery returns r with another query string, so that a page
// re-rendered by an action links to the same step in the other language.
func withQuery(r *http.Request, q url.Values) *http.Request {
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	return r2
}

// registerBooking adds the routes of the booking journey that are neither
// pages nor form actions: the calendar file.
func (s *Site) registerBooking(rt *httpx.Router) {
	if !withBooking(s) {
		return
	}
	for _, lang := range i18n.All {
		path := "/fr/rendez-vous/{ref}/calendrier.ics"
		if lang == i18n.EN {
			path = "/en/appointments/{ref}/calendar.ics"
		}
		lang := lang
		rt.HandleFunc(httpx.Route{Method: http.MethodGet, Path: path, Kind: httpx.Asset},
			func(w http.ResponseWriter, r *http.Request) { s.bookingCalendar(w, r, lang) })
	}
}

// lastBookingCookie remembers, for an hour, the appointment this browser
// just booked, so that a second submission of the same form (a double
// click, the back button) is told that this very booking exists.
const lastBookingCookie = "guichet_last_booking"

func setLastBooking(w http.ResponseWriter, r *http.Request, l i18n.Lang, ref, token string) {
	path := "/fr/rendez-vous/"
	if l == i18n.EN {
		path = "/en/appointments/"
	}
	http.SetCookie(w, &http.Cookie{Name: lastBookingCookie, Value: ref + "." + token, Path: path,
		MaxAge: 3600, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func lastBooking(r *http.Request) (ref, token string) {
	c, err := r.Cookie(lastBookingCookie)
	if err != nil {
		return "", ""
	}
	for i := 0; i < len(c.Value); i++ {
		if c.Value[i] == '.' {
			return c.Value[:i], c.Value[i+1:]
		}
	}
	return "", ""
}
