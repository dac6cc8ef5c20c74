package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/guichet-qc/guichet/internal/app"
	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/httpx"
)

// TestGracefulShutdown: a request in flight when the stop signal arrives
// is answered before Run returns.
func TestGracefulShutdown(t *testing.T) {
	cfg := config.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "g.db")
	cfg.DataDir = t.TempDir()
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	entered, release := make(chan struct{}), make(chan struct{})
	a.Router().HandleFunc(httpx.Route{Method: "GET", Path: "/test/slow", Kind: httpx.Asset}, func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Write([]byte("finished"))
	})
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- a.Run(ctx) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(a.URL() + "/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{string(b), err}
	}()
	<-entered
	stop() // SIGINT/SIGTERM cancel this context in main
	select {
	case err := <-ran:
		t.Fatalf("Run returned (%v) while a request was in flight", err)
	default:
	}
	close(release)
	res := <-got
	if res.err != nil || res.body != "finished" {
		t.Fatalf("in-flight request: %q, %v", res.body, res.err)
	}
	if err := <-ran; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestReadyzReportsDatabaseDown: /readyz answers 503 when the database does
// not answer, while /healthz still answers.
func TestReadyzReportsDatabaseDown(t *testing.T) {
	cfg := config.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "g.db")
	cfg.DataDir = t.TempDir()
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close() // reports the closed database; that is the point here
	h := a.Handler()
	probe := func(path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code
	}
	if code := probe("/readyz"); code != 200 {
		t.Fatalf("readyz before: %d", code)
	}
	a.DB().Close()
	if code := probe("/readyz"); code != 503 {
		t.Fatalf("readyz with the database closed: %d", code)
	}
	if code := probe("/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
}
