// Package web serves Guichet's HTML pages in French (/fr/…) and English
// (/en/…): server-rendered templates parsed once at start, working without
// JavaScript, with one localized error page for every failure.
package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/dossier"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/oidc"
	"github.com/guichet-qc/guichet/internal/queue"
)

//go:embed templates/*.html
var templateFiles embed.FS

// TransparencySource gives what the public transparency page shows: the
// latest signed checkpoint of the audit log and the key that verifies it.
type TransparencySource interface {
	Transparency(ctx context.Context) (Transparency, error)
}

// Transparency is the content of the transparency page.
type Transparency struct {
	Checkpoint *CheckpointView // nil before the first checkpoint
	PublicKey  string
}

// CheckpointView is a signed checkpoint as shown to people.
type CheckpointView struct {
	Size     int64
	Note     string
	SignedAt time.Time
}

// Options configure the site.
type Options struct {
	Logger       *slog.Logger
	Assets       *Assets
	Demo         bool // show the demonstration-data banner
	Transparency TransparencySource
	Catalog      *catalog.Catalog
	MapURL       string // directions link template with {lat}, {lon}, {address}
	Now          func() time.Time
	Booking      *booking.Service  // appointments (nil: booking pages answer 404)
	DemoBooking  BookingRef        // the demonstration appointment shown as the manage page's example
	Queue        *queue.Queue      // the walk-in queue (nil: queue pages answer 404)
	DemoTicket   QueueTicketRef    // the demonstration ticket shown as the ticket page's example
	DemoWait     WaitRef           // the demonstration waiting-list entry shown as its page's example
	Mailbox      MailboxSource     // the development mailbox (nil: no mailbox page)
	Identity     *identity.Service // accounts and sign-in (nil: account and agent pages answer 404)
	Secure       bool              // the site is served over HTTPS: cookies get Secure
	BaseURL      string            // the configured public address ("": the browser's), for passkeys
	OIDC         *oidc.Provider    // the OpenID provider (nil: no sign-in for partner services)
	Assistant    *dialogue.Engine  // the conversational assistant (nil: no chat page)
	// DemoConversation is a handed-over demonstration conversation, the
	// example of the agent's conversation page.
	DemoConversation string
	Dossier          *dossier.Service // the citizens' files (nil: the file pages answer 404)
}

// Site holds the parsed templates and renders pages.
type Site struct {
	log              *slog.Logger
	assets           *Assets
	demo             bool
	tmpl             map[i18n.Lang]map[string]*template.Template // lang → page → template
	pages            map[string]page                             // page id → paths
	trans            TransparencySource
	catalog          *catalog.Catalog
	mapURL           string
	now              func() time.Time
	booking          *booking.Service
	demoRef          BookingRef
	queue            *queue.Queue
	demoTicket       QueueTicketRef
	demoWait         WaitRef
	mailboxSource    MailboxSource
	identity         *identity.Service
	secure           bool
	baseURL          string
	oidc             *oidc.Provider
	assistant        *dialogue.Engine
	demoConversation string
	dossier          *dossier.Service
}

// New parses every template once, for both languages; a missing template,
// asset or message key is found by the tests, not by a user.
func New(o Options) (*Site, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Site{log: o.Logger, assets: o.Assets, demo: o.Demo, trans: o.Transparency,
		catalog: o.Catalog, mapURL: o.MapURL, now: o.Now, booking: o.Booking, demoRef: o.DemoBooking,
		queue: o.Queue, demoTicket: o.DemoTicket, demoWait: o.DemoWait, mailboxSource: o.Mailbox,
		identity: o.Identity, secure: o.Secure, baseURL: o.BaseURL, oidc: o.OIDC, assistant: o.Assistant, demoConversation: o.DemoConversation,
		dossier: o.Dossier,
		tmpl:    map[i18n.Lang]map[string]*template.Template{}, pages: map[string]page{}}
	names, err := templateFiles.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	for _, lang := range i18n.All {
		s.tmpl[lang] = map[string]*template.Template{}
		funcs := i18n.FuncMap(lang)
		funcs["asset"] = o.Assets.URL
		funcs["inc"] = func(i int) int { return i + 1 }
		funcs["field"] = fieldOf
		base, err := template.New("layout").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/_*.html")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			name := strings.TrimSuffix(n.Name(), ".html")
			if name == "layout" || strings.HasPrefix(name, "_") {
				continue
			}
			t, err := template.Must(base.Clone()).ParseFS(templateFiles, "templates/"+n.Name())
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", n.Name(), err)
			}
			s.tmpl[lang][name] = t
		}
	}
	return s, nil
}

// View is what every template receives.
type View struct {
	Lang     i18n.Lang
	Title    string
	AltURL   string // this page in the other language
	ThemeURL string
	Demo     bool
	CSRF     string
	Query    string // the q parameter, for the search form
	SignedIn bool   // a session cookie is present (the header links to the account)
	Accounts bool   // the site has accounts (the header links to sign-in)
	Data     any
	site     *Site
}

// Link returns the URL of a page (by id) in the view's language.
func (v View) Link(pageID string) string {
	p, ok := v.site.pages[pageID]
	if !ok {
		return "/" + string(v.Lang) + "/"
	}
	return p.path(v.Lang)
}

// render executes a page template into a buffer first, so that a template
// error becomes a clean 500 page rather than half a page.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, lang i18n.Lang, name, title string, data any) {
	t, ok := s.tmpl[lang][name]
	if !ok {
		s.Error(w, r, errs.Internalf("no template %q", name))
		return
	}
	v := View{Lang: lang, Title: title, AltURL: s.altURL(r, lang), ThemeURL: s.assets.ThemeURL(),
		Demo: s.demo, CSRF: httpx.CSRFToken(r.Context()), Query: r.URL.Query().Get("q"), Data: data, site: s,
		SignedIn: s.identity != nil && s.sessionID(r) != "", Accounts: s.identity != nil}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		if name == "error" {
			s.log.ErrorContext(r.Context(), "error page failed", "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		s.Error(w, r, errs.Internalf("render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(lang))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
