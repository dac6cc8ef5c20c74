package web

// The session cookie, shared by citizens and agents: it holds the secret
// id of an identity session (the database keeps only its hash). HttpOnly,
// SameSite=Lax (a service that sends the person here to sign in is a
// top-level navigation from another site), Secure and __Host- over HTTPS.

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

func (s *Site) sessionCookieName() string {
	if s.secure {
		return "__Host-guichet_session"
	}
	return "guichet_session"
}

func (s *Site) sessionID(r *http.Request) string {
	if c, err := r.Cookie(s.sessionCookieName()); err == nil {
		return c.Value
	}
	return ""
}

// setSession replaces the session cookie (a new id at every step of
// sign-in and every rise of level).
func (s *Site) setSession(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: id, Path: "/", HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s *Site) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// clientOf describes the request's client for throttling and the list of
// sessions.
func clientOf(r *http.Request) identity.Client {
	return identity.Client{Addr: r.RemoteAddr, Device: deviceOf(r.UserAgent())}
}

// deviceOf names a browser and system from a User-Agent, roughly, for the
// person's list of sessions.
func deviceOf(ua string) string {
	browser, system := "", ""
	for _, b := range []struct{ token, name string }{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser == "" && system == "":
		return ""
	case system == "":
		return browser
	case browser == "":
		return system
	}
	return browser + ", " + system
}

// privateHeaders marks an answer about a person: not indexed, not stored.
func privateHeaders(w http.ResponseWriter) {
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	w.Header().Set("Cache-Control", "no-store")
}

// requireAccount returns the signed-in person. Without a live session it
// redirects (303) to the sign-in page — or to the step of a sign-in left
// half-done — coming back to this page (GET) afterwards, and reports false.
func (s *Site) requireAccount(w http.ResponseWriter, r *http.Request, l i18n.Lang, signInPage string) (identity.Account, identity.Session, bool) {
	privateHeaders(w)
	a, se, err := s.identity.Session(r.Context(), s.sessionID(r))
	if err == nil {
		return a, se, true
	}
	if !errs.Is(err, errs.Unauthorized) {
		s.Error(w, r, err)
		return identity.Account{}, identity.Session{}, false
	}
	q := url.Values{}
	if r.Method == http.MethodGet {
		if next := safeNext(r.URL.RequestURI()); next != "" {
			q.Set("next", next)
		}
	}
	if _, pending, perr := s.identity.Pending(r.Context(), s.sessionID(r)); perr == nil {
		http.Redirect(w, r, s.stepURL(l, pending.Stage, q), http.StatusSeeOther)
		return identity.Account{}, identity.Session{}, false
	}
	if errs.As(err).Key == "identity.session_expired" {
		q.Set("expire", "1")
	}
	http.Redirect(w, r, s.pageURL(signInPage, l, "", q), http.StatusSeeOther)
	return identity.Account{}, identity.Session{}, false
}

// stepURL is the page of a sign-in's next step.
func (s *Site) stepURL(l i18n.Lang, stage string, q url.Values) string {
	if stage == identity.StageEnrol {
		return s.pageURL("totp_enrol", l, "", q)
	}
	return s.pageURL("second_factor", l, "", q)
}

// safeNext returns next if it is a path of this site (never another site:
// //evil.example, https://evil.example, /\evil.example…), "" otherwise.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || strings.ContainsAny(next, "\\\r\n\t") || strings.HasPrefix(next, "//") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	for _, prefix := range []string{"/fr/", "/en/", "/oidc/"} {
		if strings.HasPrefix(u.Path, prefix) {
			return next
		}
	}
	return ""
}

// EndSession ends the browser's session and clears the cookie (the OpenID
// provider's end_session endpoint), when it is the session the service's
// token was issued under (same): a link carrying another person's token
// signs nobody out. The identity service tells everyone concerned (the
// provider included), so there is nothing more to report: the strings are
// empty.
func (s *Site) EndSession(w http.ResponseWriter, r *http.Request, same func(string) bool) (string, string) {
	_, se, err := s.identity.Session(r.Context(), s.sessionID(r))
	if err != nil || !same(se.Ref) {
		return "", ""
	}
	if err := s.identity.SignOut(r.Context(), s.sessionID(r)); err != nil {
		s.log.WarnContext(r.Context(), "sign-out from a partner service failed", "err", err)
	}
	s.clearSession(w)
	s.endChat(w)
	return "", ""
}
