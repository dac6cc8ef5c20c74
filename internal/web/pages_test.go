package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/catalog/demo"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/web"
)

// TestUnconfiguredCapabilitiesHaveNoPages builds a site with the catalogue
// alone: its pages answer, and the pages and form targets of booking, the
// queue, the agents' desk, the assistant and the mailbox do not exist (404),
// rather than reaching a handler without its capability.
func TestUnconfiguredCapabilitiesHaveNoPages(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	db := dbtest.Open(t, database.SQLite)
	if err := db.Write(ctx, func(tx *database.Tx) error { return demo.Install(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open(ctx, db, log)
	if err != nil {
		t.Fatal(err)
	}
	point, service := web.BookableExample(cat)
	if point == "" {
		t.Fatal("the demonstration catalogue has no bookable service")
	}
	assets, err := web.LoadAssets("")
	if err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Options{Logger: log, Assets: assets, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	rt := httpx.NewRouter()
	site.Register(rt)
	rt.Fallback("/", http.HandlerFunc(site.NotFound))

	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/fr/", http.StatusOK},
		{"GET", "/en/services", http.StatusOK},
		{"GET", "/fr/points-de-service/" + point, http.StatusOK},
		{"GET", "/fr/rendez-vous/plages?service=" + service + "&point=" + point, http.StatusNotFound},
		{"GET", "/en/waiting-list?service=" + service + "&point=" + point, http.StatusNotFound},
		{"GET", "/en/appointments/ABC-123/calendar.ics", http.StatusNotFound},
		{"POST", "/fr/rendez-vous/coordonnees", http.StatusNotFound},
		{"GET", "/fr/file/" + point, http.StatusNotFound},
		{"GET", "/en/kiosk/" + point, http.StatusNotFound},
		{"GET", "/fr/file/billet/1", http.StatusNotFound},
		{"POST", "/en/queue/ticket/1", http.StatusNotFound},
		{"GET", "/fr/agent/connexion", http.StatusNotFound},
		{"GET", "/en/agent/points/" + point, http.StatusNotFound},
		{"POST", "/en/agent/points/" + point + "/call", http.StatusNotFound},
		{"GET", "/fr/assistant", http.StatusNotFound},
		{"POST", "/en/assistant", http.StatusNotFound},
		{"GET", "/fr/courriels", http.StatusNotFound},
	} {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, w.Code, c.want)
		}
	}
}
