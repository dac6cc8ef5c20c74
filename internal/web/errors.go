package web

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// errorView is the content of the error page.
type errorView struct {
	Heading, Message, RequestID string
}

// LangOf returns the language of a request: from its /fr/ or /en/ path, or
// else from Accept-Language (French by default).
func LangOf(r *http.Request) i18n.Lang {
	first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if l, ok := i18n.Parse(first); ok {
		return l
	}
	if l, ok := i18n.Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	return i18n.Negotiate(r.Header.Get("Accept-Language"))
}

// Error renders the localized error page for err, with the status its code
// maps to. Users see a safe message; internal causes go to the log only.
func (s *Site) Error(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	httpx.LogError(s.log, r, e)
	lang := LangOf(r)
	status := httpx.Status(e.Code)
	heading := i18n.T(lang, "error.heading")
	switch e.Code {
	case errs.NotFound:
		heading = i18n.T(lang, "error.not_found.title")
	case errs.Internal:
		heading = i18n.T(lang, "error.internal.title")
	}
	v := errorView{Heading: heading, Message: httpx.Message(lang, e)}
	if e.Code == errs.Internal || e.Code == errs.Unavailable {
		v.RequestID = httpx.RequestID(r.Context())
	}
	s.render(w, r, status, lang, "error", heading, v)
}

// NotFound renders the 404 page.
func (s *Site) NotFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, errs.E(errs.NotFound, "error.not_found"))
}

// Logger returns the site's logger.
func (s *Site) Logger() *slog.Logger { return s.log }
