package web

// The agent screens (interim staff sign-in, until the identity capability
// replaces it): sign in and out, the agent's home, a point's counter screen
// (agent_point.go) and booking on behalf of a citizen (agent_book.go).
//
// Least privilege: every agent page and action goes through requireStaff
// (a live session) and, for a point, agentPoint (the account works there:
// MayServe). Actions carry the agent as "staff:<id>" into the queue and the
// booking service, whose audit entries name them. Nothing personal is
// logged here.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/staff"
)

// staffCookie holds the secret id of an agent's session (the database keeps
// only its hash).
const staffCookie = "guichet_staff"

// agentHeaders marks an agent answer as private: not indexed (the layout is
// shared with public pages, so the header carries it) and not stored.
func agentHeaders(w http.ResponseWriter) {
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	w.Header().Set("Cache-Control", "no-store")
}

// agentID is how the queue and the booking service name an agent.
func agentID(a staff.Account) string { return "staff:" + strconv.FormatInt(a.ID, 10) }

// requireStaff returns the signed-in agent. Without a live session it
// answers a redirect (303) to the sign-in page, with the page asked for in
// next (GET only), and reports false.
func (s *Site) requireStaff(w http.ResponseWriter, r *http.Request, l i18n.Lang) (staff.Account, bool) {
	agentHeaders(w)
	var id string
	if c, err := r.Cookie(staffCookie); err == nil {
		id = c.Value
	}
	a, err := s.staff.Session(r.Context(), id)
	if err == nil {
		return a, true
	}
	if !errs.Is(err, errs.Unauthorized) {
		s.Error(w, r, err)
		return staff.Account{}, false
	}
	var q url.Values
	if r.Method == http.MethodGet {
		if next := safeNext(r.URL.RequestURI()); next != "" {
			q = url.Values{"next": {next}}
		}
	}
	http.Redirect(w, r, s.pageURL("agent_signin", l, "", q), http.StatusSeeOther)
	return staff.Account{}, false
}

// safeNext returns next if it is a path of the agent screens on this site,
// "" otherwise: the sign-in page never sends anyone to another site
// (//evil.example, https://evil.example, /\evil.example…).
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || strings.ContainsAny(next, "\\\r\n\t") || strings.HasPrefix(next, "//") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	for _, prefix := range []string{"/fr/agent", "/en/agent"} {
		if u.Path == prefix || strings.HasPrefix(u.Path, prefix+"/") {
			return next
		}
	}
	return ""
}

// agentPoint returns a service point the agent works at; another point is
// Forbidden (an unknown one too: agents learn nothing of other points).
func (s *Site) agentPoint(a staff.Account, id string) (catalog.ServicePoint, catalog.Schedule, error) {
	if !a.MayServe(id) {
		return catalog.ServicePoint{}, catalog.Schedule{}, errs.E(errs.Forbidden, "agent.forbidden_point")
	}
	p, sched, err := s.catalog.Point(id)
	if err != nil {
		return catalog.ServicePoint{}, catalog.Schedule{}, errs.E(errs.Forbidden, "agent.forbidden_point")
	}
	return p, sched, nil
}

// ---- sign-in ----

type signInView struct {
	Action, Next string
	Email        string
	Error        string
	ErrorField   string // email or password: where the summary links
	SignedOut    bool
}

func (s *Site) agentSignIn(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	agentHeaders(w)
	v := signInView{Action: s.pageURL("agent_signin", l, "", nil), Next: safeNext(r.URL.Query().Get("next")),
		SignedOut: r.URL.Query().Get("out") == "1"}
	s.render(w, r, http.StatusOK, l, "agent_signin", i18n.T(l, "agent.signin.title"), v)
}

// agentSignInAction checks the e-mail and password, opens a session in a
// new cookie and goes to next or to the agent's home (303). Wrong
// credentials show the form again (401), a locked account too (429).
func (s *Site) agentSignInAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	agentHeaders(w)
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	a, id, err := s.staff.SignIn(r.Context(), email, password)
	if err == nil {
		http.SetCookie(w, &http.Cookie{Name: staffCookie, Value: id, Path: "/", HttpOnly: true, Secure: s.secure,
			SameSite: http.SameSiteStrictMode})
		s.log.InfoContext(r.Context(), "agent signed in", "agent", agentID(a), "request_id", httpx.RequestID(r.Context()))
		if next == "" {
			next = s.pageURL("agent_home", l, "", nil)
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	e := errs.As(err)
	if e.Code != errs.Unauthorized && e.Code != errs.TooMany {
		s.Error(w, r, err)
		return
	}
	var q url.Values
	if next != "" {
		q = url.Values{"next": {next}}
	}
	r = withQuery(r, q)
	v := signInView{Action: s.pageURL("agent_signin", l, "", nil), Next: next, Email: email,
		Error: httpx.Message(l, e), ErrorField: "email"}
	if email != "" {
		v.ErrorField = "password"
	}
	s.render(w, r, httpx.Status(e.Code), l, "agent_signin", i18n.T(l, "agent.signin.title"), v)
}

// agentSignOutAction ends the session, clears the cookie and goes back to
// the sign-in page.
func (s *Site) agentSignOutAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	agentHeaders(w)
	if c, err := r.Cookie(staffCookie); err == nil && c.Value != "" {
		if err := s.staff.SignOut(r.Context(), c.Value); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: staffCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, s.pageURL("agent_signin", l, "", url.Values{"out": {"1"}}), http.StatusSeeOther)
}

// ---- home ----

type agentPointLink struct {
	Name, Municipality, URL string
}

type agentHomeView struct {
	Name, Organization string
	Points             []agentPointLink
	SignOut            string
	InboxURL           string // the conversations handed over by the assistant ("" without one)
}

func (s *Site) agentHome(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return
	}
	v := agentHomeView{Name: a.Name, SignOut: signOutURL(l)}
	if _, ok := s.pages["agent_inbox"]; ok {
		v.InboxURL = s.pageURL("agent_inbox", l, "", nil)
	}
	if o, err := s.catalog.Organization(a.OrganizationID); err == nil {
		v.Organization = o.Name.In(l)
	}
	for _, id := range a.Points {
		p, _, err := s.catalog.Point(id)
		if err != nil {
			continue // the point left the catalogue
		}
		v.Points = append(v.Points, agentPointLink{Name: p.Name.In(l), Municipality: p.Municipality,
			URL: s.pageURL("agent_point", l, p.ID, nil)})
	}
	s.render(w, r, http.StatusOK, l, "agent_home", i18n.T(l, "agent.home.title"), v)
}

// signOutURL is the sign-out action in l.
func signOutURL(l i18n.Lang) string {
	if l == i18n.EN {
		return "/en/agent/sign-out"
	}
	return "/fr/agent/deconnexion"
}

// agentActionURL is the path of an action on a point's screen, in l.
func agentActionURL(l i18n.Lang, pointID, fr, en string) string {
	if l == i18n.EN {
		return "/en/agent/points/" + url.PathEscape(pointID) + "/" + en
	}
	return "/fr/agent/points/" + url.PathEscape(pointID) + "/" + fr
}

// agentExample is the example path of an agent page: the first
// demonstration point (the demonstration agent works there).
func (s *Site) agentExample(pageID string, l i18n.Lang) string {
	switch pageID {
	case "agent_inbox":
		return s.pageURL(pageID, l, "", nil)
	case "agent_conversation":
		if s.demoConversation == "" {
			return ""
		}
		return s.pageURL(pageID, l, s.demoConversation, nil)
	}
	id := s.catalog.FirstPointID()
	if id == "" {
		return ""
	}
	if pageID == "agent_book" {
		if pointID, serviceID := BookableExample(s.catalog); pointID == id {
			return s.pageURL(pageID, l, id, url.Values{"service": {serviceID}})
		}
	}
	return s.pageURL(pageID, l, id, nil)
}
