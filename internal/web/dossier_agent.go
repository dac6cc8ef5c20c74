package web

// An agent opens a citizen's file: the form asks who, for which purpose of
// the agent's organization (with its legal basis) and under which case or
// appointment reference; break-glass asks for a written justification. The
// file is shown in the answer to that post, never at an address of its own
// (nothing personal in URLs, browser history or access logs), and only
// through dossier.Service.Open, which refuses without a purpose and a
// reference and writes the access to the audit log.
//
// personalDataRoutes lists the routes whose answers show a citizen's file to
// an agent; the end-to-end test checks it against the router and proves
// each refuses without a purpose and a reference.

import (
	"net/http"
	"strings"

	"github.com/guichet-qc/guichet/internal/dossier"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

// PersonalDataRoutes returns the "METHOD path" patterns of the routes that
// show a citizen's file to an agent. Each must refuse without a purpose
// and a reference (the test enumerates the router against this list).
func PersonalDataRoutes() []string {
	return []string{"POST /fr/agent/dossiers", "POST /en/agent/files"}
}

func statusOf(err error) int { return httpx.Status(errs.CodeOf(err)) }

type purposeOption struct {
	Value, Label, Basis, Fields string
	Selected                    bool
}

type agentDossierView struct {
	Form        *form
	Action      string
	Purposes    []purposeOption
	BreakGlass  bool
	MinJust     int
	Corrections string
}

func (s *Site) agentDossierView(r *http.Request, l i18n.Lang, a identity.Account, f *form) (agentDossierView, error) {
	v := agentDossierView{Form: f, Action: s.pageURL("agent_dossier", l, "", nil), BreakGlass: f.Values["break_glass"] == "1",
		MinJust: dossier.MinJustification, Corrections: s.pageURL("agent_corrections", l, "", nil)}
	list, err := s.dossier.Purposes(r.Context(), a.OrganizationID)
	for _, p := range list {
		v.Purposes = append(v.Purposes, purposeOption{Value: p.ID, Label: p.Name(l), Basis: p.Basis(l), Fields: fieldLabels(l, p.Fields),
			Selected: f.Values["purpose"] == p.ID})
	}
	return v, err
}

func (s *Site) agentDossier(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return
	}
	f := newForm()
	// A link from the corrections queue fills in the purpose and the reference
	// (never personal data).
	f.Values["purpose"], f.Values["reference"] = r.URL.Query().Get("finalite"), r.URL.Query().Get("reference")
	v, err := s.agentDossierView(r, l, a, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "dossier_agent", i18n.T(l, "dossier.agent.title"), v)
}

type openedView struct {
	Purpose, Basis, Reference, When, Organization string
	BreakGlass                                    bool
	Attributes                                    []attributeRow
	Hidden                                        string // fields not shown by this purpose
	Cards                                         []cardRow
	ShowCards, ShowCorrections                    bool
	Corrections                                   []correctionRow
	Another                                       string
}

func (s *Site) agentDossierAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return
	}
	f := newForm()
	for _, k := range []string{"citizen", "purpose", "reference", "justification", "break_glass"} {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	opened, err := s.dossier.Open(r.Context(), a, dossier.OpenRequest{Citizen: f.Values["citizen"], Purpose: f.Values["purpose"],
		Reference: f.Values["reference"], BreakGlass: f.Values["break_glass"] == "1", Justification: f.Values["justification"]})
	if err != nil {
		if !f.fail(l, err, "citizen") {
			s.Error(w, r, err)
			return
		}
		v, verr := s.agentDossierView(r, l, a, f)
		if verr != nil {
			s.Error(w, r, verr)
			return
		}
		s.render(w, r, statusOf(err), l, "dossier_agent", i18n.T(l, "dossier.agent.title"), v)
		return
	}
	v := openedView{Purpose: opened.Purpose.Name(l), Basis: opened.Purpose.Basis(l), Reference: opened.Access.Reference,
		When: dateTime(l, opened.Access.Time), Organization: s.orgName(l, opened.Access.Organization), BreakGlass: opened.Access.BreakGlass,
		ShowCards: contains(opened.Fields, dossier.FieldCards), ShowCorrections: contains(opened.Fields, dossier.FieldCorrections),
		Another: s.pageURL("agent_dossier", l, "", nil)}
	var hidden []string
	for _, name := range dossier.Attributes {
		if !contains(opened.Fields, name) {
			hidden = append(hidden, name)
			continue
		}
		val := opened.File.Attributes[name]
		if val == "" {
			val = i18n.T(l, "dossier.not_on_file")
		}
		v.Attributes = append(v.Attributes, attributeRow{fieldLabel(l, name), val})
	}
	v.Hidden = fieldLabels(l, hidden)
	v.Cards = s.cardRows(l, opened.File.Cards)
	v.Corrections = s.correctionRows(l, opened.File.Corrections)
	s.render(w, r, http.StatusOK, l, "dossier_agent_view", i18n.T(l, "dossier.agent.view_title"), v)
}

// ---- the organization's correction requests ----

type queueRow struct {
	ID, Field, Created, Status, OpenURL, Resolve, Resolution, ResolvedBy string
	Open                                                                 bool
}

type correctionsQueueView struct {
	Notice string
	Form   *form
	Rows   []queueRow
}

func (s *Site) agentCorrectionsView(r *http.Request, l i18n.Lang, a identity.Account, f *form) (correctionsQueueView, error) {
	v := correctionsQueueView{Form: f}
	list, err := s.dossier.CorrectionQueue(r.Context(), a)
	for _, c := range list {
		v.Rows = append(v.Rows, queueRow{ID: c.ID, Field: fieldLabel(l, c.Field), Created: dateTime(l, c.CreatedAt),
			Status: correctionStatus(l, c.Status), Open: c.Status == "open", ResolvedBy: c.ResolvedBy,
			OpenURL: s.pageURL("agent_dossier", l, "", map[string][]string{"finalite": {"correction"}, "reference": {c.ID}}),
			Resolve: s.actionURL(l, "/agent/corrections/"+c.ID+"/traiter", "/agent/corrections/"+c.ID+"/resolve")})
	}
	return v, err
}

func (s *Site) agentCorrections(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return
	}
	v, err := s.agentCorrectionsView(r, l, a, newForm())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if r.URL.Query().Get("traite") == "1" {
		v.Notice = i18n.T(l, "dossier.queue.resolved")
	}
	s.render(w, r, http.StatusOK, l, "dossier_agent_corrections", i18n.T(l, "dossier.queue.title"), v)
}

func (s *Site) agentResolveAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if err := s.dossier.ResolveCorrection(r.Context(), a, id, r.PostFormValue("note")); err != nil {
		f := newForm()
		if !f.fail(l, err, "note-"+id) {
			s.Error(w, r, err)
			return
		}
		if len(f.Errors) > 0 && f.Errors[0].ID == "note" {
			f.Errors[0].ID = "note-" + id
			f.ByField["note-"+id] = f.Errors[0].Message
		}
		v, verr := s.agentCorrectionsView(r, l, a, f)
		if verr != nil {
			s.Error(w, r, verr)
			return
		}
		s.render(w, r, statusOf(err), l, "dossier_agent_corrections", i18n.T(l, "dossier.queue.title"), v)
		return
	}
	http.Redirect(w, r, s.pageURL("agent_corrections", l, "", map[string][]string{"traite": {"1"}}), http.StatusSeeOther)
}
