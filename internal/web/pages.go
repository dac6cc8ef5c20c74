package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// page is one page in both languages: French and English paths (patterns
// with the same wildcards) and its handler.
type page struct {
	id     string
	fr, en string
	handle func(s *Site, w http.ResponseWriter, r *http.Request, lang i18n.Lang)
	// enabled, when set, says whether the site serves the page (a page
	// whose capability is not configured does not exist: the router answers
	// 404, and handlers can count on the capability).
	enabled func(s *Site) bool
}

// The capabilities a page or an action needs.
func withBooking(s *Site) bool   { return s.booking != nil }
func withQueue(s *Site) bool     { return s.queue != nil }
func withIdentity(s *Site) bool  { return s.identity != nil }
func withAgentDesk(s *Site) bool { return s.identity != nil && s.queue != nil && s.booking != nil }
func withInbox(s *Site) bool     { return s.identity != nil && s.assistant != nil }
func withAssistant(s *Site) bool { return s.assistant != nil }
func withMailbox(s *Site) bool   { return s.mailboxSource != nil }

func (p page) path(l i18n.Lang) string {
	if l == i18n.EN {
		return p.en
	}
	return p.fr
}

// pageTable lists every page of the site; the accessibility tests walk it
// through the router, so a page added here is audited automatically.
var pageTable = []page{
	{id: "home", fr: "/fr/", en: "/en/", handle: (*Site).home},
	{id: "accessibility", fr: "/fr/accessibilite", en: "/en/accessibility", handle: (*Site).accessibility},
	{id: "transparency", fr: "/fr/transparence", en: "/en/transparency", handle: (*Site).transparency},
	{id: "services", fr: "/fr/services", en: "/en/services", handle: (*Site).services},
	{id: "service", fr: "/fr/services/{id}", en: "/en/services/{id}", handle: (*Site).service},
	{id: "finder", fr: "/fr/points-de-service", en: "/en/service-points", handle: (*Site).finder},
	{id: "point", fr: "/fr/points-de-service/{id}", en: "/en/service-points/{id}", handle: (*Site).point},
	{id: "booking_slots", fr: "/fr/rendez-vous/plages", en: "/en/appointments/slots", handle: (*Site).bookingSlots, enabled: withBooking},
	{id: "booking_details", fr: "/fr/rendez-vous/coordonnees", en: "/en/appointments/details", handle: (*Site).bookingDetails, enabled: withBooking},
	{id: "booking_manage", fr: "/fr/rendez-vous/{ref}", en: "/en/appointments/{ref}", handle: (*Site).bookingManage, enabled: withBooking},
	{id: "queue", fr: "/fr/file/{point}", en: "/en/queue/{point}", handle: (*Site).queuePage, enabled: withQueue},
	{id: "kiosk", fr: "/fr/borne/{point}", en: "/en/kiosk/{point}", handle: (*Site).kioskPage, enabled: withQueue},
	{id: "queue_ticket", fr: "/fr/file/billet/{id}", en: "/en/queue/ticket/{id}", handle: (*Site).ticketPage, enabled: withQueue},
	{id: "sign_in", fr: "/fr/connexion", en: "/en/sign-in", handle: (*Site).signIn, enabled: withIdentity},
	{id: "second_factor", fr: "/fr/connexion/code", en: "/en/sign-in/code", handle: (*Site).secondFactor, enabled: withIdentity},
	{id: "sign_up", fr: "/fr/inscription", en: "/en/sign-up", handle: (*Site).signUp, enabled: withIdentity},
	{id: "verify_email", fr: "/fr/courriel/verifier", en: "/en/email/verify", handle: (*Site).verifyEmail, enabled: withIdentity},
	{id: "verify_resend", fr: "/fr/courriel/renvoyer", en: "/en/email/resend", handle: (*Site).verifyResend, enabled: withIdentity},
	{id: "password_forgot", fr: "/fr/mot-de-passe/oubli", en: "/en/password/forgot", handle: (*Site).passwordForgot, enabled: withIdentity},
	{id: "password_reset", fr: "/fr/mot-de-passe/nouveau", en: "/en/password/new", handle: (*Site).passwordReset, enabled: withIdentity},
	{id: "counter_recovery", fr: "/fr/recuperation", en: "/en/recovery", handle: (*Site).counterRecovery, enabled: withIdentity},
	{id: "account", fr: "/fr/compte", en: "/en/account", handle: (*Site).account, enabled: withIdentity},
	{id: "totp_enrol", fr: "/fr/compte/application", en: "/en/account/authenticator", handle: (*Site).totpEnrol, enabled: withIdentity},
	{id: "password_change", fr: "/fr/compte/mot-de-passe", en: "/en/account/password", handle: (*Site).passwordChange, enabled: withIdentity},
	{id: "authorize", fr: "/fr/autorisation", en: "/en/authorization", handle: (*Site).authorize, enabled: withOIDC},
	{id: "agent_signin", fr: "/fr/agent/connexion", en: "/en/agent/sign-in", handle: (*Site).agentSignIn, enabled: withIdentity},
	{id: "agent_team", fr: "/fr/agent/equipe", en: "/en/agent/team", handle: (*Site).agentTeam, enabled: withIdentity},
	{id: "agent_identity", fr: "/fr/agent/identite", en: "/en/agent/identity", handle: (*Site).agentIdentity, enabled: withIdentity},
	{id: "agent_home", fr: "/fr/agent", en: "/en/agent", handle: (*Site).agentHome, enabled: withIdentity},
	{id: "agent_point", fr: "/fr/agent/points/{id}", en: "/en/agent/points/{id}", handle: (*Site).agentPointPage, enabled: withAgentDesk},
	{id: "agent_book", fr: "/fr/agent/points/{id}/rendez-vous", en: "/en/agent/points/{id}/appointments", handle: (*Site).agentBookPage, enabled: withAgentDesk},
	{id: "agent_inbox", fr: "/fr/agent/conversations", en: "/en/agent/conversations", handle: (*Site).agentInbox, enabled: withInbox},
	{id: "agent_conversation", fr: "/fr/agent/conversations/{id}", en: "/en/agent/conversations/{id}", handle: (*Site).agentConversation, enabled: withInbox},
	{id: "waitlist_join", fr: "/fr/liste-attente", en: "/en/waiting-list", handle: (*Site).waitlistJoin, enabled: withBooking},
	{id: "waitlist_entry", fr: "/fr/liste-attente/{ref}", en: "/en/waiting-list/{ref}", handle: (*Site).waitlistEntry, enabled: withBooking},
	{id: "mailbox", fr: "/fr/courriels", en: "/en/mailbox", handle: (*Site).mailbox, enabled: withMailbox},
	{id: "assistant", fr: "/fr/assistant", en: "/en/assistant", handle: (*Site).chat, enabled: withAssistant},
	{id: "dossier", fr: "/fr/compte/dossier", en: "/en/account/file", handle: (*Site).dossierPage, enabled: withDossier},
	{id: "dossier_cards", fr: "/fr/compte/dossier/cartes", en: "/en/account/file/cards", handle: (*Site).dossierCards, enabled: withDossier},
	{id: "dossier_accesses", fr: "/fr/compte/dossier/consultations", en: "/en/account/file/accesses", handle: (*Site).dossierAccesses, enabled: withDossier},
	{id: "dossier_consents", fr: "/fr/compte/dossier/consentements", en: "/en/account/file/consents", handle: (*Site).dossierConsents, enabled: withDossier},
	{id: "dossier_export", fr: "/fr/compte/dossier/exportation", en: "/en/account/file/export", handle: (*Site).dossierExport, enabled: withDossier},
	{id: "dossier_correction", fr: "/fr/compte/dossier/correction", en: "/en/account/file/correction", handle: (*Site).dossierCorrection, enabled: withDossier},
	{id: "dossier_verify", fr: "/fr/transparence/verifier", en: "/en/transparency/verify", handle: (*Site).dossierVerify, enabled: withDossier},
	{id: "agent_dossier", fr: "/fr/agent/dossiers", en: "/en/agent/files", handle: (*Site).agentDossier, enabled: withDossier},
	{id: "agent_corrections", fr: "/fr/agent/corrections", en: "/en/agent/corrections", handle: (*Site).agentCorrections, enabled: withDossier},
	{id: "agent_review", fr: "/fr/agent/confidentialite", en: "/en/agent/privacy", handle: (*Site).agentReview, enabled: withDossier},
}

// action is a form target (POST) in both languages; it answers with a
// redirect (303) to a page, or re-renders a page with errors.
type action struct {
	fr, en  string
	handle  func(s *Site, w http.ResponseWriter, r *http.Request, lang i18n.Lang)
	enabled func(s *Site) bool // as for pages
}

func (a action) path(l i18n.Lang) string {
	if l == i18n.EN {
		return a.en
	}
	return a.fr
}

// actionTable lists every form target of the site.
var actionTable = []action{
	{fr: "/fr/rendez-vous/coordonnees", en: "/en/appointments/details", handle: (*Site).bookAction, enabled: withBooking},
	{fr: "/fr/rendez-vous/{ref}/annuler", en: "/en/appointments/{ref}/cancel", handle: (*Site).cancelAction, enabled: withBooking},
	{fr: "/fr/rendez-vous/{ref}/deplacer", en: "/en/appointments/{ref}/move", handle: (*Site).moveAction, enabled: withBooking},
	{fr: "/fr/file/{point}", en: "/en/queue/{point}", handle: (*Site).takeAction, enabled: withQueue},
	{fr: "/fr/borne/{point}", en: "/en/kiosk/{point}", handle: (*Site).kioskAction, enabled: withQueue},
	{fr: "/fr/file/billet/{id}", en: "/en/queue/ticket/{id}", handle: (*Site).leaveAction, enabled: withQueue},
	{fr: "/fr/connexion", en: "/en/sign-in", handle: (*Site).signInAction, enabled: withIdentity},
	{fr: "/fr/connexion/code", en: "/en/sign-in/code", handle: (*Site).secondFactorAction, enabled: withIdentity},
	{fr: "/fr/inscription", en: "/en/sign-up", handle: (*Site).signUpAction, enabled: withIdentity},
	{fr: "/fr/courriel/verifier", en: "/en/email/verify", handle: (*Site).verifyEmailAction, enabled: withIdentity},
	{fr: "/fr/courriel/renvoyer", en: "/en/email/resend", handle: (*Site).verifyResendAction, enabled: withIdentity},
	{fr: "/fr/mot-de-passe/oubli", en: "/en/password/forgot", handle: (*Site).passwordForgotAction, enabled: withIdentity},
	{fr: "/fr/mot-de-passe/nouveau", en: "/en/password/new", handle: (*Site).passwordResetAction, enabled: withIdentity},
	{fr: "/fr/recuperation", en: "/en/recovery", handle: (*Site).counterRecoveryAction, enabled: withIdentity},
	{fr: "/fr/compte/application", en: "/en/account/authenticator", handle: (*Site).totpEnrolAction, enabled: withIdentity},
	{fr: "/fr/compte/application/retirer", en: "/en/account/authenticator/remove", handle: (*Site).totpRemoveAction, enabled: withIdentity},
	{fr: "/fr/compte/codes", en: "/en/account/codes", handle: (*Site).recoveryCodesAction, enabled: withIdentity},
	{fr: "/fr/compte/presence", en: "/en/account/presence", handle: (*Site).presenceAction, enabled: withIdentity},
	{fr: "/fr/compte/sessions/{ref}/fin", en: "/en/account/sessions/{ref}/end", handle: (*Site).endSessionAction, enabled: withIdentity},
	{fr: "/fr/compte/mot-de-passe", en: "/en/account/password", handle: (*Site).passwordChangeAction, enabled: withIdentity},
	{fr: "/fr/deconnexion", en: "/en/sign-out", handle: (*Site).signOutAction, enabled: withIdentity},
	{fr: "/fr/autorisation", en: "/en/authorization", handle: (*Site).authorizeAction, enabled: withOIDC},
	{fr: "/fr/compte/services/{client}/retirer", en: "/en/account/services/{client}/revoke", handle: (*Site).revokeConsentAction, enabled: withOIDC},
	{fr: "/fr/compte/cle/options", en: "/en/account/passkey/options", handle: (*Site).passkeyRegisterOptions, enabled: withIdentity},
	{fr: "/fr/compte/cle", en: "/en/account/passkey", handle: (*Site).passkeyRegister, enabled: withIdentity},
	{fr: "/fr/compte/cle/{id}/retirer", en: "/en/account/passkey/{id}/remove", handle: (*Site).passkeyRemoveAction, enabled: withIdentity},
	{fr: "/fr/connexion/cle/options", en: "/en/sign-in/passkey/options", handle: (*Site).passkeyLoginOptions, enabled: withIdentity},
	{fr: "/fr/connexion/cle", en: "/en/sign-in/passkey", handle: (*Site).passkeyLogin, enabled: withIdentity},
	{fr: "/fr/agent/connexion", en: "/en/agent/sign-in", handle: (*Site).agentSignInAction, enabled: withIdentity},
	{fr: "/fr/agent/identite", en: "/en/agent/identity", handle: (*Site).agentIdentityAction, enabled: withIdentity},
	{fr: "/fr/agent/equipe", en: "/en/agent/team", handle: (*Site).agentTeamAction, enabled: withIdentity},
	{fr: "/fr/agent/points/{id}/appeler", en: "/en/agent/points/{id}/call", handle: (*Site).agentCallAction, enabled: withAgentDesk},
	{fr: "/fr/agent/points/{id}/servi", en: "/en/agent/points/{id}/served", handle: (*Site).agentServedAction, enabled: withAgentDesk},
	{fr: "/fr/agent/points/{id}/absent", en: "/en/agent/points/{id}/no-show", handle: (*Site).agentNoShowAction, enabled: withAgentDesk},
	{fr: "/fr/agent/points/{id}/arrivee", en: "/en/agent/points/{id}/check-in", handle: (*Site).agentCheckInAction, enabled: withAgentDesk},
	{fr: "/fr/agent/points/{id}/deplacer", en: "/en/agent/points/{id}/move", handle: (*Site).agentMoveAction, enabled: withAgentDesk},
	{fr: "/fr/agent/points/{id}/rendez-vous", en: "/en/agent/points/{id}/appointments", handle: (*Site).agentBookAction, enabled: withAgentDesk},
	{fr: "/fr/agent/conversations/{id}", en: "/en/agent/conversations/{id}", handle: (*Site).agentReplyAction, enabled: withInbox},
	{fr: "/fr/agent/conversations/{id}/rendre", en: "/en/agent/conversations/{id}/hand-back", handle: (*Site).agentHandBackAction, enabled: withInbox},
	{fr: "/fr/liste-attente", en: "/en/waiting-list", handle: (*Site).joinAction, enabled: withBooking},
	{fr: "/fr/assistant", en: "/en/assistant", handle: (*Site).chatAction, enabled: withAssistant},
	{fr: "/fr/assistant/nouvelle", en: "/en/assistant/new", handle: (*Site).chatReset, enabled: withAssistant},
	{fr: "/fr/liste-attente/{ref}/accepter", en: "/en/waiting-list/{ref}/accept", handle: (*Site).acceptAction, enabled: withBooking},
	{fr: "/fr/liste-attente/{ref}/quitter", en: "/en/waiting-list/{ref}/leave", handle: (*Site).waitLeaveAction, enabled: withBooking},
	{fr: "/fr/agent/dossiers", en: "/en/agent/files", handle: (*Site).agentDossierAction, enabled: withDossier},
	{fr: "/fr/agent/corrections/{id}/traiter", en: "/en/agent/corrections/{id}/resolve", handle: (*Site).agentResolveAction, enabled: withDossier},
	{fr: "/fr/agent/confidentialite/{id}", en: "/en/agent/privacy/{id}", handle: (*Site).agentReviewAction, enabled: withDossier},
	{fr: "/fr/compte/dossier/consentements", en: "/en/account/file/consents", handle: (*Site).dossierGrantAction, enabled: withDossier},
	{fr: "/fr/compte/dossier/consentements/{id}/retirer", en: "/en/account/file/consents/{id}/revoke", handle: (*Site).dossierRevokeAction, enabled: withDossier},
	{fr: "/fr/compte/dossier/correction", en: "/en/account/file/correction", handle: (*Site).dossierCorrectionAction, enabled: withDossier},
	{fr: "/fr/compte/dossier/exportation", en: "/en/account/file/export", handle: (*Site).dossierExportAction, enabled: withDossier},
}

// example returns a concrete path of a page with a wildcard (for the tests
// that visit every page), "" when the catalogue has nothing to show.
func (s *Site) example(pageID string, l i18n.Lang) string {
	switch pageID {
	case "services":
		return s.pageURL(pageID, l, "", url.Values{"q": {map[i18n.Lang]string{i18n.FR: "carte soleil", i18n.EN: "health card"}[l]}})
	case "finder":
		if id := s.catalog.FirstPointID(); id != "" {
			if p, _, err := s.catalog.Point(id); err == nil && len(p.Offers) > 0 {
				return s.pageURL(pageID, l, "", url.Values{"service": {p.Offers[0].ServiceID}, "near": {p.Municipality}})
			}
		}
	case "service":
		if list := s.catalog.Services(l); len(list) > 0 {
			return s.pageURL(pageID, l, list[0].ID, nil)
		}
	case "point":
		if id := s.catalog.FirstPointID(); id != "" {
			return s.pageURL(pageID, l, id, nil)
		}
	case "booking_slots", "booking_details", "booking_manage":
		return s.bookingExample(pageID, l)
	case "waitlist_join", "waitlist_entry", "mailbox":
		return s.waitlistExample(pageID, l)
	case "queue", "kiosk", "queue_ticket":
		return s.queueExample(pageID, l)
	case "agent_point", "agent_book", "agent_inbox", "agent_conversation":
		return s.agentExample(pageID, l)
	}
	return ""
}

// Register adds the site's routes to the router.
func (s *Site) Register(rt *httpx.Router) {
	for _, p := range pageTable {
		if p.enabled != nil && !p.enabled(s) {
			continue
		}
		s.pages[p.id] = p
		for _, lang := range i18n.All {
			path := p.path(lang)
			pattern := path
			if strings.HasSuffix(pattern, "/") {
				pattern += "{$}"
			}
			h := p.handle
			lang := lang
			route := httpx.Route{Method: http.MethodGet, Path: pattern, Kind: httpx.Page, Page: p.id}
			route.Example = s.example(p.id, lang)
			rt.HandleFunc(route,
				func(w http.ResponseWriter, r *http.Request) { h(s, w, r, lang) })
		}
	}
	for _, a := range actionTable {
		if a.enabled != nil && !a.enabled(s) {
			continue
		}
		for _, lang := range i18n.All {
			h, lang := a.handle, lang
			rt.HandleFunc(httpx.Route{Method: http.MethodPost, Path: a.path(lang), Kind: httpx.Action},
				func(w http.ResponseWriter, r *http.Request) { h(s, w, r, lang) })
		}
	}
	rt.HandleFunc(httpx.Route{Method: http.MethodGet, Path: "/{$}", Kind: httpx.Action}, s.chooseLanguage)
	for _, lang := range i18n.All {
		target := "/" + string(lang) + "/"
		rt.HandleFunc(httpx.Route{Method: http.MethodGet, Path: "/" + string(lang) + "", Kind: httpx.Action},
			func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusMovedPermanently) })
	}
	rt.Handle(httpx.Route{Method: http.MethodGet, Path: "/static/", Kind: httpx.Asset}, s.assets)
	s.registerBooking(rt)
	s.registerDossier(rt)
}

// chooseLanguage sends / to /fr/ or /en/ by Accept-Language, French by default.
func (s *Site) chooseLanguage(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Negotiate(r.Header.Get("Accept-Language"))
	w.Header().Set("Vary", "Accept-Language")
	http.Redirect(w, r, "/"+string(lang)+"/", http.StatusFound)
}

// altURL is the current page in the other language: the other language's
// pattern with this request's wildcard values, and the same query.
func (s *Site) altURL(r *http.Request, lang i18n.Lang) string {
	other := lang.Other()
	for _, p := range s.pages {
		if strings.TrimSuffix(p.path(lang), "{$}") != strings.TrimSuffix(patternPath(httpx.MatchedRoute(r.Context())), "{$}") {
			continue
		}
		u := fill(p.path(other), r)
		if r.URL.RawQuery != "" {
			u += "?" + r.URL.RawQuery
		}
		return u
	}
	return "/" + string(other) + "/"
}

// patternPath drops the method from a "GET /path" pattern.
func patternPath(pattern string) string {
	if _, p, ok := strings.Cut(pattern, " "); ok {
		return p
	}
	return pattern
}

// fill replaces {name} wildcards of a pattern with the request's values.
func fill(pattern string, r *http.Request) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			b.WriteString(pattern)
			return b.String()
		}
		j := strings.IndexByte(pattern[i:], '}')
		if j < 0 {
			b.WriteString(pattern)
			return b.String()
		}
		b.WriteString(pattern[:i])
		name := strings.TrimSuffix(pattern[i+1:i+j], "...")
		if name != "$" {
			b.WriteString(r.PathValue(name))
		}
		pattern = pattern[i+j+1:]
	}
}

func (s *Site) home(w http.ResponseWriter, r *http.Request, lang i18n.Lang) {
	s.render(w, r, http.StatusOK, lang, "home", i18n.T(lang, "home.title"), nil)
}

func (s *Site) accessibility(w http.ResponseWriter, r *http.Request, lang i18n.Lang) {
	s.render(w, r, http.StatusOK, lang, "accessibility", i18n.T(lang, "accessibility.heading"), nil)
}

func (s *Site) transparency(w http.ResponseWriter, r *http.Request, lang i18n.Lang) {
	var data Transparency
	if s.trans != nil {
		var err error
		if data, err = s.trans.Transparency(r.Context()); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, lang, "transparency", i18n.T(lang, "transparency.heading"), data)
}
