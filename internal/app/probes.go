package app

import (
	"context"
	"net/http"
	"time"

	"github.com/guichet-qc/guichet/internal/httpx"
)

// registerProbes adds /healthz (the process answers), /readyz (the database
// answers too) and /metrics (Prometheus).
func (a *App) registerProbes(rt *httpx.Router, m *httpx.Metrics) {
	rt.HandleFunc(httpx.Route{Method: http.MethodGet, Path: "/healthz", Kind: httpx.Asset},
		func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		})
	rt.HandleFunc(httpx.Route{Method: http.MethodGet, Path: "/readyz", Kind: httpx.Asset},
		func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := a.db.Ping(ctx); err != nil {
				a.log.Warn("not ready: the database does not answer", "db", a.db.Where(), "err", err)
				httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
				return
			}
			httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": "ok"})
		})
	rt.Handle(httpx.Route{Method: http.MethodGet, Path: "/metrics", Kind: httpx.Asset}, m.Handler())
}
