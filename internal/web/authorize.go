package web

// Signing in to a partner service (OpenID Connect): the provider sends the
// browser here with its request. The person signs in (again, for
// prompt=login or an old sign-in beyond max_age), reaches the level the
// service asks for, and consents to what it will receive the first time;
// then the browser goes back to the service with a code.

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/oidc"
)

func withOIDC(s *Site) bool { return s.identity != nil && s.oidc != nil }

type authorizeView struct {
	Service    string
	Claims     []string // what the service will receive, in words
	Level      string   // the level the service asks for ("" if none)
	Action     string
	ID         string
	Cancel     bool // only the cancel button (the level is missing)
	Paragraphs []string
	Links      []link
}

func (s *Site) authorize(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	ctx := r.Context()
	id := r.URL.Query().Get("demande")
	if id == "" { // a bookmark, or a visit by hand: say what the page is for
		s.render(w, r, http.StatusOK, l, "notice", i18n.T(l, "identity.authorize.title"), notice{
			Heading: i18n.T(l, "identity.authorize.title"), Paragraphs: []string{i18n.T(l, "identity.authorize.nothing")},
			Links: []link{{s.pageURL("account", l, "", nil), i18n.T(l, "identity.back_to_account")}}})
		return
	}
	req, err := s.oidc.Request(ctx, id)
	if err != nil {
		s.Error(w, r, errs.E(errs.NotFound, "identity.authorize.gone"))
		return
	}
	self := s.pageURL("authorize", l, "", url.Values{"demande": {id}})
	a, se, err := s.identity.Session(ctx, s.sessionID(r))
	signedIn := err == nil
	// Freshness counts from the service's request: max_age=0 and
	// prompt=login want a sign-in after it.
	stale := signedIn && ((req.MaxAge != nil && se.AuthTime.Before(req.Created.Add(-*req.MaxAge))) ||
		(req.PromptLogin && se.AuthTime.Before(req.Created)))
	switch {
	case (!signedIn || stale) && req.PromptNone:
		s.refuse(w, r, id, "login_required")
		return
	case !signedIn || stale:
		q := url.Values{"next": {self}}
		if stale {
			q.Set("encore", "1")
		}
		http.Redirect(w, r, s.pageURL("sign_in", l, "", q), http.StatusSeeOther)
		return
	}
	v := authorizeView{Service: req.ClientName, Action: self, ID: id}
	if req.ACR != "" {
		v.Level = i18n.T(l, "identity.level."+levelKey(req.ACR))
	}
	if !assurance.AtLeast(se.ACR, req.ACR) {
		if req.PromptNone {
			s.refuse(w, r, id, "interaction_required")
			return
		}
		v.Cancel = true
		if req.ACR == assurance.LoA3 && !a.IdentityVerified {
			v.Paragraphs = []string{i18n.T(l, "identity.authorize.needs_loa3", req.ClientName)}
		} else {
			v.Paragraphs = []string{i18n.T(l, "identity.authorize.needs_loa2", req.ClientName)}
			v.Links = []link{{s.pageURL("totp_enrol", l, "", url.Values{"next": {self}}), i18n.T(l, "identity.authorize.add_factor")}}
		}
		s.render(w, r, http.StatusOK, l, "authorize", i18n.T(l, "identity.authorize.title"), v)
		return
	}
	need, err := s.oidc.NeedsConsent(ctx, a.ID, req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if need {
		if req.PromptNone {
			s.refuse(w, r, id, "consent_required")
			return
		}
		for _, c := range req.Claims {
			if c == "sub" || c == "email_verified" || c == "locale" {
				continue
			}
			v.Claims = append(v.Claims, i18n.T(l, "identity.claim."+c))
		}
		v.Claims = append([]string{i18n.T(l, "identity.claim.sub")}, slices.Compact(v.Claims)...)
		s.render(w, r, http.StatusOK, l, "authorize", i18n.T(l, "identity.authorize.title"), v)
		return
	}
	s.complete(w, r, a, se, id, false)
}

// authorizeAction records the person's answer on the consent screen.
func (s *Site) authorizeAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	privateHeaders(w)
	id := r.PostFormValue("demande")
	if r.PostFormValue("decision") != "accept" {
		s.refuse(w, r, id, "access_denied")
		return
	}
	a, se, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	s.complete(w, r, a, se, id, true)
}

func (s *Site) complete(w http.ResponseWriter, r *http.Request, a identity.Account, se identity.Session, id string, consent bool) {
	to, err := s.oidc.Complete(r.Context(), id, oidc.Authentication{AccountID: a.ID, SessionID: se.Ref,
		AuthTime: se.AuthTime, ACR: se.ACR, AMR: se.AMR}, consent)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Site) refuse(w http.ResponseWriter, r *http.Request, id, code string) {
	to, err := s.oidc.Refuse(r.Context(), id, code)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// ---- connected services, on the account page ----

type consentRow struct {
	Service, Since string
	Revoke         string // the form target
}

func (s *Site) consentRows(r *http.Request, l i18n.Lang, accountID string) ([]consentRow, error) {
	if s.oidc == nil {
		return nil, nil
	}
	list, err := s.oidc.Consents(r.Context(), accountID)
	if err != nil {
		return nil, err
	}
	var out []consentRow
	for _, c := range list {
		out = append(out, consentRow{Service: c.ClientName, Since: l.Date(c.GrantedAt),
			Revoke: s.actionURL(l, "/compte/services/"+url.PathEscape(c.ClientID)+"/retirer", "/account/services/"+url.PathEscape(c.ClientID)+"/revoke")})
	}
	return out, nil
}

// revokeConsentAction withdraws a service's access; its tokens stop working.
func (s *Site) revokeConsentAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	if err := s.oidc.RevokeConsent(r.Context(), a.ID, r.PathValue("client")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, s.pageURL("account", l, "", url.Values{"service_retire": {"1"}}), http.StatusSeeOther)
}
