// Package httpx is Guichet's HTTP core: the route table, middleware (request
// id, access log, panic recovery, deadlines, body limits, security headers,
// CSRF, metrics) and the one mapping from coded errors to HTTP responses.
package httpx

import (
	"net/http"
	"sort"
	"strings"
)

// Kind says what a route serves; tests enumerate routes by kind (every page
// is audited for accessibility, every API route must be in the OpenAPI
// document).
type Kind int

// Route kinds.
const (
	Page   Kind = iota // an HTML page under /fr/ or /en/
	Action             // an HTML form target (POST) or a redirect
	API                // JSON under /api/
	Asset              // static files, probes, metrics
	// Endpoint is a protocol endpoint (OpenID Connect, OAuth) that is called
	// cross-site by browsers or server to server and authenticates each
	// request by its own means (client authentication, PKCE, signed tokens),
	// never by cookies alone: CSRF checks do not apply to it (see CSRF.Exempt).
	Endpoint
)

// Route is one registered pattern.
type Route struct {
	Method  string // GET, POST, …
	Path    string // ServeMux path pattern, e.g. /fr/services/{id}
	Kind    Kind
	Page    string // page id shared by both languages ("" for non-pages)
	Example string // a concrete path for patterns with wildcards, for tests
}

// Router is a standard ServeMux that remembers what was registered.
type Router struct {
	mux       *http.ServeMux
	routes    []Route
	endpoints map[string]bool // patterns of Endpoint routes
}

// NewRouter returns an empty router.
func NewRouter() *Router { return &Router{mux: http.NewServeMux()} }

// Handle registers h for method and path. The handler records the matched
// pattern for the access log and the metrics.
func (rt *Router) Handle(r Route, h http.Handler) {
	rt.routes = append(rt.routes, r)
	pattern := r.Method + " " + r.Path
	if r.Kind == Endpoint {
		if rt.endpoints == nil {
			rt.endpoints = map[string]bool{}
		}
		rt.endpoints[pattern] = true
	}
	rt.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if info := infoFrom(req.Context()); info != nil {
			info.route = pattern
		}
		h.ServeHTTP(w, req)
	}))
}

// HandleFunc registers a handler function.
func (rt *Router) HandleFunc(r Route, h http.HandlerFunc) { rt.Handle(r, h) }

// Fallback registers a catch-all handler (not a listed route), e.g. for 404s.
func (rt *Router) Fallback(pattern string, h http.Handler) { rt.mux.Handle(pattern, h) }

// Routes returns the registered routes, sorted by path then method.
func (rt *Router) Routes() []Route {
	out := append([]Route(nil), rt.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// IsEndpoint tells whether a request is for a route of kind Endpoint.
func (rt *Router) IsEndpoint(r *http.Request) bool {
	if len(rt.endpoints) == 0 {
		return false
	}
	_, pattern := rt.mux.Handler(r)
	return rt.endpoints[pattern]
}

// ServeHTTP dispatches to the matching handler.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }

// IsAPI tells whether a request is for the JSON API (errors answer
// problem+json) rather than for a page.
func IsAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/")
}
