package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
)

type slotsJSON struct {
	Slots []booking.Slot `json:"slots"`
}

// parseWhen reads an RFC 3339 time, or a date (YYYY-MM-DD) taken as
// midnight in loc.
func parseWhen(v, field string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t, nil
	}
	return time.Time{}, errs.E(errs.Invalid, "api.bad_time", field).OnField(field)
}

func (a *API) availability(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	_, sched, err := a.catalog.Point(r.PathValue("id"))
	if err != nil {
		return err
	}
	loc := sched.Location()
	from, to := a.now(), time.Time{}
	if v := q.Get("from"); v != "" {
		if from, err = parseWhen(v, "from", loc); err != nil {
			return err
		}
	}
	to = from.AddDate(0, 0, 7)
	if v := q.Get("to"); v != "" {
		if to, err = parseWhen(v, "to", loc); err != nil {
			return err
		}
	}
	if q.Get("service") == "" {
		return errs.E(errs.Invalid, "api.param_required", "service").OnField("service")
	}
	slots, err := a.booking.Availability(r.Context(), r.PathValue("id"), q.Get("service"), from, to)
	if err != nil {
		return err
	}
	if slots == nil {
		slots = []booking.Slot{}
	}
	httpx.WriteJSON(w, http.StatusOK, slotsJSON{Slots: slots})
	return nil
}

type bookRequest struct {
	ServicePointID string          `json:"service_point_id"`
	ServiceID      string          `json:"service_id"`
	Start          string          `json:"start"`
	Citizen        booking.Citizen `json:"citizen"`
	Lang           string          `json:"lang,omitempty"`
}

type appointmentJSON struct {
	Reference      string    `json:"reference"`
	ManageToken    string    `json:"manage_token,omitempty"`
	Status         string    `json:"status"`
	ServicePointID string    `json:"service_point_id"`
	ServiceID      string    `json:"service_id"`
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	ManageURL      string    `json:"manage_url,omitempty"`
}

func (a *API) appointmentJSON(ap booking.Appointment, token string) appointmentJSON {
	out := appointmentJSON{Reference: ap.Reference, ManageToken: token, Status: string(ap.Status),
		ServicePointID: ap.PointID, ServiceID: ap.ServiceID, Start: ap.Start, End: ap.End}
	if _, sched, err := a.catalog.Point(ap.PointID); err == nil {
		out.Start, out.End = ap.Start.In(sched.Location()), ap.End.In(sched.Location())
	}
	if token != "" && a.manageURL != nil {
		out.ManageURL = a.manageURL(ap.Lang, ap.Reference, token)
	}
	return out
}

// maxKeyLength bounds Idempotency-Key values.
const maxKeyLength = 200

func (a *API) book(w http.ResponseWriter, r *http.Request) error {
	var in bookRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > maxKeyLength {
		return errs.E(errs.Invalid, "api.bad_idempotency_key", maxKeyLength).OnField("Idempotency-Key")
	}
	if in.ServicePointID == "" {
		return errs.E(errs.Invalid, "api.param_required", "service_point_id").OnField("service_point_id")
	}
	if in.ServiceID == "" {
		return errs.E(errs.Invalid, "api.param_required", "service_id").OnField("service_id")
	}
	start, err := time.Parse(time.RFC3339, in.Start)
	if err != nil {
		return errs.E(errs.Invalid, "api.bad_time", "start").OnField("start")
	}
	lang := in.Lang
	if lang == "" {
		lang = string(Lang(r))
	}
	canonical, _ := json.Marshal(in)
	sum := sha256.Sum256(canonical)
	conf, err := a.booking.Book(r.Context(), booking.Request{
		PointID: in.ServicePointID, ServiceID: in.ServiceID, Start: start, Citizen: in.Citizen,
		Lang: lang, Channel: booking.ChannelAPI, IdempotencyKey: key, RequestHash: hex.EncodeToString(sum[:]),
	})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if conf.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	httpx.WriteJSON(w, status, a.appointmentJSON(conf.Appointment, conf.ManageToken))
	return nil
}

type manageRequest struct {
	ManageToken string `json:"manage_token"`
	Start       string `json:"start,omitempty"`
}

// manageToken reads the token from the body or the X-Manage-Token header.
func manageToken(r *http.Request, in *manageRequest) error {
	if err := decode(r, in); err != nil {
		return err
	}
	if in.ManageToken == "" {
		in.ManageToken = r.Header.Get("X-Manage-Token")
	}
	if in.ManageToken == "" {
		return errs.E(errs.Unauthorized, "api.manage_token_required").OnField("manage_token")
	}
	return nil
}

func (a *API) cancel(w http.ResponseWriter, r *http.Request) error {
	var in manageRequest
	if err := manageToken(r, &in); err != nil {
		return err
	}
	ap, err := a.booking.Cancel(r.Context(), r.PathValue("ref"), in.ManageToken, booking.ChannelAPI)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a.appointmentJSON(ap, ""))
	return nil
}

func (a *API) reschedule(w http.ResponseWriter, r *http.Request) error {
	var in manageRequest
	if err := manageToken(r, &in); err != nil {
		return err
	}
	start, err := time.Parse(time.RFC3339, in.Start)
	if err != nil {
		return errs.E(errs.Invalid, "api.bad_time", "start").OnField("start")
	}
	ap, err := a.booking.Reschedule(r.Context(), r.PathValue("ref"), in.ManageToken, start, booking.ChannelAPI)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a.appointmentJSON(ap, ""))
	return nil
}

func (a *API) getAppointment(w http.ResponseWriter, r *http.Request) error {
	token := r.Header.Get("X-Manage-Token")
	if token == "" {
		return errs.E(errs.Unauthorized, "api.manage_token_required").OnField("X-Manage-Token")
	}
	ap, err := a.booking.Get(r.Context(), r.PathValue("ref"), token)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a.appointmentJSON(ap, ""))
	return nil
}
