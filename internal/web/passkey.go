package web

// Passkeys and security keys: the WebAuthn ceremonies run in the browser
// (static/js/passkey.js, the only script the sign-in needs); these
// endpoints hand out the options and check the answers. They take the
// form's CSRF token like any form, and answer JSON: {"redirect": URL} or
// {"error": message}.

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

// passkeyButton is what a page needs to offer a passkey ceremony.
type passkeyButton struct {
	Mode            string // "register" or "login"
	Options, Finish string // the endpoints
	Label           string
	Unsupported     string // shown when the browser (or the address) cannot
	WithName        bool   // ask for a name (registration)
	Next            string
	AvailableHere   bool // false: the site is reached by an IP address
	UnavailableHere string
	CSRF            string
	AskPassword     bool // registration from a full session: the current password too
}

// relyingParty is the site as WebAuthn sees it: the configured public
// address (--base-url). Without one, only a development site reached at
// localhost offers passkeys: trusting any Host header would let a proxy
// between the person and the site register keys bound to itself.
func (s *Site) relyingParty(r *http.Request) (identity.RP, bool) {
	if s.baseURL != "" {
		u, err := url.Parse(s.baseURL)
		if err != nil {
			return identity.RP{}, false
		}
		return identity.RP{ID: u.Hostname(), Origin: u.Scheme + "://" + u.Host}, true
	}
	host := r.Host
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	if name != "localhost" && !strings.HasSuffix(name, ".localhost") {
		return identity.RP{}, false
	}
	scheme := "http"
	if s.secure || r.TLS != nil {
		scheme = "https"
	}
	return identity.RP{ID: name, Origin: scheme + "://" + host}, true
}

func (s *Site) passkeyButton(r *http.Request, l i18n.Lang, mode, next string) *passkeyButton {
	b := &passkeyButton{Mode: mode, Unsupported: i18n.T(l, "identity.passkey.unsupported"), Next: next,
		UnavailableHere: i18n.T(l, "identity.passkey.ip_address"), CSRF: httpx.CSRFToken(r.Context())}
	_, b.AvailableHere = s.relyingParty(r)
	if mode == "register" {
		b.Options, b.Finish = s.actionURL(l, "/compte/cle/options", "/account/passkey/options"), s.actionURL(l, "/compte/cle", "/account/passkey")
		b.Label, b.WithName = i18n.T(l, "identity.passkey.add"), true
	} else {
		b.Options, b.Finish = s.actionURL(l, "/connexion/cle/options", "/sign-in/passkey/options"), s.actionURL(l, "/connexion/cle", "/sign-in/passkey")
		b.Label = i18n.T(l, "identity.passkey.use")
	}
	return b
}

// answerJSON writes a ceremony endpoint's answer.
func answerJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// passkeyFailed answers a ceremony's error as a localized message.
func (s *Site) passkeyFailed(w http.ResponseWriter, r *http.Request, l i18n.Lang, err error) {
	e := errs.As(err)
	httpx.LogError(s.log, r, e)
	answerJSON(w, httpx.Status(e.Code), map[string]string{"error": httpx.Message(l, e)})
}

func (s *Site) passkeyOptions(w http.ResponseWriter, r *http.Request, l i18n.Lang, begin func(rp identity.RP) ([]byte, error)) {
	privateHeaders(w)
	rp, ok := s.relyingParty(r)
	if !ok {
		s.passkeyFailed(w, r, l, errs.E(errs.Invalid, "identity.passkey_unavailable"))
		return
	}
	opts, err := begin(rp)
	if err != nil {
		s.passkeyFailed(w, r, l, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(opts)
}

func (s *Site) passkeyRegisterOptions(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.passkeyOptions(w, r, l, func(rp identity.RP) ([]byte, error) {
		return s.identity.BeginPasskey(r.Context(), s.sessionID(r), rp)
	})
}

func (s *Site) passkeyLoginOptions(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.passkeyOptions(w, r, l, func(rp identity.RP) ([]byte, error) {
		return s.identity.BeginPasskeyLogin(r.Context(), s.sessionID(r), rp)
	})
}

// passkeyRegister adds the passkey; the answer sends the browser to the
// account page (or, for an agent enrolling at sign-in, where they were
// going).
func (s *Site) passkeyRegister(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	rp, ok := s.relyingParty(r)
	if !ok {
		s.passkeyFailed(w, r, l, errs.E(errs.Invalid, "identity.passkey_unavailable"))
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" {
		name = i18n.T(l, "identity.passkey.default_name")
	}
	in, err := s.identity.FinishPasskey(r.Context(), s.sessionID(r), rp, name, r.PostFormValue("current_password"), []byte(r.PostFormValue("response")), clientOf(r))
	if err != nil {
		s.passkeyFailed(w, r, l, err)
		return
	}
	s.setSession(w, in.SessionID)
	next := safeNext(r.PostFormValue("next"))
	if next == "" {
		next = s.pageURL("account", l, "", url.Values{"cle": {"1"}})
	}
	answerJSON(w, http.StatusOK, map[string]string{"redirect": next})
}

// passkeyLogin finishes a sign-in with the passkey.
func (s *Site) passkeyLogin(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	rp, ok := s.relyingParty(r)
	if !ok {
		s.passkeyFailed(w, r, l, errs.E(errs.Invalid, "identity.passkey_unavailable"))
		return
	}
	in, err := s.identity.FinishPasskeyLogin(r.Context(), s.sessionID(r), rp, []byte(r.PostFormValue("response")), clientOf(r))
	if err != nil {
		s.passkeyFailed(w, r, l, err)
		return
	}
	s.setSession(w, in.SessionID)
	next := safeNext(r.PostFormValue("next"))
	if next == "" {
		next = s.homeOf(l, in.Account)
	}
	answerJSON(w, http.StatusOK, map[string]string{"redirect": next})
}

// passkeyRemoveAction removes a passkey after the password (a plain form).
func (s *Site) passkeyRemoveAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, se, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	err := s.identity.RemovePasskey(r.Context(), se, r.PathValue("id"), r.PostFormValue("current_password"))
	if err == nil {
		http.Redirect(w, r, s.pageURL("account", l, "", url.Values{"cle_retiree": {"1"}}), http.StatusSeeOther)
		return
	}
	s.accountAgain(w, r, l, a, se, err, "current_password")
}
