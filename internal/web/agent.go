package web

// The agent screens: the agent's home, a point's counter screen
// (agent_point.go) and booking on behalf of a citizen (agent_book.go).
//
// Least privilege: every agent page and action goes through requireStaff
// (a live session) and, for a point, agentPoint (the account works there:
// MayServe). Actions carry the agent as "account:<id>" into the queue and the
// booking service, whose audit entries name them. Nothing personal is
// logged here.

import (
	"net/http"
	"net/url"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

// agentHeaders marks an agent answer as private: not indexed (the layout is
// shared with public pages, so the header carries it) and not stored.
func agentHeaders(w http.ResponseWriter) { privateHeaders(w) }

// agentID is how the queue and the booking service name an agent.
func agentID(a identity.Account) string { return "account:" + a.ID }

// requireStaff returns the signed-in agent. Without a live session it
// answers a redirect (303) to the agents' sign-in page, with the page
// asked for in next (GET only), and reports false; a citizen's session is
// Forbidden.
func (s *Site) requireStaff(w http.ResponseWriter, r *http.Request, l i18n.Lang) (identity.Account, bool) {
	a, _, ok := s.requireAccount(w, r, l, "agent_signin")
	if !ok {
		return identity.Account{}, false
	}
	if a.Kind != identity.Agent {
		s.Error(w, r, errs.E(errs.Forbidden, "agent.not_agent"))
		return identity.Account{}, false
	}
	return a, true
}

// agentPoint returns a service point the agent works at; another point is
// Forbidden (an unknown one too: agents learn nothing of other points).
func (s *Site) agentPoint(a identity.Account, id string) (catalog.ServicePoint, catalog.Schedule, error) {
	if !a.MayServe(id) {
		return catalog.ServicePoint{}, catalog.Schedule{}, errs.E(errs.Forbidden, "agent.forbidden_point")
	}
	p, sched, err := s.catalog.Point(id)
	if err != nil {
		return catalog.ServicePoint{}, catalog.Schedule{}, errs.E(errs.Forbidden, "agent.forbidden_point")
	}
	return p, sched, nil
}

// ---- home ----

type agentPointLink struct {
	Name, Municipality, URL string
}

type agentHomeView struct {
	Name, Organization string
	Points             []agentPointLink
	SignOut            string
	AccountURL         string
	IdentityURL        string
	TeamURL            string // "" unless the agent manages the team
	InboxURL           string // the conversations handed over by the assistant ("" without one)
	PrivacyOfficer     bool   // reviews break-glass accesses to citizens' files
}

func (s *Site) agentHome(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return
	}
	v := agentHomeView{Name: a.Name(), SignOut: signOutURL(l), AccountURL: s.pageURL("account", l, "", nil),
		IdentityURL: s.pageURL("agent_identity", l, "", nil), PrivacyOfficer: a.Has(identity.RolePrivacyOfficer)}
	if len(identity.Grantable(a, a.OrganizationID)) > 0 || a.Has(identity.RolePlatformAdmin) {
		v.TeamURL = s.pageURL("agent_team", l, "", nil)
	}
	if _, ok := s.pages["agent_inbox"]; ok {
		v.InboxURL = s.pageURL("agent_inbox", l, "", nil)
	}
	if o, err := s.catalog.Organization(a.OrganizationID); err == nil {
		v.Organization = o.Name.In(l)
	}
	for _, id := range a.Points {
		p, _, err := s.catalog.Point(id)
		if err != nil {
			continue // the point left the catalogue
		}
		v.Points = append(v.Points, agentPointLink{Name: p.Name.In(l), Municipality: p.Municipality,
			URL: s.pageURL("agent_point", l, p.ID, nil)})
	}
	s.render(w, r, http.StatusOK, l, "agent_home", i18n.T(l, "agent.home.title"), v)
}

// signOutURL is the sign-out action in l.
func signOutURL(l i18n.Lang) string {
	if l == i18n.EN {
		return "/en/sign-out"
	}
	return "/fr/deconnexion"
}

// agentActionURL is the path of an action on a point's screen, in l.
func agentActionURL(l i18n.Lang, pointID, fr, en string) string {
	if l == i18n.EN {
		return "/en/agent/points/" + url.PathEscape(pointID) + "/" + en
	}
	return "/fr/agent/points/" + url.PathEscape(pointID) + "/" + fr
}

// agentExample is the example path of an agent page: the first
// demonstration point (the demonstration agent works there).
func (s *Site) agentExample(pageID string, l i18n.Lang) string {
	switch pageID {
	case "agent_inbox":
		return s.pageURL(pageID, l, "", nil)
	case "agent_conversation":
		if s.demoConversation == "" {
			return ""
		}
		return s.pageURL(pageID, l, s.demoConversation, nil)
	}
	id := s.catalog.FirstPointID()
	if id == "" {
		return ""
	}
	if pageID == "agent_book" {
		if pointID, serviceID := BookableExample(s.catalog); pointID == id {
			return s.pageURL(pageID, l, id, url.Values{"service": {serviceID}})
		}
	}
	return s.pageURL(pageID, l, id, nil)
}
