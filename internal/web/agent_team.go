package web

// An organization's administrator sees its agents and creates new ones:
// the points they work at, their roles (never more than the administrator
// may give), and a first password shown once; the new agent adds a second
// factor at the first sign-in.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

type teamMember struct {
	Name, Email, Roles, Points string
}

type checkbox struct {
	ID, Value, Label string
	Checked          bool
}

type teamView struct {
	Organization string
	OrgID        string
	Orgs         []option // a platform administrator picks the organization
	OrgAction    string
	Members      []teamMember
	Form         *form
	Action       string
	Points       []checkbox
	Roles        []checkbox
}

// requireTeamAdmin returns an agent who may create agents in an
// organization, and that organization: their own, or, for a platform
// administrator, the one asked for (org); anyone else is Forbidden.
func (s *Site) requireTeamAdmin(w http.ResponseWriter, r *http.Request, l i18n.Lang, org string) (identity.Account, string, bool) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return a, "", false
	}
	if !a.Has(identity.RolePlatformAdmin) || org == "" {
		org = a.OrganizationID
	}
	if org == "" && a.Has(identity.RolePlatformAdmin) {
		if orgs := s.catalog.Organizations(); len(orgs) > 0 {
			org = orgs[0].ID
		}
	}
	if _, err := s.catalog.Organization(org); err != nil || len(identity.Grantable(a, org)) == 0 {
		s.Error(w, r, errs.E(errs.Forbidden, "agent.team.forbidden"))
		return a, "", false
	}
	return a, org, true
}

func (s *Site) teamView(r *http.Request, l i18n.Lang, admin identity.Account, org string, f *form, picked map[string]bool) (teamView, error) {
	v := teamView{Form: f, Action: s.pageURL("agent_team", l, "", nil), OrgID: org, OrgAction: s.pageURL("agent_team", l, "", nil)}
	if o, err := s.catalog.Organization(org); err == nil {
		v.Organization = o.Name.In(l)
	}
	if admin.Has(identity.RolePlatformAdmin) {
		for _, o := range s.catalog.Organizations() {
			v.Orgs = append(v.Orgs, option{Value: o.ID, Label: o.Name.In(l), Selected: o.ID == org})
		}
	}
	names := map[string]string{}
	for i, p := range s.catalog.PointsOf(org) {
		names[p.ID] = p.Name.In(l)
		v.Points = append(v.Points, checkbox{ID: "point-" + strconv.Itoa(i), Value: p.ID, Label: p.Name.In(l) + " (" + p.Municipality + ")", Checked: picked["point:"+p.ID]})
	}
	for _, role := range identity.Grantable(admin, org) {
		v.Roles = append(v.Roles, checkbox{ID: "role-" + string(role), Value: string(role), Label: i18n.T(l, "agent.team.role."+string(role)),
			Checked: picked["role:"+string(role)] || (picked == nil && role == identity.RoleAgent)})
	}
	agents, err := s.identity.Agents(r.Context(), org)
	if err != nil {
		return v, err
	}
	for _, a := range agents {
		var roles, points []string
		for _, role := range a.Roles {
			roles = append(roles, i18n.T(l, "agent.team.role."+string(role)))
		}
		for _, p := range a.Points {
			if n, ok := names[p]; ok {
				points = append(points, n)
			}
		}
		v.Members = append(v.Members, teamMember{Name: a.Name(), Email: a.Email, Roles: strings.Join(roles, ", "), Points: strings.Join(points, ", ")})
	}
	return v, nil
}

func (s *Site) agentTeam(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	admin, org, ok := s.requireTeamAdmin(w, r, l, r.URL.Query().Get("org"))
	if !ok {
		return
	}
	v, err := s.teamView(r, l, admin, org, newForm(), nil)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "agent_team", i18n.T(l, "agent.team.title"), v)
}

func (s *Site) agentTeamAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	admin, org, ok := s.requireTeamAdmin(w, r, l, r.PostFormValue("org"))
	if !ok {
		return
	}
	r.ParseForm()
	in := identity.NewAgent{Email: strings.TrimSpace(r.PostFormValue("email")), GivenName: r.PostFormValue("given_name"),
		FamilyName: r.PostFormValue("family_name"), OrganizationID: org, Locale: string(l)}
	picked := map[string]bool{}
	own := s.catalog.PointsOf(org)
	for _, p := range r.PostForm["points"] {
		if slices.ContainsFunc(own, func(x catalog.ServicePoint) bool { return x.ID == p }) {
			in.Points = append(in.Points, p)
			picked["point:"+p] = true
		}
	}
	for _, role := range r.PostForm["roles"] {
		in.Roles = append(in.Roles, identity.Role(role))
		picked["role:"+role] = true
	}
	f := newForm()
	f.Values["email"], f.Values["given_name"], f.Values["family_name"] = in.Email, in.GivenName, in.FamilyName
	var err error
	if len(in.Points) == 0 {
		err = errs.E(errs.Invalid, "agent.team.points_required").OnField("points")
	}
	var created identity.Account
	password := identity.NewPassword()
	if err == nil {
		created, err = s.identity.CreateAgent(r.Context(), &admin, in, password)
	}
	if err != nil {
		if !f.fail(l, err, "email") {
			s.Error(w, r, err)
			return
		}
		v, verr := s.teamView(r, l, admin, org, f, picked)
		if verr != nil {
			s.Error(w, r, verr)
			return
		}
		s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "agent_team", i18n.T(l, "agent.team.title"), v)
		return
	}
	privateHeaders(w)
	s.render(w, r, http.StatusOK, l, "notice", i18n.T(l, "agent.team.created_heading"), notice{
		Heading:    i18n.T(l, "agent.team.created_heading"),
		Paragraphs: []string{i18n.T(l, "agent.team.created", created.Name(), created.Email), i18n.T(l, "agent.team.give_password")},
		Codes:      []string{password}, CodesLabel: i18n.T(l, "agent.team.password_label"),
		Links: []link{{s.pageURL("agent_team", l, "", url.Values{"org": {org}}), i18n.T(l, "agent.team.back")}}})
}
