package web

// An organization's administrator sees its agents and creates new ones:
// the points they work at, their roles (never more than the administrator
// may give), and a first password shown once; the new agent adds a second
// factor at the first sign-in.

import (
	"net/http"
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
	Members      []teamMember
	Form         *form
	Action       string
	Points       []checkbox
	Roles        []checkbox
}

// requireTeamAdmin returns an agent who may create agents in their own
// organization; anyone else is Forbidden.
func (s *Site) requireTeamAdmin(w http.ResponseWriter, r *http.Request, l i18n.Lang) (identity.Account, bool) {
	a, ok := s.requireStaff(w, r, l)
	if !ok {
		return a, false
	}
	if len(identity.Grantable(a, a.OrganizationID)) == 0 {
		s.Error(w, r, errs.E(errs.Forbidden, "agent.team.forbidden"))
		return a, false
	}
	return a, true
}

func (s *Site) teamView(r *http.Request, l i18n.Lang, admin identity.Account, f *form, picked map[string]bool) (teamView, error) {
	v := teamView{Form: f, Action: s.pageURL("agent_team", l, "", nil)}
	if o, err := s.catalog.Organization(admin.OrganizationID); err == nil {
		v.Organization = o.Name.In(l)
	}
	names := map[string]string{}
	for i, p := range s.catalog.PointsOf(admin.OrganizationID) {
		names[p.ID] = p.Name.In(l)
		v.Points = append(v.Points, checkbox{ID: "point-" + strconv.Itoa(i), Value: p.ID, Label: p.Name.In(l) + " (" + p.Municipality + ")", Checked: picked["point:"+p.ID]})
	}
	for _, role := range identity.Grantable(admin, admin.OrganizationID) {
		v.Roles = append(v.Roles, checkbox{ID: "role-" + string(role), Value: string(role), Label: i18n.T(l, "agent.team.role."+string(role)),
			Checked: picked["role:"+string(role)] || (picked == nil && role == identity.RoleAgent)})
	}
	agents, err := s.identity.Agents(r.Context(), admin.OrganizationID)
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
	admin, ok := s.requireTeamAdmin(w, r, l)
	if !ok {
		return
	}
	v, err := s.teamView(r, l, admin, newForm(), nil)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "agent_team", i18n.T(l, "agent.team.title"), v)
}

func (s *Site) agentTeamAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	admin, ok := s.requireTeamAdmin(w, r, l)
	if !ok {
		return
	}
	r.ParseForm()
	in := identity.NewAgent{Email: strings.TrimSpace(r.PostFormValue("email")), GivenName: r.PostFormValue("given_name"),
		FamilyName: r.PostFormValue("family_name"), OrganizationID: admin.OrganizationID, Locale: string(l)}
	picked := map[string]bool{}
	own := s.catalog.PointsOf(admin.OrganizationID)
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
		v, verr := s.teamView(r, l, admin, f, picked)
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
		Links: []link{{s.pageURL("agent_team", l, "", nil), i18n.T(l, "agent.team.back")}}})
}
