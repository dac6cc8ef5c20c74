package web

// Opening an account and getting back into one: sign-up with a verified
// address, a new verification link, a forgotten password, and the code an
// agent hands over at a counter. The answers never tell whether an address
// has an account.

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

// notice is a page that says what happened (and may show codes once).
type notice struct {
	Heading    string
	Paragraphs []string
	Codes      []string
	CodesLabel string
	Links      []link
}

// ---- sign-up ----

func (s *Site) signUpForm(l i18n.Lang, f *form) formPage {
	return formPage{Heading: i18n.T(l, "identity.signup.heading"), Intro: i18n.T(l, "identity.signup.intro"),
		Form: f, Action: s.pageURL("sign_up", l, "", nil), Submit: i18n.T(l, "identity.signup.submit"),
		Fields: fields(l, f,
			[]string{"given_name", "text", "given-name", "identity.field.given_name"},
			[]string{"family_name", "text", "family-name", "identity.field.family_name"},
			[]string{"email", "email", "email", "identity.field.email", "identity.signup.email_hint"},
			[]string{"password", "password", "new-password", "identity.field.new_password", "identity.password_hint"}),
		Links: []link{{s.pageURL("sign_in", l, "", nil), i18n.T(l, "identity.signup.have_account")}}}
}

func (s *Site) signUp(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	p := s.signUpForm(l, newForm())
	s.render(w, r, http.StatusOK, l, "form_page", p.Heading, p)
}

func (s *Site) signUpAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	in := identity.SignUp{Email: strings.TrimSpace(r.PostFormValue("email")), GivenName: r.PostFormValue("given_name"),
		FamilyName: r.PostFormValue("family_name"), Password: r.PostFormValue("password"), Locale: string(l), Addr: r.RemoteAddr}
	if err := s.identity.SignUp(r.Context(), in); err != nil {
		f := newForm()
		f.Values["email"], f.Values["given_name"], f.Values["family_name"] = in.Email, in.GivenName, in.FamilyName
		if !f.fail(l, err, "") {
			s.Error(w, r, err)
			return
		}
		p := s.signUpForm(l, f)
		s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "form_page", p.Heading, p)
		return
	}
	s.render(w, r, http.StatusOK, l, "notice", i18n.T(l, "identity.signup.sent_heading"), notice{
		Heading:    i18n.T(l, "identity.signup.sent_heading"),
		Paragraphs: []string{i18n.T(l, "identity.signup.sent", in.Email), i18n.T(l, "identity.signup.sent_spam")},
		Links:      []link{{s.pageURL("verify_resend", l, "", nil), i18n.T(l, "identity.verify.resend_link")}}})
}

// ---- verifying the address ----

// verifyEmail shows a button: following the link does nothing by itself
// (mail scanners open links), the person confirms.
func (s *Site) verifyEmail(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	token := r.URL.Query().Get("jeton")
	p := formPage{Heading: i18n.T(l, "identity.verify.heading"), Intro: i18n.T(l, "identity.verify.intro"),
		Form: newForm(), Action: s.pageURL("verify_email", l, "", nil), Submit: i18n.T(l, "identity.verify.submit"),
		Hidden: []hidden{{"jeton", token}}}
	s.render(w, r, http.StatusOK, l, "form_page", p.Heading, p)
}

func (s *Site) verifyEmailAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	if _, err := s.identity.VerifyEmail(r.Context(), r.PostFormValue("jeton")); err != nil {
		if !errs.Is(err, errs.Invalid) {
			s.Error(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, l, "notice", i18n.T(l, "identity.verify.heading"), notice{
			Heading: i18n.T(l, "identity.verify.heading"), Paragraphs: []string{i18n.T(l, "identity.verify.expired")},
			Links: []link{{s.pageURL("verify_resend", l, "", nil), i18n.T(l, "identity.verify.resend_link")}}})
		return
	}
	http.Redirect(w, r, s.pageURL("sign_in", l, "", url.Values{"verified": {"1"}}), http.StatusSeeOther)
}

// ---- a new link, a forgotten password: e-mail only ----

// emailOnly is a form that asks for an address and answers the same
// whether it has an account or not.
func (s *Site) emailOnly(l i18n.Lang, page, prefix string, f *form) formPage {
	return formPage{Heading: i18n.T(l, prefix+".heading"), Intro: i18n.T(l, prefix+".intro"), Form: f,
		Action: s.pageURL(page, l, "", nil), Submit: i18n.T(l, prefix+".submit"),
		Fields: fields(l, f, []string{"email", "email", "email", "identity.field.email"}),
		Links:  []link{{s.pageURL("sign_in", l, "", nil), i18n.T(l, "identity.back_to_signin")}}}
}

func (s *Site) verifyResend(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	p := s.emailOnly(l, "verify_resend", "identity.resend", newForm())
	s.render(w, r, http.StatusOK, l, "form_page", p.Heading, p)
}

func (s *Site) verifyResendAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.emailOnlyPost(w, r, l, "verify_resend", "identity.resend", s.identity.ResendVerification)
}

func (s *Site) passwordForgot(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	p := s.emailOnly(l, "password_forgot", "identity.forgot", newForm())
	s.render(w, r, http.StatusOK, l, "form_page", p.Heading, p)
}

func (s *Site) passwordForgotAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.emailOnlyPost(w, r, l, "password_forgot", "identity.forgot", s.identity.RequestReset)
}

func (s *Site) emailOnlyPost(w http.ResponseWriter, r *http.Request, l i18n.Lang, page, prefix string,
	do func(ctx context.Context, email, addr string) error) {
	privateHeaders(w)
	email := strings.TrimSpace(r.PostFormValue("email"))
	if err := do(r.Context(), email, r.RemoteAddr); err != nil {
		f := newForm()
		f.Values["email"] = email
		if !f.fail(l, err, "email") {
			s.Error(w, r, err)
			return
		}
		p := s.emailOnly(l, page, prefix, f)
		s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "form_page", p.Heading, p)
		return
	}
	s.render(w, r, http.StatusOK, l, "notice", i18n.T(l, prefix+".heading"), notice{
		Heading: i18n.T(l, prefix+".heading"), Paragraphs: []string{i18n.T(l, prefix+".sent", email)},
		Links: []link{{s.pageURL("sign_in", l, "", nil), i18n.T(l, "identity.back_to_signin")}}})
}

// ---- a new password ----

func (s *Site) resetForm(l i18n.Lang, token string, f *form) formPage {
	return formPage{Heading: i18n.T(l, "identity.reset.heading"), Intro: i18n.T(l, "identity.reset.intro"), Form: f,
		Action: s.pageURL("password_reset", l, "", nil), Submit: i18n.T(l, "identity.reset.submit"),
		Hidden: []hidden{{"jeton", token}},
		Fields: fields(l, f, []string{"password", "password", "new-password", "identity.field.new_password", "identity.password_hint"})}
}

func (s *Site) passwordReset(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	token := r.URL.Query().Get("jeton")
	if err := s.identity.CheckResetToken(r.Context(), token); err != nil {
		s.resetExpired(w, r, l, http.StatusOK, err) // the page exists; it says the link no longer works
		return
	}
	p := s.resetForm(l, token, newForm())
	s.render(w, r, http.StatusOK, l, "form_page", p.Heading, p)
}

func (s *Site) resetExpired(w http.ResponseWriter, r *http.Request, l i18n.Lang, status int, err error) {
	if errs.As(err).Field != "token" {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status, l, "notice", i18n.T(l, "identity.reset.heading"), notice{
		Heading: i18n.T(l, "identity.reset.heading"), Paragraphs: []string{i18n.T(l, "identity.reset.expired")},
		Links: []link{{s.pageURL("password_forgot", l, "", nil), i18n.T(l, "identity.signin.forgot")}}})
}

func (s *Site) passwordResetAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	token := r.PostFormValue("jeton")
	err := s.identity.ResetPassword(r.Context(), token, r.PostFormValue("password"))
	if err == nil {
		http.Redirect(w, r, s.pageURL("sign_in", l, "", url.Values{"reset": {"1"}}), http.StatusSeeOther)
		return
	}
	if errs.As(err).Field == "token" {
		s.resetExpired(w, r, l, http.StatusUnprocessableEntity, err)
		return
	}
	f := newForm()
	if !f.fail(l, err, "password") {
		s.Error(w, r, err)
		return
	}
	p := s.resetForm(l, token, f)
	s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "form_page", p.Heading, p)
}

// ---- the code an agent hands over at a counter ----

// The agent hands over a code; the account's address receives a link to
// this page. Both are needed: the link proves the mailbox, the code the
// visit to the counter.
func (s *Site) counterForm(l i18n.Lang, token string, f *form) formPage {
	return formPage{Heading: i18n.T(l, "identity.counter.heading"), Intro: i18n.T(l, "identity.counter.intro"), Form: f,
		Action: s.pageURL("counter_recovery", l, "", nil), Submit: i18n.T(l, "identity.counter.submit"),
		Hidden: []hidden{{"jeton", token}},
		Fields: fields(l, f,
			[]string{"code", "text", "off", "identity.field.counter_code", "identity.counter.code_hint"},
			[]string{"password", "password", "new-password", "identity.field.new_password", "identity.password_hint"}),
		Links: []link{{s.pageURL("sign_in", l, "", nil), i18n.T(l, "identity.back_to_signin")}}}
}

// counterNoLink explains where the recovery starts (a bookmark, an old or
// used link).
func (s *Site) counterNoLink(w http.ResponseWriter, r *http.Request, l i18n.Lang, status int) {
	s.render(w, r, status, l, "notice", i18n.T(l, "identity.counter.heading"), notice{
		Heading: i18n.T(l, "identity.counter.heading"), Paragraphs: []string{i18n.T(l, "identity.counter.how")},
		Links: []link{{s.pageURL("sign_in", l, "", nil), i18n.T(l, "identity.back_to_signin")}}})
}

func (s *Site) counterRecovery(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	token := r.URL.Query().Get("jeton")
	if token == "" || s.identity.CheckCounterLink(r.Context(), token) != nil {
		s.counterNoLink(w, r, l, http.StatusOK)
		return
	}
	p := s.counterForm(l, token, newForm())
	s.render(w, r, http.StatusOK, l, "form_page", p.Heading, p)
}

func (s *Site) counterRecoveryAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	token := r.PostFormValue("jeton")
	in, err := s.identity.UseCounterCode(r.Context(), token, r.PostFormValue("code"), r.PostFormValue("password"), clientOf(r))
	if err == nil {
		s.identity.SignOut(r.Context(), s.sessionID(r))
		s.setSession(w, in.SessionID)
		http.Redirect(w, r, s.pageURL("totp_enrol", l, "", url.Values{"recovered": {"1"}}), http.StatusSeeOther)
		return
	}
	if errs.As(err).Field == "token" {
		s.counterNoLink(w, r, l, http.StatusUnprocessableEntity)
		return
	}
	f := newForm()
	if !f.fail(l, err, "code") {
		s.Error(w, r, err)
		return
	}
	p := s.counterForm(l, token, f)
	s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "form_page", p.Heading, p)
}
