package httpx_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

func problemHandler(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteProblem(w, r, i18n.FR, err)
}

func TestStatusMapping(t *testing.T) {
	want := map[errs.Code]int{
		errs.Invalid: 422, errs.NotFound: 404, errs.Conflict: 409, errs.Unauthorized: 401,
		errs.Forbidden: 403, errs.TooMany: 429, errs.Unavailable: 503, errs.Internal: 500,
	}
	for code, status := range want {
		if got := httpx.Status(code); got != status {
			t.Errorf("Status(%s) = %d, want %d", code, got, status)
		}
	}
}

func TestProblemIsLocalizedAndHidesInternals(t *testing.T) {
	for _, tt := range []struct {
		lang i18n.Lang
		err  error
		code int
		want string
	}{
		{i18n.FR, errs.E(errs.NotFound, "error.not_found"), 404, "Nous n’avons pas trouvé"},
		{i18n.EN, errs.E(errs.NotFound, "error.not_found"), 404, "We could not find"},
		{i18n.EN, errs.Internalf("pq: password authentication failed for user secret"), 500, "An unexpected error"},
	} {
		rec := httptest.NewRecorder()
		httpx.WriteProblem(rec, httptest.NewRequest("GET", "/api/v1/x", nil), tt.lang, tt.err)
		if rec.Code != tt.code || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		var p httpx.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Detail, tt.want) || p.Status != tt.code {
			t.Errorf("detail %q, want prefix %q", p.Detail, tt.want)
		}
		if strings.Contains(rec.Body.String(), "secret") {
			t.Errorf("internal cause leaked: %s", rec.Body.String())
		}
	}
}

func TestRecoverAnswers500AndLogs(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := httpx.Observe(log, nil, httpx.Recover(log, problemHandler, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/x", nil))
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	if !strings.Contains(logs.String(), "panic=boom") || !strings.Contains(logs.String(), "status=500") {
		t.Fatalf("log: %s", logs.String())
	}
}

func TestAccessLogHasNoPersonalData(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	rt := httpx.NewRouter()
	rt.HandleFunc(httpx.Route{Method: "GET", Path: "/fr/x/{id}", Kind: httpx.Page}, func(w http.ResponseWriter, r *http.Request) {})
	h := httpx.Observe(log, httpx.NewMetrics(), rt)
	req := httptest.NewRequest("GET", "/fr/x/42?email=jean%40exemple.qc.ca&nas=123456789", nil)
	req.Header.Set("X-Request-Id", "abcdefgh1234")
	h.ServeHTTP(httptest.NewRecorder(), req)
	line := logs.String()
	for _, leak := range []string{"jean", "123456789", "192.0.2.1", "/fr/x/42"} {
		if strings.Contains(line, leak) {
			t.Errorf("access log contains %q: %s", leak, line)
		}
	}
	if !strings.Contains(line, `"route":"GET /fr/x/{id}"`) || !strings.Contains(line, `"request_id":"abcdefgh1234"`) {
		t.Errorf("access log lacks route or request id: %s", line)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := httpx.SecureHeaders(false, true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Referrer-Policy") == "" {
		t.Errorf("headers %v", rec.Header())
	}
	if rec.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain HTTP")
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS behind a trusted TLS proxy")
	}
}

func TestLimitRefusesLargeBodies(t *testing.T) {
	h := httpx.Limit(time.Second, 1024, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		if err != nil {
			problemHandler(w, r, httpx.BodyError(err))
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(strings.Repeat("x", 2048))))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "trop volumineuse") {
		t.Fatalf("status %d body %s", rec.Code, rec.Body.String())
	}
}

func TestCSRF(t *testing.T) {
	csrf := &httpx.CSRF{OnError: problemHandler}
	var seen string
	h := csrf.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = httpx.CSRFToken(r.Context())
	}))
	// A GET sets the cookie and exposes the token to the page.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/fr/", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || seen == "" || cookies[0].Value != seen || !cookies[0].HttpOnly {
		t.Fatalf("cookie %v token %q", cookies, seen)
	}
	post := func(token string, withCookie bool, site string) int {
		form := url.Values{}
		if token != "" {
			form.Set(httpx.CSRFField, token)
		}
		req := httptest.NewRequest("POST", "/fr/formulaire", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if withCookie {
			req.AddCookie(cookies[0])
		}
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	tests := []struct {
		name   string
		token  string
		cookie bool
		site   string
		want   int
	}{
		{"valid token", seen, true, "same-origin", 200},
		{"no token", "", true, "same-origin", 403},
		{"wrong token", strings.Repeat("A", 43), true, "", 403},
		{"no cookie", seen, false, "", 403},
		{"cross-site, even with the token", seen, true, "cross-site", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := post(tt.token, tt.cookie, tt.site); got != tt.want {
				t.Fatalf("status %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("cross-site API call", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(`{}`))
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 403 {
			t.Fatalf("status %d", rec.Code)
		}
	})
	t.Run("API call from a program", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(`{}`)))
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	})
}

func TestCSRFExemptsProtocolEndpoints(t *testing.T) {
	rt := httpx.NewRouter()
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }
	rt.HandleFunc(httpx.Route{Method: "POST", Path: "/oidc/token", Kind: httpx.Endpoint}, ok)
	rt.HandleFunc(httpx.Route{Method: "POST", Path: "/fr/formulaire", Kind: httpx.Action}, ok)
	csrf := &httpx.CSRF{OnError: problemHandler, Exempt: rt.IsEndpoint}
	h := csrf.Middleware(rt)
	for _, tt := range []struct {
		path string
		want int
	}{{"/oidc/token", 200}, {"/fr/formulaire", 403}} {
		req := httptest.NewRequest("POST", tt.path, strings.NewReader("grant_type=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d", tt.path, rec.Code, tt.want)
		}
		if tt.want == 200 && len(rec.Result().Cookies()) != 0 {
			t.Errorf("%s: an exempt endpoint sets the CSRF cookie", tt.path)
		}
	}
}

func TestClientAddress(t *testing.T) {
	var got string
	h := func(trust bool) http.Handler {
		return httpx.ClientAddress(trust, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
	}
	for _, tt := range []struct {
		trust bool
		xff   []string
		want  string
	}{
		{false, []string{"203.0.113.9"}, "192.0.2.1:1234"},
		{true, nil, "192.0.2.1:1234"},
		{true, []string{"203.0.113.9"}, "203.0.113.9:0"},
		{true, []string{"198.51.100.7, 203.0.113.9"}, "203.0.113.9:0"}, // the client may forge what is left of the proxy's entry
		{true, []string{"spoofed", "2001:db8::1"}, "[2001:db8::1]:0"},
		{true, []string{"not an address"}, "192.0.2.1:1234"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		for _, v := range tt.xff {
			req.Header.Add("X-Forwarded-For", v)
		}
		h(tt.trust).ServeHTTP(httptest.NewRecorder(), req)
		if got != tt.want {
			t.Errorf("trust=%v X-Forwarded-For=%q: RemoteAddr %q, want %q", tt.trust, tt.xff, got, tt.want)
		}
	}
}
