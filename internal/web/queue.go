package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/queue"
)

// The walk-in queue pages: take a ticket online (/fr/file/{point}), the
// kiosk at the entrance (/fr/borne/{point}), and the ticket page
// (/fr/file/billet/{id}?code=…). The forms post to the page's own path.

// QueueTicketRef names the demonstration ticket, the ticket page's example.
type QueueTicketRef struct {
	ID   int64
	Code string
}

// refreshSeconds is the period of the ticket page's automatic update, which
// the reader turns on (auto=1) and off: an update the reader did not ask for
// would break WCAG 2.2.1 (timing adjustable; failure F41).
const refreshSeconds = "30"

type queueLineView struct {
	ID, Letter, Name string
	Waiting          int
	WaitText         string
	Checked          bool
}

type queueView struct {
	pointItem
	Lines    []queueLineView
	Action   string
	Error    string
	Kiosk    bool
	KioskURL string
}

// waitText writes an estimate: « environ 10 à 25 minutes ».
func waitText(l i18n.Lang, e queue.Estimate) string {
	lo, hi := e.LowMinutes(), e.HighMinutes()
	switch {
	case hi == 0:
		return i18n.T(l, "queue.wait_none")
	case lo == hi:
		return i18n.T(l, "queue.wait_about", hi)
	default:
		return i18n.T(l, "queue.wait_range", lo, hi)
	}
}

func (s *Site) queueView(r *http.Request, l i18n.Lang, kiosk bool, chosen string) (queueView, error) {
	p, sched, err := s.catalog.Point(r.PathValue("point"))
	if err != nil {
		return queueView{}, err
	}
	lines, err := s.queue.Lines(r.Context(), p.ID)
	if err != nil {
		return queueView{}, err
	}
	page := "queue"
	if kiosk {
		page = "kiosk"
	}
	v := queueView{pointItem: s.pointItem(p, sched.Status(s.now()), l), Kiosk: kiosk,
		Action: s.pageURL(page, l, p.ID, nil), KioskURL: s.pageURL("kiosk", l, p.ID, nil)}
	for _, ln := range lines {
		name := ln.ServiceID
		if sv, err := s.catalog.Service(ln.ServiceID); err == nil {
			name = sv.Name.In(l)
		}
		v.Lines = append(v.Lines, queueLineView{ID: ln.ServiceID, Letter: ln.Letter, Name: name, Waiting: ln.Waiting,
			WaitText: waitText(l, ln.Wait), Checked: ln.ServiceID == chosen})
	}
	return v, nil
}

func (s *Site) queuePage(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.queueGet(w, r, l, false)
}
func (s *Site) kioskPage(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.queueGet(w, r, l, true)
}

func (s *Site) queueGet(w http.ResponseWriter, r *http.Request, l i18n.Lang, kiosk bool) {
	v, err := s.queueView(r, l, kiosk, "")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, queueTemplate(kiosk), i18n.T(l, queueTitle(kiosk), v.Name), v)
}

func queueTemplate(kiosk bool) string {
	if kiosk {
		return "queue_kiosk"
	}
	return "queue_take"
}

func queueTitle(kiosk bool) string {
	if kiosk {
		return "queue.kiosk.title"
	}
	return "queue.take.title"
}

func (s *Site) takeAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.take(w, r, l, false)
}
func (s *Site) kioskAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.take(w, r, l, true)
}

// take gives a ticket and sends the reader to it (303), or shows the page
// again with the reason.
func (s *Site) take(w http.ResponseWriter, r *http.Request, l i18n.Lang, kiosk bool) {
	service := r.PostFormValue("service")
	channel := queue.ChannelWeb
	if kiosk {
		channel = queue.ChannelKiosk
	}
	var err error
	var t queue.Ticket
	var code string
	if service == "" {
		err = errs.E(errs.Invalid, "queue.service_required").OnField("service")
	} else {
		t, code, err = s.queue.Take(r.Context(), queue.TakeRequest{PointID: r.PathValue("point"), ServiceID: service,
			Channel: channel, Lang: string(l)})
	}
	if err == nil {
		http.Redirect(w, r, s.ticketURL(l, t.ID, code, nil), http.StatusSeeOther)
		return
	}
	e := errs.As(err)
	if e.Code != errs.Invalid && e.Code != errs.Conflict {
		s.Error(w, r, err)
		return
	}
	v, verr := s.queueView(r, l, kiosk, service)
	if verr != nil {
		s.Error(w, r, verr)
		return
	}
	v.Error = httpx.Message(l, e)
	var closed *queue.ClosedError
	if errors.As(err, &closed) && !closed.NextOpen.IsZero() {
		v.Error = i18n.T(l, "queue.closed_opens", l.WeekdayDate(closed.NextOpen), l.Time(closed.NextOpen))
	}
	s.render(w, r, httpx.Status(e.Code), l, queueTemplate(kiosk), i18n.T(l, queueTitle(kiosk), v.Name), v)
}

func (s *Site) ticketURL(l i18n.Lang, id int64, code string, extra url.Values) string {
	q := url.Values{"code": {code}}
	for k, v := range extra {
		q[k] = v
	}
	return s.pageURL("queue_ticket", l, strconv.FormatInt(id, 10), q)
}

type ticketView struct {
	Label, ServiceName, PointName, PointURL, QueueURL string
	StatusText                                        string
	Waiting, Called, Ended                            bool
	Position, Ahead                                   int
	WaitText, TakenAt                                 string
	Code, LeaveAction                                 string
	Auto                                              bool
	RefreshURL, AutoURL, StopURL                      string
	Left                                              bool
}

func (s *Site) ticketPage(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, errs.E(errs.NotFound, "queue.ticket_not_found"))
		return
	}
	code := r.URL.Query().Get("code")
	t, err := s.queue.Ticket(r.Context(), id, code)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p, sched, err := s.catalog.Point(t.PointID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v := ticketView{Label: t.Label, PointName: p.Name.In(l), PointURL: s.pageURL("point", l, p.ID, nil),
		QueueURL: s.pageURL("queue", l, p.ID, nil), Code: code, LeaveAction: s.pageURL("queue_ticket", l, strconv.FormatInt(id, 10), nil),
		TakenAt: l.Time(t.TakenAt.In(sched.Location())), Left: r.URL.Query().Get("left") == "1",
		RefreshURL: s.ticketURL(l, id, code, nil), AutoURL: s.ticketURL(l, id, code, url.Values{"auto": {"1"}}),
		StopURL: s.ticketURL(l, id, code, nil)}
	if sv, err := s.catalog.Service(t.ServiceID); err == nil {
		v.ServiceName = sv.Name.In(l)
	}
	today := s.now().In(sched.Location()).Format("2006-01-02")
	switch {
	case t.Status == queue.Waiting && t.Day == today:
		v.Waiting, v.Position, v.Ahead, v.WaitText = true, t.Wait.Position, t.Wait.Ahead, waitText(l, t.Wait)
		v.StatusText = i18n.T(l, "queue.status.waiting")
	case t.Status == queue.Waiting:
		v.Ended, v.StatusText = true, i18n.T(l, "queue.status.expired")
	case t.Status == queue.Called:
		v.Called, v.StatusText = true, i18n.T(l, "queue.status.called", t.Counter)
	default:
		v.Ended, v.StatusText = true, i18n.T(l, "queue.status."+string(t.Status))
	}
	if (v.Waiting || v.Called) && r.URL.Query().Get("auto") == "1" {
		v.Auto = true
		w.Header().Set("Refresh", refreshSeconds)
	}
	s.render(w, r, http.StatusOK, l, "queue_ticket", i18n.T(l, "queue.ticket.title", t.Label), v)
}

// leaveAction takes the ticket out of the queue and shows it again.
func (s *Site) leaveAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, errs.E(errs.NotFound, "queue.ticket_not_found"))
		return
	}
	code := r.PostFormValue("code")
	if _, err := s.queue.Leave(r.Context(), id, code); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, s.ticketURL(l, id, code, url.Values{"left": {"1"}}), http.StatusSeeOther)
}

// queueExample is the example path of a queue page: the first point, or the
// demonstration ticket.
func (s *Site) queueExample(pageID string, l i18n.Lang) string {
	if pageID == "queue_ticket" {
		if s.demoTicket.ID == 0 {
			return ""
		}
		return s.ticketURL(l, s.demoTicket.ID, s.demoTicket.Code, nil)
	}
	if id := s.catalog.FirstPointID(); id != "" {
		return s.pageURL(pageID, l, id, nil)
	}
	return ""
}

// QueueURL is the "take a ticket" page of a point in the view's language,
// for links from other pages ("" when the site has no queue).
func (v View) QueueURL(pointID string) string {
	if v.site.queue == nil {
		return ""
	}
	return v.site.pageURL("queue", v.Lang, pointID, nil)
}
