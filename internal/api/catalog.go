package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

type orgRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Acronym string `json:"acronym,omitempty"`
}

type serviceSummary struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	Summary             string `json:"summary"`
	Organization        orgRef `json:"organization"`
	OnlineURL           string `json:"online_url,omitempty"`
	AppointmentRequired bool   `json:"appointment_required"`
}

type channelJSON struct {
	Available bool   `json:"available"`
	URL       string `json:"url,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Note      string `json:"note,omitempty"`
}

type serviceDetail struct {
	serviceSummary
	Online          channelJSON `json:"online"`
	InPerson        channelJSON `json:"in_person"`
	ByPhone         channelJSON `json:"by_phone"`
	ByMail          channelJSON `json:"by_mail"`
	OnlineAssurance string      `json:"online_assurance,omitempty"`
	Documents       []string    `json:"documents"`
	DurationMinutes int         `json:"duration_minutes,omitempty"`
	Fee             string      `json:"fee,omitempty"`
	Demonstration   bool        `json:"demonstration_data"`
}

func (a *API) summary(s catalog.Service, l i18n.Lang) serviceSummary {
	o, _ := a.catalog.Organization(s.OrganizationID)
	out := serviceSummary{ID: s.ID, Name: s.Name.In(l), Summary: s.Summary.In(l),
		Organization:        orgRef{ID: o.ID, Name: o.Name.In(l), Acronym: o.Acronym},
		AppointmentRequired: s.AppointmentRequired}
	if s.Online.Available {
		out.OnlineURL = s.Online.URL
	}
	return out
}

func channel(c catalog.Channel, l i18n.Lang) channelJSON {
	return channelJSON{Available: c.Available, URL: c.URL, Phone: c.Phone, Note: c.Note.In(l)}
}

func (a *API) listServices(w http.ResponseWriter, r *http.Request) error {
	l := Lang(r)
	q := r.URL.Query().Get("q")
	if len(q) > 200 {
		return errs.E(errs.Invalid, "catalog.query_too_long", 200).OnField("q")
	}
	items := []serviceSummary{}
	for _, s := range a.catalog.Search(q, l, 50) {
		items = append(items, a.summary(s, l))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "demonstration_data": a.catalog.Demo()})
	return nil
}

func (a *API) getService(w http.ResponseWriter, r *http.Request) error {
	l := Lang(r)
	s, err := a.catalog.Service(r.PathValue("id"))
	if err != nil {
		return err
	}
	docs := make([]string, len(s.Documents))
	for i, d := range s.Documents {
		docs[i] = d.In(l)
	}
	httpx.WriteJSON(w, http.StatusOK, serviceDetail{
		serviceSummary: a.summary(s, l),
		Online:         channel(s.Online, l), InPerson: channel(s.InPerson, l),
		ByPhone: channel(s.ByPhone, l), ByMail: channel(s.ByMail, l),
		OnlineAssurance: s.OnlineAssurance, Documents: docs, DurationMinutes: s.DurationMinutes,
		Fee: s.Fee, Demonstration: a.catalog.Demo(),
	})
	return nil
}

type intervalJSON struct {
	Open  string `json:"open"`
	Close string `json:"close"`
}

type pointJSON struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Organization orgRef         `json:"organization"`
	Address      string         `json:"address"`
	Municipality string         `json:"municipality"`
	PostalCode   string         `json:"postal_code,omitempty"`
	Lat          float64        `json:"lat"`
	Lon          float64        `json:"lon"`
	Precision    string         `json:"precision"`
	Phone        string         `json:"phone,omitempty"`
	TimeZone     string         `json:"time_zone"`
	DistanceKm   *float64       `json:"distance_km,omitempty"`
	OpenNow      bool           `json:"open_now"`
	OpenUntil    *time.Time     `json:"open_until,omitempty"`
	NextOpening  *time.Time     `json:"next_opening,omitempty"`
	TodayHours   []intervalJSON `json:"today_hours"`
	Services     []string       `json:"services"`
	Source       string         `json:"source"`
}

func (a *API) point(p catalog.ServicePoint, st catalog.Status, l i18n.Lang) pointJSON {
	o, _ := a.catalog.Organization(p.OrganizationID)
	out := pointJSON{ID: p.ID, Name: p.Name.In(l), Organization: orgRef{ID: o.ID, Name: o.Name.In(l), Acronym: o.Acronym},
		Address: p.Address, Municipality: p.Municipality, PostalCode: p.PostalCode, Lat: p.Lat, Lon: p.Lon,
		Precision: p.Precision, Phone: p.Phone, TimeZone: p.TimeZone, OpenNow: st.Open,
		TodayHours: []intervalJSON{}, Services: []string{}, Source: p.Source}
	if st.Open {
		u := st.Until
		out.OpenUntil = &u
	} else if !st.NextOpen.IsZero() {
		n := st.NextOpen
		out.NextOpening = &n
	}
	for _, iv := range st.Today.Intervals {
		out.TodayHours = append(out.TodayHours, intervalJSON{iv.Open, iv.Close})
	}
	for _, o := range p.Offers {
		out.Services = append(out.Services, o.ServiceID)
	}
	return out
}

func (a *API) listPoints(w http.ResponseWriter, r *http.Request) error {
	l := Lang(r)
	q := r.URL.Query()
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errs.E(errs.Invalid, "api.bad_integer", "limit").OnField("limit")
		}
		limit = n
	}
	res, err := a.catalog.Nearest(catalog.NearQuery{Near: q.Get("near"), ServiceID: q.Get("service"), Limit: limit, Now: a.now()})
	if err != nil {
		return err
	}
	items := make([]pointJSON, len(res.Items))
	for i, n := range res.Items {
		items[i] = a.point(n.Point, n.Status, l)
		d := float64(int(n.DistanceKm*10+0.5)) / 10
		items[i].DistanceKm = &d
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"origin": res.Origin, "items": items, "demonstration_data": a.catalog.Demo(),
	})
	return nil
}

type dayJSON struct {
	Date      string         `json:"date"`
	Closed    bool           `json:"closed"`
	Holiday   bool           `json:"holiday,omitempty"`
	Reason    string         `json:"reason,omitempty"`
	Intervals []intervalJSON `json:"intervals"`
}

func day(d catalog.DayHours, l i18n.Lang) dayJSON {
	out := dayJSON{Date: d.Date.Format(time.DateOnly), Closed: d.Closed, Holiday: d.Holiday, Reason: d.Reason.In(l), Intervals: []intervalJSON{}}
	for _, iv := range d.Intervals {
		out.Intervals = append(out.Intervals, intervalJSON{iv.Open, iv.Close})
	}
	return out
}

func (a *API) getPoint(w http.ResponseWriter, r *http.Request) error {
	l := Lang(r)
	p, sched, err := a.catalog.Point(r.PathValue("id"))
	if err != nil {
		return err
	}
	now := a.now()
	week, closures := []dayJSON{}, []dayJSON{}
	for _, d := range sched.Week(now) {
		week = append(week, day(d, l))
	}
	for _, d := range sched.Closures(now, 60) {
		closures = append(closures, day(d, l))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"point": a.point(p, sched.Status(now), l), "week": week, "upcoming_closures": closures,
		"demonstration_data": p.Source == "demo",
	})
	return nil
}
