package web

// Signing in, for citizens and agents alike: password, then the second
// factor (or, for an agent without one, its enrolment), then back to the
// page asked for. Every step replaces the session cookie with a new id.

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

// signInPageFor is the sign-in page a next path belongs to.
func signInPageFor(next string) string {
	if strings.HasPrefix(next, "/fr/agent") || strings.HasPrefix(next, "/en/agent") {
		return "agent_signin"
	}
	return "sign_in"
}

// signInNotices are the banners a redirect to the sign-in page may ask for.
var signInNotices = []struct{ param, key string }{
	{"out", "identity.notice.signed_out"}, {"expire", "identity.notice.expired"},
	{"reset", "identity.notice.password_reset"}, {"verified", "identity.notice.email_verified"},
	{"encore", "identity.notice.again"},
}

func (s *Site) signInForm(l i18n.Lang, page, next string, f *form) formPage {
	p := formPage{Heading: i18n.T(l, "identity.signin.heading"), Intro: i18n.T(l, "identity.signin.intro"),
		Form: f, Action: s.pageURL(page, l, "", nil), Submit: i18n.T(l, "identity.signin.submit"),
		Fields: fields(l, f, []string{"email", "email", "username", "identity.field.email"},
			[]string{"password", "password", "current-password", "identity.field.password"})}
	if page == "agent_signin" {
		p.Heading, p.Intro = i18n.T(l, "agent.signin.heading"), i18n.T(l, "agent.signin.intro")
	} else {
		p.Links = []link{{s.pageURL("sign_up", l, "", nil), i18n.T(l, "identity.signin.no_account")}}
	}
	p.Links = append(p.Links, link{s.pageURL("password_forgot", l, "", nil), i18n.T(l, "identity.signin.forgot")},
		link{s.pageURL("counter_recovery", l, "", nil), i18n.T(l, "identity.signin.counter_code")})
	if next != "" {
		p.Hidden = []hidden{{"next", next}}
	}
	return p
}

func (s *Site) signIn(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.signInPage(w, r, l, "sign_in")
}

func (s *Site) agentSignIn(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.signInPage(w, r, l, "agent_signin")
}

func (s *Site) signInPage(w http.ResponseWriter, r *http.Request, l i18n.Lang, page string) {
	privateHeaders(w)
	q := r.URL.Query()
	p := s.signInForm(l, page, safeNext(q.Get("next")), newForm())
	for _, n := range signInNotices {
		if q.Get(n.param) == "1" {
			p.Notice = i18n.T(l, n.key)
		}
	}
	s.render(w, r, http.StatusOK, l, "form_page", p.Heading, p)
}

func (s *Site) signInAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.signInPost(w, r, l, "sign_in")
}

func (s *Site) agentSignInAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.signInPost(w, r, l, "agent_signin")
}

// signInPost checks the password. Wrong credentials show the form again
// (401, the same for unknown accounts), too many tries too (429).
func (s *Site) signInPost(w http.ResponseWriter, r *http.Request, l i18n.Lang, page string) {
	privateHeaders(w)
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	c := clientOf(r)
	c.Previous = s.sessionID(r) // the same person signing in again continues it
	in, err := s.identity.SignIn(r.Context(), email, password, c)
	if err == nil {
		s.identity.SignOut(r.Context(), s.sessionID(r)) // another person's session ends: one per browser
		s.setSession(w, in.SessionID)
		s.afterStep(w, r, l, in, next)
		return
	}
	f := newForm()
	f.Values["email"] = email
	field := "password"
	if email == "" {
		field = "email"
	}
	if !f.fail(l, err, field) {
		s.Error(w, r, err)
		return
	}
	p := s.signInForm(l, page, next, f)
	if errs.As(err).Key == "identity.email_unverified" {
		p.Links = append([]link{{s.pageURL("verify_resend", l, "", nil), i18n.T(l, "identity.verify.resend_link")}}, p.Links...)
	}
	r = withQuery(r, url.Values{"next": {next}})
	s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "form_page", p.Heading, p)
}

// afterStep sends the browser where a sign-in step leads: the next step, or
// the page asked for, or the person's home.
func (s *Site) afterStep(w http.ResponseWriter, r *http.Request, l i18n.Lang, in identity.SignedIn, next string) {
	if in.Stage != identity.StageFull {
		q := url.Values{}
		if next != "" {
			q.Set("next", next)
		}
		http.Redirect(w, r, s.stepURL(l, in.Stage, q), http.StatusSeeOther)
		return
	}
	if next == "" {
		next = s.homeOf(l, in.Account)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// homeOf is where a person lands after signing in without a destination.
func (s *Site) homeOf(l i18n.Lang, a identity.Account) string {
	if a.Kind == identity.Agent {
		return s.pageURL("agent_home", l, "", nil)
	}
	return s.pageURL("account", l, "", nil)
}

// ---- second factor ----

func (s *Site) secondFactorForm(l i18n.Lang, next string, f *form) formPage {
	p := formPage{Heading: i18n.T(l, "identity.second.heading"), Intro: i18n.T(l, "identity.second.intro"),
		Form: f, Action: s.pageURL("second_factor", l, "", nil), Submit: i18n.T(l, "identity.second.submit"),
		Fields: fields(l, f, []string{"code", "text", "one-time-code", "identity.field.code", "identity.second.code_hint"}),
		Links:  []link{{s.pageURL("counter_recovery", l, "", nil), i18n.T(l, "identity.second.lost")}}}
	if next != "" {
		p.Hidden = []hidden{{"next", next}}
	}
	return p
}

func (s *Site) secondFactor(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	next := safeNext(r.URL.Query().Get("next"))
	if _, se, err := s.identity.Pending(r.Context(), s.sessionID(r)); err != nil || se.Stage != identity.StageSecondFactor {
		// Nothing to finish (the step expired, or the page was bookmarked).
		s.render(w, r, http.StatusOK, l, "notice", i18n.T(l, "identity.second.heading"), notice{
			Heading: i18n.T(l, "identity.second.heading"), Paragraphs: []string{i18n.T(l, "identity.second.none")},
			Links: []link{{s.pageURL(signInPageFor(next), l, "", url.Values{"next": {next}}), i18n.T(l, "identity.back_to_signin")}}})
		return
	}
	p := s.secondFactorForm(l, next, newForm())
	s.offerPasskey(r, l, &p, next)
	s.render(w, r, http.StatusOK, l, "form_page", p.Heading, p)
}

func (s *Site) secondFactorAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	next := safeNext(r.PostFormValue("next"))
	in, err := s.identity.SecondFactor(r.Context(), s.sessionID(r), r.PostFormValue("code"), clientOf(r))
	if err == nil {
		s.setSession(w, in.SessionID)
		s.afterStep(w, r, l, in, next)
		return
	}
	if errs.Is(err, errs.Unauthorized) { // the step expired: start again
		http.Redirect(w, r, s.pageURL(signInPageFor(next), l, "", url.Values{"next": {next}, "expire": {"1"}}), http.StatusSeeOther)
		return
	}
	f := newForm()
	if !f.fail(l, err, "code") {
		s.Error(w, r, err)
		return
	}
	r = withQuery(r, url.Values{"next": {next}})
	p := s.secondFactorForm(l, next, f)
	s.offerPasskey(r, l, &p, next)
	s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "form_page", p.Heading, p)
}

// ---- sign-out ----

// signOutAction ends the session, clears the cookie and says so.
func (s *Site) signOutAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	if err := s.identity.SignOut(r.Context(), s.sessionID(r)); err != nil {
		s.Error(w, r, err)
		return
	}
	s.clearSession(w)
	s.endChat(w)
	page := "sign_in"
	if r.PostFormValue("agent") == "1" {
		page = "agent_signin"
	}
	http.Redirect(w, r, s.pageURL(page, l, "", url.Values{"out": {"1"}}), http.StatusSeeOther)
}

// offerPasskey adds the passkey button to the second step when the account
// has a passkey (and says the app's code is then the other way).
func (s *Site) offerPasskey(r *http.Request, l i18n.Lang, p *formPage, next string) {
	a, _, err := s.identity.Pending(r.Context(), s.sessionID(r))
	if err != nil {
		return
	}
	if f, err := s.identity.Factors(r.Context(), a.ID); err == nil && f.Passkeys > 0 {
		p.Passkey = s.passkeyButton(r, l, "login", next)
	}
}
