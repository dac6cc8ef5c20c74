package web

// The person's account: who they are for the platform, their level of
// assurance, their second factors and recovery codes, their sessions (any
// of which they can end) and their password.

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

type sessionRow struct {
	Device, Started, LastSeen string
	Current                   bool
	End                       string // the form target that ends it
}

type accountView struct {
	Notice           string
	Name, Email      string
	Level, LevelHelp string
	IdentityVerified bool
	TOTP             bool
	EnrolURL         string
	RemoveTOTP       string
	RecoveryLeft     int
	Regenerate       string
	Sessions         []sessionRow
	PasswordURL      string
	SignOut          string
	Agent            bool
	Form             *form // the remove-authenticator form, shown again on error
	Passkeys         []passkeyRow
	AddPasskey       *passkeyButton
	Presence         string       // the form target for a code to show at a counter ("" once verified)
	Services         []consentRow // partner services the person let in
	HasServices      bool         // the platform signs people in to partner services
}

type passkeyRow struct {
	Name, Added, LastUsed string
	Remove                string // the form target
}

// accountNotices are the banners a redirect to the account page may ask for.
var accountNotices = []struct{ param, key string }{
	{"mdp", "identity.notice.password_changed"}, {"fin", "identity.notice.session_ended"},
	{"retire", "identity.notice.totp_removed"}, {"cle", "identity.notice.passkey_added"},
	{"cle_retiree", "identity.notice.passkey_removed"}, {"service_retire", "identity.notice.service_revoked"},
}

func (s *Site) account(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, se, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	v, err := s.accountView(r, l, a, se, newForm())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, n := range accountNotices {
		if r.URL.Query().Get(n.param) == "1" {
			v.Notice = i18n.T(l, n.key)
		}
	}
	s.render(w, r, http.StatusOK, l, "account", i18n.T(l, "identity.account.title"), v)
}

func (s *Site) accountView(r *http.Request, l i18n.Lang, a identity.Account, se identity.Session, f *form) (accountView, error) {
	ctx := r.Context()
	fs, err := s.identity.Factors(ctx, a.ID)
	if err != nil {
		return accountView{}, err
	}
	list, err := s.identity.Sessions(ctx, a.ID)
	if err != nil {
		return accountView{}, err
	}
	v := accountView{Name: a.Name(), Email: a.Email, Level: i18n.T(l, "identity.level."+levelKey(se.ACR)),
		LevelHelp: i18n.T(l, "identity.level_help."+levelKey(se.ACR)), IdentityVerified: a.IdentityVerified,
		TOTP: fs.TOTP, EnrolURL: s.pageURL("totp_enrol", l, "", nil), RemoveTOTP: s.actionURL(l, "/compte/application/retirer", "/account/authenticator/remove"),
		RecoveryLeft: fs.RecoveryCodes, Regenerate: s.actionURL(l, "/compte/codes", "/account/codes"),
		PasswordURL: s.pageURL("password_change", l, "", nil), SignOut: s.actionURL(l, "/deconnexion", "/sign-out"),
		Agent: a.Kind == identity.Agent, Form: f}
	keys, err := s.identity.Passkeys(ctx, a.ID)
	if err != nil {
		return accountView{}, err
	}
	for _, k := range keys {
		row := passkeyRow{Name: k.Name, Added: l.Date(k.Added),
			Remove: s.actionURL(l, "/compte/cle/"+url.PathEscape(k.ID)+"/retirer", "/account/passkey/"+url.PathEscape(k.ID)+"/remove")}
		if !k.LastUsed.IsZero() {
			row.LastUsed = l.Date(k.LastUsed)
		}
		v.Passkeys = append(v.Passkeys, row)
	}
	v.AddPasskey = s.passkeyButton(r, l, "register", "")
	v.AddPasskey.AskPassword = true
	if v.Services, err = s.consentRows(r, l, a.ID); err != nil {
		return accountView{}, err
	}
	v.HasServices = s.oidc != nil
	if !a.IdentityVerified && a.Kind == identity.Citizen {
		v.Presence = s.actionURL(l, "/compte/presence", "/account/presence")
	}
	for _, x := range list {
		v.Sessions = append(v.Sessions, sessionRow{Device: x.Device, Started: l.Date(x.CreatedAt) + ", " + l.Time(x.CreatedAt),
			LastSeen: l.Time(x.LastSeen), Current: x.Ref == se.Ref,
			End: s.actionURL(l, "/compte/sessions/"+url.PathEscape(x.Ref)+"/fin", "/account/sessions/"+url.PathEscape(x.Ref)+"/end")})
	}
	return v, nil
}

// levelKey names a level of assurance in message keys.
func levelKey(acr string) string {
	switch acr {
	case assurance.LoA3:
		return "loa3"
	case assurance.LoA2:
		return "loa2"
	}
	return "loa1"
}

// actionURL is a form target's path in the language (the action table has
// the same pair).
func (s *Site) actionURL(l i18n.Lang, fr, en string) string {
	if l == i18n.EN {
		return "/en" + en
	}
	return "/fr" + fr
}

// ---- the authenticator app ----

type enrolView struct {
	Form      *form
	Action    string
	Next      string
	Secret    string       // grouped by four for reading
	URI       template.URL // otpauth:// (opens the app on a phone)
	QR        template.URL // a data: PNG of the URI
	Recovered bool         // back in with a counter code
	MustEnrol bool         // an agent at sign-in
	Passkey   *passkeyButton
	// AskPassword: a signed-in person confirms their password to add a
	// factor (an agent enrolling at sign-in just gave it).
	AskPassword bool
}

// totpEnrol shows a new secret (or the one waiting for its first code) to
// add to an authenticator app, as a QR code and as text.
func (s *Site) totpEnrol(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	a, se, ok := s.enrolSession(w, r, l)
	if !ok {
		return
	}
	e, pending, err := s.identity.PendingTOTP(r.Context(), a)
	if err == nil && !pending {
		e, err = s.identity.BeginTOTP(r.Context(), a)
	}
	if errs.Is(err, errs.Conflict) { // already has one
		s.render(w, r, http.StatusOK, l, "notice", i18n.T(l, "identity.totp.title"), notice{
			Heading: i18n.T(l, "identity.totp.heading"), Paragraphs: []string{i18n.T(l, "identity.totp.already")},
			Links: []link{{s.pageURL("account", l, "", nil), i18n.T(l, "identity.back_to_account")}}})
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderEnrol(w, r, l, http.StatusOK, e, se, newForm())
}

func (s *Site) renderEnrol(w http.ResponseWriter, r *http.Request, l i18n.Lang, status int, e identity.TOTPEnrolment, se identity.Session, f *form) {
	v := enrolView{Form: f, Action: s.pageURL("totp_enrol", l, "", nil), Secret: groupBy4(e.Secret), URI: template.URL(e.URI),
		Next: safeNext(r.URL.Query().Get("next")), Recovered: r.URL.Query().Get("recovered") == "1",
		MustEnrol: se.Stage == identity.StageEnrol, AskPassword: se.Stage == identity.StageFull}
	if r.Method == http.MethodPost {
		v.Next = safeNext(r.PostFormValue("next"))
	}
	v.Passkey = s.passkeyButton(r, l, "register", v.Next)
	v.Passkey.AskPassword = v.AskPassword
	if png, err := qrcode.Encode(e.URI, qrcode.Medium, 256); err == nil {
		v.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	}
	s.render(w, r, status, l, "totp_enrol", i18n.T(l, "identity.totp.title"), v)
}

func groupBy4(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		if i > 0 && i%4 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// enrolSession returns the person enrolling: signed in, or an agent whose
// sign-in waits for a first factor.
func (s *Site) enrolSession(w http.ResponseWriter, r *http.Request, l i18n.Lang) (identity.Account, identity.Session, bool) {
	if a, se, err := s.identity.Pending(r.Context(), s.sessionID(r)); err == nil && se.Stage == identity.StageEnrol {
		return a, se, true
	}
	return s.requireAccount(w, r, l, "sign_in")
}

// totpEnrolAction checks the first code; the recovery codes are shown once,
// on the answer itself.
func (s *Site) totpEnrolAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	a, se, ok := s.enrolSession(w, r, l)
	if !ok {
		return
	}
	in, codes, err := s.identity.ConfirmTOTP(r.Context(), s.sessionID(r), r.PostFormValue("code"), r.PostFormValue("current_password"), clientOf(r))
	if err != nil {
		f := newForm()
		if !f.fail(l, err, "code") {
			s.Error(w, r, err)
			return
		}
		e, _, perr := s.identity.PendingTOTP(r.Context(), a)
		if perr != nil {
			s.Error(w, r, perr)
			return
		}
		s.renderEnrol(w, r, l, httpx.Status(errs.CodeOf(err)), e, se, f)
		return
	}
	s.setSession(w, in.SessionID)
	next := safeNext(r.PostFormValue("next"))
	if next == "" {
		next = s.homeOf(l, a)
	}
	s.showCodes(w, r, l, "identity.totp.done", codes, next)
}

// showCodes answers with a page saying what was done and, if any, the
// recovery codes, shown this once.
func (s *Site) showCodes(w http.ResponseWriter, r *http.Request, l i18n.Lang, doneKey string, codes []string, next string) {
	n := notice{Heading: i18n.T(l, "identity.codes.heading"), Paragraphs: []string{i18n.T(l, doneKey)},
		Codes: codes, CodesLabel: i18n.T(l, "identity.codes.label"),
		Links: []link{{next, i18n.T(l, "identity.codes.continue")}}}
	if len(codes) > 0 {
		n.Paragraphs = append(n.Paragraphs, i18n.T(l, "identity.codes.keep"))
	} else {
		n.Heading = i18n.T(l, "identity.totp.done_heading")
	}
	s.render(w, r, http.StatusOK, l, "notice", n.Heading, n)
}

// totpRemoveAction removes the authenticator app after the password.
func (s *Site) totpRemoveAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, se, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	err := s.identity.RemoveTOTP(r.Context(), se, r.PostFormValue("current_password"))
	if err == nil {
		http.Redirect(w, r, s.pageURL("account", l, "", url.Values{"retire": {"1"}}), http.StatusSeeOther)
		return
	}
	s.accountAgain(w, r, l, a, se, err, "current_password")
}

// accountAgain shows the account page again with the error of one of its
// forms on field (an error that is not about the input: the error page).
func (s *Site) accountAgain(w http.ResponseWriter, r *http.Request, l i18n.Lang, a identity.Account, se identity.Session, err error, field string) {
	f := newForm()
	if e := errs.As(err); e.Field == "current_password" && field != e.Field {
		err = e.OnField(field)
	}
	if !f.fail(l, err, field) {
		s.Error(w, r, err)
		return
	}
	v, verr := s.accountView(r, l, a, se, f)
	if verr != nil {
		s.Error(w, r, verr)
		return
	}
	s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "account", i18n.T(l, "identity.account.title"), v)
}

// recoveryCodesAction replaces the recovery codes and shows the new ones.
func (s *Site) recoveryCodesAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, se, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	codes, err := s.identity.RegenerateRecoveryCodes(r.Context(), se, r.PostFormValue("codes_password"))
	if err != nil {
		s.accountAgain(w, r, l, a, se, err, "codes_password")
		return
	}
	s.showCodes(w, r, l, "identity.codes.replaced", codes, s.pageURL("account", l, "", nil))
}

// endSessionAction ends one of the person's sessions (this one too: then
// they are signed out).
func (s *Site) endSessionAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, se, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	ref := r.PathValue("ref")
	if err := s.identity.EndSession(r.Context(), a.ID, ref); err != nil {
		s.Error(w, r, err)
		return
	}
	if ref == se.Ref {
		s.clearSession(w)
		http.Redirect(w, r, s.pageURL("sign_in", l, "", url.Values{"out": {"1"}}), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, s.pageURL("account", l, "", url.Values{"fin": {"1"}}), http.StatusSeeOther)
}

// ---- password ----

func (s *Site) passwordForm(l i18n.Lang, f *form) formPage {
	return formPage{Heading: i18n.T(l, "identity.password.heading"), Intro: i18n.T(l, "identity.password.intro"), Form: f,
		Action: s.pageURL("password_change", l, "", nil), Submit: i18n.T(l, "identity.password.submit"),
		Fields: fields(l, f,
			[]string{"current_password", "password", "current-password", "identity.field.current_password"},
			[]string{"password", "password", "new-password", "identity.field.new_password", "identity.password_hint"}),
		Links: []link{{s.pageURL("account", l, "", nil), i18n.T(l, "identity.back_to_account")}}}
}

func (s *Site) passwordChange(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if _, _, ok := s.requireAccount(w, r, l, "sign_in"); !ok {
		return
	}
	p := s.passwordForm(l, newForm())
	s.render(w, r, http.StatusOK, l, "form_page", p.Heading, p)
}

func (s *Site) passwordChangeAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	_, se, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	err := s.identity.ChangePassword(r.Context(), se, r.PostFormValue("current_password"), r.PostFormValue("password"))
	if err == nil {
		http.Redirect(w, r, s.pageURL("account", l, "", url.Values{"mdp": {"1"}}), http.StatusSeeOther)
		return
	}
	f := newForm()
	if !f.fail(l, err, "password") {
		s.Error(w, r, err)
		return
	}
	p := s.passwordForm(l, f)
	s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "form_page", p.Heading, p)
}

// presenceAction gives the citizen a code to show an agent who verifies
// their identity at a counter.
func (s *Site) presenceAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	_, se, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	code, err := s.identity.PresenceCode(r.Context(), se)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "notice", i18n.T(l, "identity.presence.heading"), notice{
		Heading: i18n.T(l, "identity.presence.heading"), Paragraphs: []string{i18n.T(l, "identity.presence.show")},
		Codes: []string{code[:4] + " " + code[4:]}, CodesLabel: i18n.T(l, "identity.presence.label"),
		Links: []link{{s.pageURL("account", l, "", nil), i18n.T(l, "identity.back_to_account")}}})
}
