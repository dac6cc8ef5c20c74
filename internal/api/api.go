// Package api serves Guichet's JSON API under /api/v1: thin handlers that
// decode, call the domain and encode, with errors as RFC 9457 problem+json
// in the caller's language.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// Options are the dependencies of the JSON handlers.
type Options struct {
	Logger  *slog.Logger
	Catalog *catalog.Catalog
	Booking *booking.Service
	// Assistant runs conversations (nil: the assistant API answers 404).
	Assistant *dialogue.Engine
	// ManageURL builds the link that manages an appointment.
	ManageURL func(lang, reference, token string) string
	Now       func() time.Time
	Audit     *audit.Log
	AuditKey  string // the verifier key of the audit log's checkpoints
}

// API holds the dependencies of the JSON handlers.
type API struct {
	log       *slog.Logger
	catalog   *catalog.Catalog
	booking   *booking.Service
	assistant *dialogue.Engine
	manageURL func(lang, reference, token string) string
	now       func() time.Time
	audit     *audit.Log
	auditKey  string
}

// New returns the API.
func New(o Options) *API {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &API{log: o.Logger, catalog: o.Catalog, booking: o.Booking, assistant: o.Assistant, manageURL: o.ManageURL, now: o.Now, audit: o.Audit, auditKey: o.AuditKey}
}

// endpoint is one API route and its handler.
type endpoint struct {
	method, path string
	handle       func(a *API, w http.ResponseWriter, r *http.Request) error
}

// endpoints is the API's route table; the OpenAPI document must list
// exactly these (a test checks it).
var endpoints = []endpoint{
	{http.MethodGet, "/api/v1/openapi.json", (*API).openAPI},
	{http.MethodGet, "/api/v1/services", (*API).listServices},
	{http.MethodGet, "/api/v1/services/{id}", (*API).getService},
	{http.MethodGet, "/api/v1/service-points", (*API).listPoints},
	{http.MethodGet, "/api/v1/service-points/{id}", (*API).getPoint},
	{http.MethodGet, "/api/v1/service-points/{id}/availability", (*API).availability},
	{http.MethodPost, "/api/v1/appointments", (*API).book},
	{http.MethodGet, "/api/v1/appointments/{ref}", (*API).getAppointment},
	{http.MethodPost, "/api/v1/appointments/{ref}/cancel", (*API).cancel},
	{http.MethodPost, "/api/v1/appointments/{ref}/reschedule", (*API).reschedule},
	{http.MethodPost, "/api/v1/assistant/conversations", (*API).startConversation},
	{http.MethodPost, "/api/v1/assistant/conversations/{id}/messages", (*API).sendMessage},
	{http.MethodGet, "/api/v1/audit/checkpoint", (*API).checkpoint},
	{http.MethodGet, "/api/v1/audit/entries/{seq}/proof", (*API).inclusionProof},
}

// Register adds the API routes, and a fallback answering problem+json 404s
// (and 405s) for anything else under /api/.
func (a *API) Register(rt *httpx.Router) {
	for _, e := range endpoints {
		h := e.handle
		rt.HandleFunc(httpx.Route{Method: e.method, Path: e.path, Kind: httpx.API},
			func(w http.ResponseWriter, r *http.Request) {
				if err := h(a, w, r); err != nil {
					a.Error(w, r, err)
				}
			})
	}
	rt.Fallback("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Error(w, r, errs.E(errs.NotFound, "error.not_found"))
	}))
}

// Lang is the language of an API answer: ?lang=, else Accept-Language,
// French by default.
func Lang(r *http.Request) i18n.Lang {
	if l, ok := i18n.Parse(strings.ToLower(r.URL.Query().Get("lang"))); ok {
		return l
	}
	return i18n.Negotiate(r.Header.Get("Accept-Language"))
}

// Error answers err as problem+json and logs it if it is ours.
func (a *API) Error(w http.ResponseWriter, r *http.Request, err error) {
	httpx.LogError(a.log, r, errs.As(err))
	httpx.WriteProblem(w, r, Lang(r), err)
}

// decode reads a JSON body strictly: unknown fields and trailing data are
// errors that say what to fix.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return httpx.BodyError(err)
	}
	if dec.More() {
		return errs.E(errs.Invalid, "error.bad_json")
	}
	return nil
}

var _ = decode
