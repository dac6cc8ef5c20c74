// Package app wires Guichet together: configuration → database → domain
// services → HTTP → background workers, with Run and Close for a clean
// lifecycle. End-to-end tests start it on :0 with a temporary database.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // service points have their own time zones; do not depend on the host

	"github.com/guichet-qc/guichet/internal/api"
	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/dossier"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/notify"
	"github.com/guichet-qc/guichet/internal/oidc"
	"github.com/guichet-qc/guichet/internal/queue"
	"github.com/guichet-qc/guichet/internal/web"
)

// App is one running platform.
type App struct {
	cfg       config.Config
	log       *slog.Logger
	db        *database.DB
	audit     *audit.Log
	catalog   *catalog.Catalog
	booking   *booking.Service
	assistant *dialogue.Engine
	queue     *queue.Queue
	identity  *identity.Service
	// sessionEnded is told of every identity session that ends.
	sessionEnded []identity.SessionEnded
	agent        demoAgent // the demonstration agent's sign-in, when there is one
	outbox       *notify.Outbox
	oidc         *oidc.Provider
	keys         *dossier.Keyring // seals personal fields and the provider's signing keys
	dossier      *dossier.Service
	router       *httpx.Router
	handler      http.Handler
	ln           net.Listener
	srv          *http.Server
	bg           context.Context // ends when the application closes
	stopBg       context.CancelFunc
}

// New opens the database, migrates it, loads the demo data set into an
// empty database, starts the background workers and builds the HTTP stack.
// It does not listen yet.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	db, err := database.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, db: db}
	if err := a.init(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context) error {
	n, err := a.db.Migrate(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		a.log.Info("database migrated", "migrations", n, "db", a.db.Where())
	}
	if err := a.seed(ctx); err != nil {
		return err
	}
	signer, _, err := audit.LoadOrCreateKey(a.cfg.DataDir)
	if err != nil {
		return err
	}
	publicKey, err := os.ReadFile(filepath.Join(a.cfg.DataDir, audit.VerifyKeyFile))
	if err != nil {
		return err
	}
	a.audit = audit.New(a.db, signer, audit.Options{CheckpointInterval: a.cfg.CheckpointInterval, Logger: a.log})
	bg, cancel := context.WithCancel(context.Background())
	a.bg, a.stopBg = bg, cancel
	a.audit.Start(bg)

	if a.catalog, err = catalog.Open(ctx, a.db, a.log); err != nil {
		return err
	}
	a.catalog.Start(5 * time.Second)
	tokens, err := booking.LoadOrCreateTokens(a.cfg.DataDir)
	if err != nil {
		return err
	}
	if err := a.startOutbox(); err != nil {
		return err
	}
	notices := booking.Notices{Catalog: a.catalog, Link: a.link, ReminderLead: a.cfg.ReminderLead,
		From: a.cfg.MailFrom, Now: time.Now, Nudge: a.outbox.Nudge}
	a.booking = booking.New(a.db, a.catalog, tokens, booking.Options{Logger: a.log, Notify: notices.Notify, Prepare: notices.Prepare})
	a.booking.Start(time.Minute)
	a.queue = queue.New(a.db, a.catalog, a.booking, queue.Options{Logger: a.log})
	a.queue.Start()
	if err := a.startIdentity(); err != nil {
		return err
	}
	if a.agent, err = a.ensureDemoAgent(ctx); err != nil {
		return err
	}
	if err := a.startAssistant(); err != nil {
		return err
	}
	if err := a.startDossier(ctx); err != nil {
		return err
	}

	assets, err := web.LoadAssets(a.cfg.ThemeCSS)
	if err != nil {
		return err
	}
	trans := transparency{log: a.audit, publicKey: strings.TrimSpace(string(publicKey))}
	demoTicket, err := a.demoTicket(ctx)
	if err != nil {
		return err
	}
	demoBooking, err := a.demoBooking(ctx)
	if err != nil {
		return err
	}
	demoWait, err := a.demoWait(ctx)
	if err != nil {
		return err
	}
	demoConversation, err := a.demoConversation(ctx)
	if err != nil {
		return err
	}
	var site *web.Site
	if err := a.startOIDC(ctx, func(w http.ResponseWriter, r *http.Request, same func(string) bool) (string, string) {
		return site.EndSession(w, r, same)
	}); err != nil {
		return err
	}
	site, err = web.New(web.Options{Logger: a.log, Assets: assets, Demo: a.demoLoaded(ctx), Transparency: trans,
		Catalog: a.catalog, MapURL: a.cfg.MapURL, Booking: a.booking, DemoBooking: demoBooking,
		Queue: a.queue, DemoTicket: demoTicket, DemoWait: demoWait, Mailbox: a.mailboxSource(),
		Identity: a.identity, BaseURL: a.cfg.BaseURL, OIDC: a.oidc, Secure: a.cfg.Secure(), Assistant: a.assistant, DemoConversation: demoConversation,
		Dossier: a.dossier})
	if err != nil {
		return err
	}
	jsonAPI := api.New(api.Options{Logger: a.log, Catalog: a.catalog, Booking: a.booking, ManageURL: a.manageURL,
		Assistant: a.assistant, Audit: a.audit, AuditKey: trans.publicKey})

	metrics := httpx.NewMetrics()
	metrics.RegisterDBStats(a.db.Pools())
	rt := httpx.NewRouter()
	site.Register(rt)
	jsonAPI.Register(rt)
	a.oidc.Register(rt)
	a.registerProbes(rt, metrics)
	rt.Fallback("/", http.HandlerFunc(site.NotFound))
	a.router = rt

	onError := func(w http.ResponseWriter, r *http.Request, err error) {
		if httpx.IsAPI(r) {
			jsonAPI.Error(w, r, err)
			return
		}
		site.Error(w, r, err)
	}
	csrf := &httpx.CSRF{Secure: a.cfg.Secure(), OnError: onError, Exempt: rt.IsEndpoint}
	var h http.Handler = rt
	h = csrf.Middleware(h)
	h = httpx.Limit(a.cfg.RequestTimeout, a.cfg.MaxBodyBytes, h)
	h = httpx.Recover(a.log, onError, h)
	h = httpx.SecureHeaders(a.cfg.Secure(), a.cfg.TrustProxy, h)
	h = httpx.ClientAddress(a.cfg.TrustProxy, h)
	h = httpx.Observe(a.log, metrics, h)
	a.handler = h
	return nil
}

// Handler is the whole HTTP stack, for in-process tests.
func (a *App) Handler() http.Handler { return a.handler }

// Router is the route table; tests add routes to it (ServeMux allows
// registering while serving).
func (a *App) Router() *httpx.Router { return a.router }

// Routes lists every registered route (pages, actions, API, assets).
func (a *App) Routes() []httpx.Route { return a.router.Routes() }

// DB is the application's store (tests and commands).
func (a *App) DB() *database.DB { return a.db }

// manageURL is the link that manages an appointment, in its language.
func (a *App) manageURL(lang, reference, token string) string {
	return a.link(lang, "manage", reference, token)
}

// link is the absolute link of a message to a citizen: "manage" an
// appointment, or answer a "waitlist" offer.
func (a *App) link(lang, kind, ref, token string) string {
	paths := map[string][2]string{
		"manage":   {"/fr/rendez-vous/", "/en/appointments/"},
		"waitlist": {"/fr/liste-attente/", "/en/waiting-list/"},
	}[kind]
	path := paths[0]
	if lang == "en" {
		path = paths[1]
	}
	return a.URL() + path + url.PathEscape(ref) + "?token=" + url.QueryEscape(token)
}

// Queue is the application's walk-in queue (for the agent screens).
func (a *App) Queue() *queue.Queue { return a.queue }

// Booking is the application's booking service.
func (a *App) Booking() *booking.Service { return a.booking }

// Catalog is the application's catalogue.
func (a *App) Catalog() *catalog.Catalog { return a.catalog }

// Audit is the application's verifiable log.
func (a *App) Audit() *audit.Log { return a.audit }

// Listen binds the configured address (port 0 picks a free port).
func (a *App) Listen() error {
	if a.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another program using it? choose another with --addr)", a.cfg.Addr, err)
	}
	if a.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(a.cfg.TLSCert, a.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TLS certificate: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	a.ln = ln
	return nil
}

// URL is the address the site is reachable at.
func (a *App) URL() string {
	if a.ln == nil {
		return a.cfg.PublicURL(a.cfg.Addr)
	}
	if a.cfg.BaseURL != "" {
		return a.cfg.PublicURL(a.ln.Addr().String())
	}
	return a.cfg.PublicURL(a.ln.Addr().String())
}

// Run serves until ctx is cancelled, then stops taking connections and lets
// requests in flight finish (up to the shutdown timeout).
func (a *App) Run(ctx context.Context) error {
	if err := a.Listen(); err != nil {
		return err
	}
	a.srv = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       a.cfg.RequestTimeout,
		WriteTimeout:      a.cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.log.Info("Guichet is listening", "url", a.URL()+"/", "db", a.db.Where())
	errc := make(chan error, 1)
	go func() { errc <- a.srv.Serve(a.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("stopping: finishing requests in flight", "timeout", a.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	err := a.srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// Close stops the background workers (the audit log integrates what is
// pending and signs a last checkpoint) and closes the database.
func (a *App) Close() error {
	var err error
	if a.queue != nil {
		a.queue.Close() // a no-show sweep in progress finishes first
	}
	if a.booking != nil {
		a.booking.Close() // bookings in progress commit first
	}
	if a.outbox != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if e := a.outbox.Close(ctx); e != nil {
			a.log.Warn("outbox did not stop cleanly", "err", e)
		}
		cancel()
	}
	if a.oidc != nil {
		a.oidc.Close()
	}
	if a.audit != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = a.audit.Close(ctx)
		cancel()
	}
	if a.catalog != nil {
		a.catalog.Close()
	}
	if a.stopBg != nil {
		a.stopBg()
	}
	if a.db != nil {
		if e := a.db.Close(); e != nil && err == nil {
			err = e
		}
	}
	return err
}
