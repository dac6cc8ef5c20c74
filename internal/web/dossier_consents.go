package web

// The citizen's consents: for each purpose an organization bases on
// consent, the citizen chooses which parts of their file to share, and
// revokes at any time (effective at once). Each grant and revocation has a
// signed receipt (JWS, ES256) to download.

import (
	"net/http"
	"strings"

	"github.com/guichet-qc/guichet/internal/dossier"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
)

type consentBox struct {
	ID, Value, Label string
	Checked          bool
}

type consentOffer struct {
	Organization, OrgID, Purpose, PurposeID, Basis string
	Fields                                         []consentBox
	HeadingID                                      string
	Live                                           bool
}

type consentItem struct {
	Organization, Purpose, Fields, Granted, Revoked string
	GrantReceipt, RevokeReceipt, RevokeAction       string
}

type consentsView struct {
	Nav         dossierNav
	Notice      string
	Problem     string
	Offers      []consentOffer
	Live, Past  []consentItem
	GrantAction string
	VerifyURL   string
}

func (s *Site) dossierConsents(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	v, err := s.consentsView(r, l, a.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	switch r.URL.Query().Get("fait") {
	case "accorde":
		v.Notice = i18n.T(l, "dossier.consents.granted")
	case "retire":
		v.Notice = i18n.T(l, "dossier.consents.revoked")
	}
	s.render(w, r, http.StatusOK, l, "dossier_consents", i18n.T(l, "dossier.consents.title"), v)
}

func (s *Site) consentsView(r *http.Request, l i18n.Lang, citizenID string) (consentsView, error) {
	ctx := r.Context()
	v := consentsView{Nav: s.dossierNav(l), GrantAction: s.pageURL("dossier_consents", l, "", nil), VerifyURL: s.pageURL("dossier_verify", l, "", nil)}
	purposes, err := s.dossier.Purposes(ctx, "")
	if err != nil {
		return v, err
	}
	consents, err := s.dossier.Consents(ctx, citizenID)
	if err != nil {
		return v, err
	}
	live := map[string]dossier.Consent{}
	for _, c := range consents {
		if c.Live() {
			live[c.Organization+"/"+c.Purpose] = c
		}
	}
	names := map[string]dossier.Purpose{}
	for _, p := range purposes {
		names[p.Organization+"/"+p.ID] = p
		if !p.NeedsConsent {
			continue
		}
		c, isLive := live[p.Organization+"/"+p.ID]
		o := consentOffer{Organization: s.orgName(l, p.Organization), OrgID: p.Organization, Purpose: p.Name(l), PurposeID: p.ID,
			Basis: p.Basis(l), HeadingID: "offer-" + p.Organization + "-" + p.ID, Live: isLive}
		for _, f := range p.Fields {
			o.Fields = append(o.Fields, consentBox{ID: "c-" + p.Organization + "-" + p.ID + "-" + f, Value: f, Label: fieldLabel(l, f),
				Checked: isLive && contains(c.Fields, f)})
		}
		v.Offers = append(v.Offers, o)
	}
	for _, c := range consents {
		item := consentItem{Organization: s.orgName(l, c.Organization), Purpose: c.Purpose, Fields: fieldLabels(l, c.Fields),
			Granted: dateTime(l, c.GrantedAt), GrantReceipt: receiptURL(l, c.ID, "grant")}
		if p, ok := names[c.Organization+"/"+c.Purpose]; ok {
			item.Purpose = p.Name(l)
		}
		if c.Live() {
			item.RevokeAction = s.actionURL(l, "/compte/dossier/consentements/"+c.ID+"/retirer", "/account/file/consents/"+c.ID+"/revoke")
			v.Live = append(v.Live, item)
			continue
		}
		item.Revoked, item.RevokeReceipt = dateTime(l, c.RevokedAt), receiptURL(l, c.ID, "revoke")
		v.Past = append(v.Past, item)
	}
	return v, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func receiptURL(l i18n.Lang, id, kind string) string {
	if l == i18n.EN {
		return "/en/account/file/consents/" + id + "/receipt/" + kind
	}
	return "/fr/compte/dossier/consentements/" + id + "/recu/" + kind
}

func (s *Site) dossierGrantAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, errs.E(errs.Invalid, "dossier.bad_value"))
		return
	}
	_, err := s.dossier.Grant(r.Context(), a.ID, strings.TrimSpace(r.PostForm.Get("organization")), strings.TrimSpace(r.PostForm.Get("purpose")), r.PostForm["fields"])
	if err != nil {
		s.consentProblem(w, r, l, a.ID, err)
		return
	}
	http.Redirect(w, r, s.pageURL("dossier_consents", l, "", map[string][]string{"fait": {"accorde"}}), http.StatusSeeOther)
}

func (s *Site) dossierRevokeAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	if _, err := s.dossier.Revoke(r.Context(), a.ID, r.PathValue("id")); err != nil {
		s.consentProblem(w, r, l, a.ID, err)
		return
	}
	http.Redirect(w, r, s.pageURL("dossier_consents", l, "", map[string][]string{"fait": {"retire"}}), http.StatusSeeOther)
}

// consentProblem shows the consents page again with the error on top.
func (s *Site) consentProblem(w http.ResponseWriter, r *http.Request, l i18n.Lang, citizenID string, err error) {
	f := newForm()
	if !f.fail(l, err, "") {
		s.Error(w, r, err)
		return
	}
	v, verr := s.consentsView(r, l, citizenID)
	if verr != nil {
		s.Error(w, r, verr)
		return
	}
	v.Problem = f.Problem
	if v.Problem == "" && len(f.Errors) > 0 {
		v.Problem = f.Errors[0].Message
	}
	s.render(w, r, statusOf(err), l, "dossier_consents", i18n.T(l, "dossier.consents.title"), v)
}

// dossierReceipt downloads a receipt (compact JWS) of one of the person's consents.
func (s *Site) dossierReceipt(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	kind := r.PathValue("kind")
	jws, err := s.dossier.ReceiptOf(r.Context(), a.ID, r.PathValue("id"), kind)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	privateHeaders(w)
	w.Header().Set("Content-Type", "application/jose; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="guichet-recu-`+kind+`-`+r.PathValue("id")+`.jws"`)
	w.Write([]byte(jws + "\n"))
}
