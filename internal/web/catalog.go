package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// serviceItem is a service in a list.
type serviceItem struct {
	ID, Name, Summary, Organization, URL string
}

func (s *Site) serviceItem(sv catalog.Service, l i18n.Lang) serviceItem {
	o, _ := s.catalog.Organization(sv.OrganizationID)
	return serviceItem{ID: sv.ID, Name: sv.Name.In(l), Summary: sv.Summary.In(l), Organization: o.Name.In(l),
		URL: s.pageURL("service", l, sv.ID, nil)}
}

// pageURL builds the URL of a page with one path value and a query.
func (s *Site) pageURL(pageID string, l i18n.Lang, value string, q url.Values) string {
	p := s.pages[pageID].path(l)
	if i := strings.IndexByte(p, '{'); i >= 0 {
		p = p[:i] + url.PathEscape(value) + p[strings.IndexByte(p, '}')+1:]
	}
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

type servicesView struct {
	Query   string
	Results []serviceItem
	Error   string
}

func (s *Site) services(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v := servicesView{Query: q, Results: []serviceItem{}}
	status := http.StatusOK
	if len(q) > 200 {
		v.Error = httpx.Message(l, errs.E(errs.Invalid, "catalog.query_too_long", 200))
		status = http.StatusUnprocessableEntity
	} else {
		for _, sv := range s.catalog.Search(q, l, 50) {
			v.Results = append(v.Results, s.serviceItem(sv, l))
		}
	}
	title := i18n.T(l, "services.title")
	if q != "" {
		title = i18n.T(l, "services.results_for", q)
	}
	s.render(w, r, status, l, "services", title, v)
}

type channelView struct {
	Kind, Heading, URL, Phone, Note string
}

type serviceView struct {
	serviceItem
	OrgWebsite, OrgPhone string
	Channels             []channelView
	Documents            []string
	Appointment          bool
	Duration             int
	Fee                  string
	Assurance            string
	FinderURL            string
}

func (s *Site) service(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	sv, err := s.catalog.Service(r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	o, _ := s.catalog.Organization(sv.OrganizationID)
	v := serviceView{serviceItem: s.serviceItem(sv, l), OrgWebsite: o.Website, OrgPhone: o.Phone,
		Appointment: sv.AppointmentRequired, Duration: sv.DurationMinutes, Fee: sv.Fee,
		FinderURL: s.pageURL("finder", l, "", nil)}
	if sv.OnlineAssurance != "" {
		v.Assurance = i18n.T(l, "assurance."+sv.OnlineAssurance)
	}
	for _, c := range []struct {
		kind string
		ch   catalog.Channel
	}{{"online", sv.Online}, {"in_person", sv.InPerson}, {"by_phone", sv.ByPhone}, {"by_mail", sv.ByMail}} {
		if c.ch.Available {
			v.Channels = append(v.Channels, channelView{Kind: c.kind, Heading: i18n.T(l, "service.channel."+c.kind),
				URL: c.ch.URL, Phone: c.ch.Phone, Note: c.ch.Note.In(l)})
		}
	}
	for _, d := range sv.Documents {
		v.Documents = append(v.Documents, d.In(l))
	}
	s.render(w, r, http.StatusOK, l, "service", sv.Name.In(l), v)
}

// pointItem is a service point in a list or on its page.
type pointItem struct {
	ID, Name, Organization, Address, Municipality, PostalCode, Phone string
	URL, DirectionsURL                                               string
	Distance                                                         string
	Open                                                             bool
	StatusText                                                       string
	TodayText                                                        string
	Approximate                                                      bool
	Demo                                                             bool
}

func (s *Site) pointItem(p catalog.ServicePoint, st catalog.Status, l i18n.Lang) pointItem {
	o, _ := s.catalog.Organization(p.OrganizationID)
	it := pointItem{ID: p.ID, Name: p.Name.In(l), Organization: o.Name.In(l), Address: p.Address,
		Municipality: p.Municipality, PostalCode: p.PostalCode, Phone: p.Phone,
		URL: s.pageURL("point", l, p.ID, nil), DirectionsURL: s.directions(p),
		Open: st.Open, Approximate: p.Precision != catalog.PrecisionExact, Demo: p.Source == "demo",
		TodayText: hoursText(l, st.Today)}
	switch {
	case st.Open:
		it.StatusText = i18n.T(l, "point.open_until", l.Time(st.Until))
	case st.NextOpen.IsZero():
		it.StatusText = i18n.T(l, "point.closed")
	case sameDay(st.NextOpen, st.Local):
		it.StatusText = i18n.T(l, "point.closed_opens_today", l.Time(st.NextOpen))
	default:
		it.StatusText = i18n.T(l, "point.closed_opens_on", l.WeekdayDate(st.NextOpen), l.Time(st.NextOpen))
	}
	return it
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.In(a.Location()).Date()
	return ay == by && am == bm && ad == bd
}

// hoursText writes a day's hours: « 8 h 30 à 12 h, 13 h à 16 h 30 ».
func hoursText(l i18n.Lang, d catalog.DayHours) string {
	if d.Closed {
		if r := d.Reason.In(l); r != "" {
			return i18n.T(l, "point.closed_because", r)
		}
		return i18n.T(l, "point.closed_day")
	}
	parts := make([]string, len(d.Intervals))
	for i, iv := range d.Intervals {
		parts[i] = l.TimeRange(clockOn(d.Date, iv.Open), clockOn(d.Date, iv.Close))
	}
	text := strings.Join(parts, ", ")
	if d.Special && d.Reason.In(l) != "" {
		text += " (" + d.Reason.In(l) + ")"
	}
	return text
}

func clockOn(day time.Time, hhmm string) time.Time {
	h, _ := strconv.Atoi(hhmm[:2])
	m, _ := strconv.Atoi(hhmm[3:])
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, day.Location())
}

// directions fills the configured map URL template with the point's
// coordinates and address.
func (s *Site) directions(p catalog.ServicePoint) string {
	r := strings.NewReplacer(
		"{lat}", strconv.FormatFloat(p.Lat, 'f', 5, 64),
		"{lon}", strconv.FormatFloat(p.Lon, 'f', 5, 64),
		"{address}", url.QueryEscape(p.Address+", "+p.Municipality+", QC "+p.PostalCode),
	)
	return r.Replace(s.mapURL)
}

type serviceOption struct {
	ID, Name string
	Selected bool
}

type finderView struct {
	Near, ServiceID string
	ServiceName     string
	Options         []serviceOption
	Searched        bool
	Error           string
	Origin          string
	Approximate     bool
	Results         []pointItem
}

func (s *Site) finder(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	q := r.URL.Query()
	v := finderView{Near: strings.TrimSpace(q.Get("near")), ServiceID: q.Get("service")}
	for _, sv := range s.catalog.Services(l) {
		v.Options = append(v.Options, serviceOption{ID: sv.ID, Name: sv.Name.In(l), Selected: sv.ID == v.ServiceID})
		if sv.ID == v.ServiceID {
			v.ServiceName = sv.Name.In(l)
		}
	}
	status := http.StatusOK
	if v.Near != "" {
		v.Searched = true
		res, err := s.catalog.Nearest(catalog.NearQuery{Near: v.Near, ServiceID: v.ServiceID, Limit: 10, Now: s.now()})
		if err != nil {
			e := errs.As(err)
			if e.Code != errs.Invalid {
				s.Error(w, r, err)
				return
			}
			v.Error = httpx.Message(l, e)
			status = http.StatusUnprocessableEntity
		} else {
			v.Origin, v.Approximate = res.Origin.Label, res.Origin.Approximate
			for _, n := range res.Items {
				it := s.pointItem(n.Point, n.Status, l)
				it.Distance = i18n.T(l, "finder.distance", l.Decimal(n.DistanceKm, 1))
				v.Results = append(v.Results, it)
			}
		}
	}
	s.render(w, r, status, l, "finder", i18n.T(l, "finder.title"), v)
}

type dayView struct {
	Name, Hours string
	Today       bool
	Closed      bool
}

type pointView struct {
	pointItem
	Week     []dayView
	Closures []dayView
	Services []serviceItem
	TimeZone string
}

func (s *Site) point(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	p, sched, err := s.catalog.Point(r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	now := s.now()
	v := pointView{pointItem: s.pointItem(p, sched.Status(now), l), TimeZone: p.TimeZone}
	for i, d := range sched.Week(now) {
		v.Week = append(v.Week, dayView{Name: l.WeekdayDate(d.Date), Hours: hoursText(l, d), Today: i == 0, Closed: d.Closed})
	}
	for _, d := range sched.Closures(now, 60) {
		v.Closures = append(v.Closures, dayView{Name: l.WeekdayDate(d.Date), Hours: hoursText(l, d), Closed: d.Closed})
	}
	for _, o := range p.Offers {
		if sv, err := s.catalog.Service(o.ServiceID); err == nil {
			v.Services = append(v.Services, s.serviceItem(sv, l))
		}
	}
	s.render(w, r, http.StatusOK, l, "point", p.Name.In(l), v)
}
