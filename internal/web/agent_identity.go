package web

// An agent verifies a citizen's identity in person (the account reaches
// the highest level) or, when the citizen lost their second factors,
// restores the account and hands over a single-use code. Both are recorded
// in the audit log under the agent's account.

import (
	"net/http"
	"strings"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

// evidenceKinds are the identity documents an agent may accept (ids and
// message keys; the document's number is never recorded).
var evidenceKinds = []string{"driving_licence", "passport", "health_card", "permanent_resident", "citizenship"}

type agentIdentityView struct {
	Form     *form
	Action   string
	Evidence []option
	Recover  bool
}

type option struct {
	Value, Label string
	Selected     bool
}

func (s *Site) agentIdentityView(l i18n.Lang, f *form) agentIdentityView {
	v := agentIdentityView{Form: f, Action: s.pageURL("agent_identity", l, "", nil), Recover: f.Values["action"] == "recover"}
	for _, k := range evidenceKinds {
		v.Evidence = append(v.Evidence, option{Value: k, Label: i18n.T(l, "agent.identity.evidence."+k), Selected: f.Values["evidence"] == k})
	}
	return v
}

func (s *Site) agentIdentity(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if _, ok := s.requireStaff(w, r, l); !ok {
		return
	}
	s.render(w, r, http.StatusOK, l, "agent_identity", i18n.T(l, "agent.identity.title"), s.agentIdentityView(l, newForm()))
}

func (s *Site) agentIdentityAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	agent, ok := s.requireStaff(w, r, l)
	if !ok {
		return
	}
	f := newForm()
	f.Values["email"], f.Values["evidence"], f.Values["action"] = strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("evidence"), r.PostFormValue("action")
	check := identity.CounterCheck{Email: f.Values["email"], Presence: r.PostFormValue("presence")}
	for _, k := range evidenceKinds {
		if k == f.Values["evidence"] {
			check.Evidence = k
		}
	}
	var (
		a    identity.Account
		code string
		err  error
	)
	if f.Values["action"] == "recover" {
		a, code, err = s.identity.RecoverAtCounter(r.Context(), agent, check)
	} else {
		a, err = s.identity.VerifyIdentity(r.Context(), agent, check)
	}
	if err != nil {
		if !f.fail(l, err, "email") {
			s.Error(w, r, err)
			return
		}
		s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "agent_identity", i18n.T(l, "agent.identity.title"), s.agentIdentityView(l, f))
		return
	}
	privateHeaders(w)
	n := notice{Heading: i18n.T(l, "agent.identity.done_heading"), Paragraphs: []string{i18n.T(l, "agent.identity.verified", a.Name())},
		Links: []link{{s.pageURL("agent_identity", l, "", nil), i18n.T(l, "agent.identity.another")},
			{s.pageURL("agent_home", l, "", nil), i18n.T(l, "agent.home.link")}}}
	if code != "" {
		n.Heading = i18n.T(l, "agent.identity.recovery_heading")
		n.Paragraphs = []string{i18n.T(l, "agent.identity.recovery_started", a.Name()), i18n.T(l, "agent.identity.give_code")}
		n.Codes, n.CodesLabel = []string{code}, i18n.T(l, "agent.identity.code_label")
	}
	s.render(w, r, http.StatusOK, l, "notice", n.Heading, n)
}
