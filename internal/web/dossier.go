package web

// The citizen's file ("Mon dossier"): what is on file, the cards with their
// expiry and a link to renew them online, the upcoming appointments, the
// export (Law 25: access and portability) and correction requests. The
// pages of who opened the file (dossier_accesses.go), of consents
// (dossier_consents.go) and the agents' pages (dossier_agent.go,
// dossier_review.go) build on the same helpers. Every page is private
// (requireAccount sets no-store and noindex); nothing personal is logged.

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/dossier"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

func withDossier(s *Site) bool { return s.dossier != nil && s.identity != nil }

// dossierZone is the time zone the file's pages show times in.
var dossierZone = func() *time.Location {
	if l, err := time.LoadLocation("America/Toronto"); err == nil {
		return l
	}
	return time.UTC
}()

func fieldLabel(l i18n.Lang, f string) string { return i18n.T(l, "dossier.field."+f) }

func fieldLabels(l i18n.Lang, fields []string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = fieldLabel(l, f)
	}
	return strings.Join(out, ", ")
}

func (s *Site) orgName(l i18n.Lang, id string) string {
	if o, err := s.catalog.Organization(id); err == nil {
		return o.Name.In(l)
	}
	return id
}

// purposeNames maps "org/purpose" to the purposes.
func (s *Site) purposeIndex(ctx context.Context) (map[string]dossier.Purpose, error) {
	list, err := s.dossier.Purposes(ctx, "")
	out := map[string]dossier.Purpose{}
	for _, p := range list {
		out[p.Organization+"/"+p.ID] = p
	}
	return out, err
}

func dateTime(l i18n.Lang, t time.Time) string { return dateTimeIn(l, t.In(dossierZone)) }

// dateTimeIn formats t in its own zone (an appointment in its point's zone).
func dateTimeIn(l i18n.Lang, t time.Time) string { return l.Date(t) + ", " + l.Time(t) }

// dossierNav is the menu shared by the file's pages.
type dossierNav struct{ File, Cards, Accesses, Consents, Export, Correction string }

func (s *Site) dossierNav(l i18n.Lang) dossierNav {
	return dossierNav{File: s.pageURL("dossier", l, "", nil), Cards: s.pageURL("dossier_cards", l, "", nil),
		Accesses: s.pageURL("dossier_accesses", l, "", nil), Consents: s.pageURL("dossier_consents", l, "", nil),
		Export: s.pageURL("dossier_export", l, "", nil), Correction: s.pageURL("dossier_correction", l, "", nil)}
}

// ---- my file ----

type attributeRow struct{ Label, Value string }

type cardRow struct {
	Kind, Number, Expires, Status, RenewURL string
	Soon, Expired                           bool
}

type appointmentRow struct{ When, Service, Point, Reference, URL string }

type correctionRow struct {
	ID, Organization, Field, Message, Created, Status, Resolution string
}

type dossierView struct {
	Nav          dossierNav
	Notice       string
	Name         string
	AccountID    string
	Attributes   []attributeRow
	Cards        []cardRow
	Appointments []appointmentRow
	Corrections  []correctionRow
	Empty        bool
}

func (s *Site) dossierPage(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	ctx := r.Context()
	f, err := s.dossier.Mine(ctx, a.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v := dossierView{Nav: s.dossierNav(l), Name: a.Name(), AccountID: a.ID, Empty: f.Empty()}
	for _, name := range dossier.Attributes {
		if val, ok := f.Attributes[name]; ok {
			v.Attributes = append(v.Attributes, attributeRow{fieldLabel(l, name), val})
		}
	}
	v.Cards = s.cardRows(l, f.Cards)
	if s.booking != nil && a.Email != "" {
		list, err := s.booking.Upcoming(ctx, a.Email)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		for _, ap := range list {
			row := appointmentRow{Reference: ap.Reference, URL: s.pageURL("booking_manage", l, ap.Reference, nil)}
			if p, sched, err := s.catalog.Point(ap.PointID); err == nil {
				row.Point = p.Name.In(l)
				row.When = dateTimeIn(l, ap.Start.In(sched.Location()))
			} else {
				row.When = dateTime(l, ap.Start)
			}
			if sv, err := s.catalog.Service(ap.ServiceID); err == nil {
				row.Service = sv.Name.In(l)
			}
			v.Appointments = append(v.Appointments, row)
		}
	}
	cs, err := s.dossier.MyCorrections(ctx, a.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v.Corrections = s.correctionRows(l, cs)
	if r.URL.Query().Get("correction") == "1" {
		v.Notice = i18n.T(l, "dossier.correction.sent")
	}
	s.render(w, r, http.StatusOK, l, "dossier_file", i18n.T(l, "dossier.file.title"), v)
}

func (s *Site) correctionRows(l i18n.Lang, cs []dossier.Correction) []correctionRow {
	var out []correctionRow
	for _, c := range cs {
		out = append(out, correctionRow{ID: c.ID, Organization: s.orgName(l, c.Organization), Field: fieldLabel(l, c.Field),
			Message: c.Message, Created: dateTime(l, c.CreatedAt), Status: correctionStatus(l, c.Status), Resolution: c.Resolution})
	}
	return out
}

// ---- my cards ----

func (s *Site) cardRows(l i18n.Lang, cards []dossier.Card) []cardRow {
	today := s.now().In(dossierZone)
	todayDate := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var out []cardRow
	for _, c := range cards {
		row := cardRow{Kind: i18n.T(l, "dossier.card."+c.Kind), Number: c.Number, Expires: l.Date(c.ExpiresOn)}
		if k, ok := dossier.CardKinds[c.Kind]; ok {
			row.RenewURL = s.pageURL("service", l, k.Service, nil)
		}
		switch days := int(c.ExpiresOn.Sub(todayDate).Hours() / 24); {
		case days < 0:
			row.Expired, row.Status = true, i18n.T(l, "dossier.card.expired")
		case days == 0:
			row.Soon, row.Status = true, i18n.T(l, "dossier.card.expires_today")
		case days == 1:
			row.Soon, row.Status = true, i18n.T(l, "dossier.card.expires_tomorrow")
		case days <= 60:
			row.Soon, row.Status = true, i18n.T(l, "dossier.card.expires_in", days)
		default:
			row.Status = i18n.T(l, "dossier.card.valid")
		}
		out = append(out, row)
	}
	return out
}

type cardsView struct {
	Nav   dossierNav
	Cards []cardRow
}

func (s *Site) dossierCards(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	f, err := s.dossier.Mine(r.Context(), a.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "dossier_cards", i18n.T(l, "dossier.cards.title"), cardsView{Nav: s.dossierNav(l), Cards: s.cardRows(l, f.Cards)})
}

// ---- export ----

type exportView struct {
	Nav       dossierNav
	Action    string
	VerifyURL string
}

func (s *Site) dossierExport(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if _, _, ok := s.requireAccount(w, r, l, "sign_in"); !ok {
		return
	}
	s.render(w, r, http.StatusOK, l, "dossier_export", i18n.T(l, "dossier.export.title"),
		exportView{Nav: s.dossierNav(l), Action: s.pageURL("dossier_export", l, "", nil), VerifyURL: s.pageURL("dossier_verify", l, "", nil)})
}

// dossierExportAction answers the signed export as a file to save.
func (s *Site) dossierExportAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	ex, err := s.dossier.Export(r.Context(), a.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	downloadJSON(w, "guichet-dossier-"+time.Now().UTC().Format("2006-01-02")+".json", ex)
}

// ---- correction requests ----

type option2 struct {
	Value, Label string
	Selected     bool
}

type correctionView struct {
	Nav           dossierNav
	Form          *form
	Action        string
	Organizations []option2
	Fields        []option2
}

func (s *Site) correctionView(r *http.Request, l i18n.Lang, f *form) (correctionView, error) {
	v := correctionView{Nav: s.dossierNav(l), Form: f, Action: s.pageURL("dossier_correction", l, "", nil)}
	list, err := s.dossier.Purposes(r.Context(), "")
	if err != nil {
		return v, err
	}
	seen := map[string]bool{}
	for _, p := range list {
		if !seen[p.Organization] {
			seen[p.Organization] = true
			v.Organizations = append(v.Organizations, option2{p.Organization, s.orgName(l, p.Organization), f.Values["organization"] == p.Organization})
		}
	}
	for _, name := range append(append([]string{}, dossier.Attributes...), dossier.FieldCards) {
		v.Fields = append(v.Fields, option2{name, fieldLabel(l, name), f.Values["field"] == name})
	}
	return v, nil
}

func (s *Site) dossierCorrection(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if _, _, ok := s.requireAccount(w, r, l, "sign_in"); !ok {
		return
	}
	v, err := s.correctionView(r, l, newForm())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, l, "dossier_correction", i18n.T(l, "dossier.correction.title"), v)
}

func (s *Site) dossierCorrectionAction(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	f := newForm()
	for _, k := range []string{"organization", "field", "message"} {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	_, err := s.dossier.RequestCorrection(r.Context(), a.ID, f.Values["organization"], f.Values["field"], f.Values["message"])
	if err != nil {
		if !f.fail(l, err, "message") {
			s.Error(w, r, err)
			return
		}
		v, verr := s.correctionView(r, l, f)
		if verr != nil {
			s.Error(w, r, verr)
			return
		}
		s.render(w, r, httpx.Status(errs.CodeOf(err)), l, "dossier_correction", i18n.T(l, "dossier.correction.title"), v)
		return
	}
	http.Redirect(w, r, s.pageURL("dossier", l, "", map[string][]string{"correction": {"1"}}), http.StatusSeeOther)
}

func correctionStatus(l i18n.Lang, status string) string {
	if status == "done" {
		return i18n.T(l, "dossier.correction.status_done")
	}
	return i18n.T(l, "dossier.correction.status_open")
}
