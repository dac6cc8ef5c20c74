package httpx

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// Status maps an error code to its HTTP status. It is the only such mapping.
func Status(c errs.Code) int {
	switch c {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Instance  string `json:"instance,omitempty"`
	Code      string `json:"code"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Message returns the safe, localized text of an error: its own message for
// coded errors, a generic one for anything internal.
func Message(lang i18n.Lang, e *errs.Error) string {
	if e.Code == errs.Internal || e.Key == "" || !i18n.Has(e.Key) {
		return i18n.T(lang, "error."+string(e.Code))
	}
	return i18n.T(lang, e.Key, e.Args...)
}

// LogError logs internal and unavailable errors with their cause (never
// shown to users); expected errors (invalid input, not found…) are not
// errors of the platform and are logged at debug level.
func LogError(log *slog.Logger, r *http.Request, e *errs.Error) {
	attrs := []any{"request_id", RequestID(r.Context()), "code", string(e.Code)}
	if e.Key != "" {
		attrs = append(attrs, "key", e.Key)
	}
	switch e.Code {
	case errs.Internal, errs.Unavailable:
		log.ErrorContext(r.Context(), "request failed", append(attrs, "err", e.Error())...)
	default:
		log.DebugContext(r.Context(), "request refused", attrs...)
	}
}

// WriteProblem answers an API error as application/problem+json with a
// localized detail.
func WriteProblem(w http.ResponseWriter, r *http.Request, lang i18n.Lang, err error) {
	e := errs.As(err)
	status := Status(e.Code)
	p := Problem{
		Type:      "https://guichet.quebec/problems/" + string(e.Code),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    Message(lang, e),
		Instance:  r.URL.Path,
		Code:      string(e.Code),
		Field:     e.Field,
		RequestID: RequestID(r.Context()),
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", string(lang))
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p) //nolint:errcheck // the client went away
}

// WriteJSON answers a JSON document with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v) //nolint:errcheck // the client went away
}
