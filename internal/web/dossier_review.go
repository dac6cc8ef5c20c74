package web

// The privacy officers' review of break-glass accesses: who opened which
// file (by account number only), for what, with what justification; the
// officer marks each reviewed with a note. Other agents are refused.

import (
	"net/http"

	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

type reviewRow struct {
	ID, When, Agent, Purpose, Reference, Citizen, Justification, Fields string
	Reviewed                                                            bool
	ReviewedAt, ReviewedBy, Note, Action, NoteID                        string
}

type reviewView struct {
	Notice string
	Form   *form
	Rows   []reviewRow
}

func (s *Site) agentReviewView(r *http.Request, l i18n.Lang, a identity.Account, f *form) (reviewView, error) {
	v := reviewView{Form: f}
	list, err := s.dossier.ReviewQueue(r.Context(), a)
	if err != nil {
		return v, err
	}
	purposes, err := s.purposeIndex(r.Context())
	for _, x := range list {
		row := reviewRow{ID: x.ID, When: dateTime(l, x.Time), Agent: x.AgentName, Purpose: x.Purpose, Reference: x.Reference,
			Citizen: x.CitizenID, Justification: x.Justification, Fields: fieldLabels(l, x.Fields), Reviewed: !x.ReviewedAt.IsZero(),
			ReviewedBy: x.ReviewedBy, Note: x.ReviewNote, NoteID: "note-" + x.ID,
			Action: s.actionURL(l, "/agent/confidentialite/"+x.ID, "/agent/privacy/"+x.ID)}
		if row.Reviewed {
			row.ReviewedAt = dateTime(l, x.ReviewedAt)
		}
		if p, ok := purposes[x.Organization+"/"+x.Purpose]; ok {
			row.Purpose = p.Name(l)
		}
		v.Rows = append(v.Rows, row)
	}
	return v, err
}

func (s *Site) agentReview(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return
	}
	v, err := s.agentReviewView(r, l, a, newForm())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if r.URL.Query().Get("revu") == "1" {
		v.Notice = i18n.T(l, "dossier.review.done")
	}
	s.render(w, r, http.StatusOK, l, "dossier_agent_review", i18n.T(l, "dossier.review.title"), v)
}

func (s *Site) agentReviewAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if err := s.dossier.MarkReviewed(r.Context(), a, id, r.PostFormValue("note")); err != nil {
		f := newForm()
		if !f.fail(l, err, "") {
			s.Error(w, r, err)
			return
		}
		if len(f.Errors) > 0 {
			f.Errors[0].ID = "note-" + id
			f.ByField["note-"+id] = f.Errors[0].Message
		}
		v, verr := s.agentReviewView(r, l, a, f)
		if verr != nil {
			s.Error(w, r, err)
			return
		}
		s.render(w, r, statusOf(err), l, "dossier_agent_review", i18n.T(l, "dossier.review.title"), v)
		return
	}
	http.Redirect(w, r, s.pageURL("agent_review", l, "", map[string][]string{"revu": {"1"}}), http.StatusSeeOther)
}
