package httpx

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/guichet-qc/guichet/internal/errs"
)

// ErrorHandler renders an error for a request: problem+json for the API,
// an HTML page for the web. The application provides it.
type ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

type ctxKey int

const infoKey ctxKey = 0

// info is what the outer middleware learns about a request as it runs.
type info struct {
	id     string
	route  string
	status int
	bytes  int64
}

func infoFrom(ctx context.Context) *info {
	i, _ := ctx.Value(infoKey).(*info)
	return i
}

// RequestID returns the id of the request being served ("" outside one).
func RequestID(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

// MatchedRoute returns the matched route pattern ("" when none matched yet).
func MatchedRoute(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.route
	}
	return ""
}

var validID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func newID() string {
	var b [10]byte
	rand.Read(b[:])
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// recorder captures the status and size of a response.
type recorder struct {
	http.ResponseWriter
	info        *info
	wroteHeader bool
}

func (w *recorder) WriteHeader(code int) {
	if !w.wroteHeader {
		w.info.status = code
		w.wroteHeader = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.info.bytes += int64(n)
	return n, err
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observe is the outermost middleware: it gives each request an id (kept
// from a well-formed X-Request-Id), records status, size and route, and
// writes one access-log line. The log line has no query string, no client
// address and no body: nothing personal.
func Observe(log *slog.Logger, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validID.MatchString(id) {
			id = newID()
		}
		inf := &info{id: id, status: http.StatusOK}
		w.Header().Set("X-Request-Id", id)
		rec := &recorder{ResponseWriter: w, info: inf}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), infoKey, inf)))
		d := time.Since(start)
		route := inf.route
		if route == "" {
			route = "unmatched"
		}
		if m != nil {
			m.observe(r.Method, route, inf.status, d)
		}
		level := slog.LevelInfo
		if inf.status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", inf.status),
			slog.Int64("bytes", inf.bytes),
			slog.Duration("duration", d),
		)
	})
}

// Recover turns a panic into a logged internal error and a 500 answer.
func Recover(log *slog.Logger, onError ErrorHandler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.ErrorContext(r.Context(), "panic", "request_id", RequestID(r.Context()),
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			onError(w, r, errs.Internalf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// Limit sets a deadline on each request's context and caps the body size.
func Limit(timeout time.Duration, maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// BodyError turns a request-body read error into a coded error: too large,
// or malformed.
func BodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.Wrap(err, errs.Invalid, "error.body_too_large")
	}
	return errs.Wrap(err, errs.Invalid, "error.bad_json")
}
