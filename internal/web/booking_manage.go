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
	"github.com/guichet-qc/guichet/internal/notify"
)

type manageView struct {
	bookingHeader
	Reference, Token  string
	When, Status      string
	Booked, Cancelled bool
	CitizenName       string
	Done              string // success banner
	Documents         []string
	ManageURL         string
	MoveURL           string
	CancelAction      string
	CalendarURL       string
	ConfirmError      string // the cancel form without its confirmation
	Problem           string // an action that failed
}

// appointment loads an appointment for the holder of its token, with its
// service and point as the catalogue describes them now.
func (s *Site) appointment(ctx context.Context, l i18n.Lang, ref, token string) (booking.Appointment, bookingHeader, *time.Location, error) {
	a, err := s.booking.Get(ctx, ref, token)
	if err != nil {
		return a, bookingHeader{}, nil, notFoundIfInvalid(err)
	}
	sched, hdr, err := s.offer(l, a.ServiceID, a.PointID)
	if err != nil {
		return a, hdr, nil, err
	}
	return a, hdr, sched.Location(), nil
}

func (s *Site) manageView(ctx context.Context, l i18n.Lang, ref, token string) (manageView, error) {
	a, hdr, loc, err := s.appointment(ctx, l, ref, token)
	if err != nil {
		return manageView{}, err
	}
	v := manageView{bookingHeader: hdr, Reference: a.Reference, Token: token, When: when(l, a.Start.In(loc)),
		Booked: a.Status == booking.Booked, Cancelled: a.Status == booking.Cancelled, CitizenName: a.Citizen.Name,
		ManageURL:    s.manageURL(l, a.Reference, token, ""),
		MoveURL:      s.pageURL("booking_slots", l, "", url.Values{"reference": {a.Reference}, "token": {token}}),
		CancelAction: actionURL(l, "annuler", "cancel", a.Reference),
		CalendarURL:  actionURL(l, "calendrier.ics", "calendar.ics", a.Reference) + "?" + url.Values{"token": {token}}.Encode(),
	}
	switch a.Status {
	case booking.Booked:
		v.Status = i18n.T(l, "booking_web.status.booked")
	case booking.Cancelled:
		v.Status = i18n.T(l, "booking_web.status.cancelled")
	case booking.CheckedIn:
		v.Status = i18n.T(l, "booking_web.status.checked_in")
	case booking.NoShow:
		v.Status = i18n.T(l, "booking_web.status.no_show")
	case booking.Served:
		v.Status = i18n.T(l, "booking_web.status.served")
	}
	if sv, err := s.catalog.Service(a.ServiceID); err == nil {
		for _, d := range sv.Documents {
			v.Documents = append(v.Documents, d.In(l))
		}
	}
	return v, nil
}

func (s *Site) bookingManage(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	q := r.URL.Query()
	v, err := s.manageView(r.Context(), l, r.PathValue("ref"), q.Get("token"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	switch q.Get("done") {
	case "booked":
		v.Done = i18n.T(l, "booking_web.done.booked")
	case "moved":
		v.Done = i18n.T(l, "booking_web.done.moved", v.When)
	case "cancelled":
		v.Done = i18n.T(l, "booking_web.done.cancelled")
	}
	s.render(w, r, http.StatusOK, l, "booking_manage", i18n.T(l, "booking_web.manage.title", v.Reference), v)
}

// cancelAction cancels an appointment once the citizen has ticked the
// confirmation box.
func (s *Site) cancelAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	ref, token := r.PathValue("ref"), r.PostFormValue("token")
	v, err := s.manageView(r.Context(), l, ref, token)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusUnprocessableEntity
	if r.PostFormValue("confirm") != "yes" {
		v.ConfirmError = i18n.T(l, "booking_web.cancel.confirm_required")
	} else if _, err := s.booking.Cancel(r.Context(), ref, token, booking.ChannelWeb); err == nil {
		http.Redirect(w, r, s.manageURL(l, v.Reference, token, "cancelled"), http.StatusSeeOther)
		return
	} else {
		e := errs.As(err)
		if e.Code != errs.Conflict && e.Code != errs.Invalid {
			s.Error(w, r, notFoundIfInvalid(err))
			return
		}
		status, v.Problem = httpx.Status(e.Code), httpx.Message(l, e)
	}
	s.render(w, r, status, l, "booking_manage", i18n.T(l, "booking_web.manage.title", v.Reference), v)
}

// bookingCalendar answers the appointment as an iCalendar file.
func (s *Site) bookingCalendar(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, hdr, _, err := s.appointment(r.Context(), l, r.PathValue("ref"), r.URL.Query().Get("token"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p, _, _ := s.catalog.Point(a.PointID)
	ev := notify.Event{
		UID: a.Reference + "@guichet",
		// Seconds between booking and the last change: grows with each change.
		Sequence: int(a.UpdatedAt.Sub(a.CreatedAt) / time.Second),
		Method:   "REQUEST",
		Start:    a.Start, End: a.End, TimeZone: p.TimeZone,
		Summary:     i18n.T(l, "booking_web.ics.summary", hdr.ServiceName),
		Location:    hdr.PointName + ", " + hdr.PointAddress,
		Description: i18n.T(l, "booking_web.ics.description", a.Reference),
		Stamp:       s.now(),
	}
	if a.Status == booking.Cancelled {
		ev.Method = "CANCEL"
	}
	if sv, err := s.catalog.Service(a.ServiceID); err == nil && len(sv.Documents) > 0 {
		docs := make([]string, len(sv.Documents))
		for i, d := range sv.Documents {
			docs[i] = "- " + d.In(l)
		}
		ev.Description += "\n" + i18n.T(l, "booking_web.documents") + "\n" + strings.Join(docs, "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+a.Reference+`.ics"`)
	h.Set("Cache-Control", "no-store")
	w.Write(notify.Calendar(ev))
}
