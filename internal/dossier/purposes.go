package dossier

import (
	"context"
	"encoding/json"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// Purpose is why an organization may open a file, on what legal basis, and
// which fields it then sees. A purpose that NeedsConsent shows only the
// fields the citizen consented to share for it.
type Purpose struct {
	Organization string   `json:"organization"`
	ID           string   `json:"id"`
	NameFR       string   `json:"name_fr"`
	NameEN       string   `json:"name_en"`
	BasisFR      string   `json:"basis_fr"`
	BasisEN      string   `json:"basis_en"`
	Fields       []string `json:"fields"`
	NeedsConsent bool     `json:"needs_consent"`
}

// Name is the purpose's name in l.
func (p Purpose) Name(l i18n.Lang) string {
	if l == i18n.EN {
		return p.NameEN
	}
	return p.NameFR
}

// Basis is the purpose's legal basis in l.
func (p Purpose) Basis(l i18n.Lang) string {
	if l == i18n.EN {
		return p.BasisEN
	}
	return p.BasisFR
}

// DefinePurpose adds or replaces a purpose of an organization.
func (s *Service) DefinePurpose(ctx context.Context, p Purpose) error {
	if p.Organization == "" || p.ID == "" || p.NameFR == "" || p.NameEN == "" || p.BasisFR == "" || p.BasisEN == "" || len(p.Fields) == 0 {
		return errs.E(errs.Invalid, "dossier.bad_purpose")
	}
	for _, f := range p.Fields {
		if !validField(f) {
			return errs.E(errs.Invalid, "dossier.unknown_field").OnField(f)
		}
	}
	fields, _ := json.Marshal(p.Fields)
	return s.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO dossier_purposes (organization_id, id, name_fr, name_en, basis_fr, basis_en, fields, needs_consent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (organization_id, id) DO UPDATE SET name_fr = excluded.name_fr, name_en = excluded.name_en,
			basis_fr = excluded.basis_fr, basis_en = excluded.basis_en, fields = excluded.fields, needs_consent = excluded.needs_consent`,
			p.Organization, p.ID, p.NameFR, p.NameEN, p.BasisFR, p.BasisEN, string(fields), boolInt(p.NeedsConsent))
		return err
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const purposeColumns = `organization_id, id, name_fr, name_en, basis_fr, basis_en, fields, needs_consent`

func scanPurpose(row interface{ Scan(...any) error }) (Purpose, error) {
	var p Purpose
	var fields string
	var consent int
	if err := row.Scan(&p.Organization, &p.ID, &p.NameFR, &p.NameEN, &p.BasisFR, &p.BasisEN, &fields, &consent); err != nil {
		return p, err
	}
	p.NeedsConsent = consent != 0
	if err := json.Unmarshal([]byte(fields), &p.Fields); err != nil {
		return p, errs.Internalf("dossier: purpose %s/%s: %w", p.Organization, p.ID, err)
	}
	return p, nil
}

// Purposes lists an organization's purposes ("" lists every organization's).
func (s *Service) Purposes(ctx context.Context, org string) ([]Purpose, error) {
	var out []Purpose
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		q := `SELECT ` + purposeColumns + ` FROM dossier_purposes`
		var args []any
		if org != "" {
			q += ` WHERE organization_id = ?`
			args = append(args, org)
		}
		rows, err := tx.Query(ctx, q+` ORDER BY organization_id, id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPurpose(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

func purposeTx(ctx context.Context, tx *database.Tx, org, id string) (Purpose, error) {
	p, err := scanPurpose(tx.QueryRow(ctx, `SELECT `+purposeColumns+` FROM dossier_purposes WHERE organization_id = ? AND id = ?`, org, id))
	if errs.Is(err, errs.NotFound) {
		return p, errs.E(errs.Forbidden, "dossier.unknown_purpose").OnField("purpose")
	}
	return p, err
}

// DemoPurposes are the purposes of the demonstration organizations, with
// their legal basis; every organization also gets identity verification and
// the handling of correction requests.
func DemoPurposes(orgs []string) []Purpose {
	names := []string{FieldGivenName, FieldFamilyName}
	out := []Purpose{
		{Organization: "ramq", ID: "carte-assurance-maladie", NameFR: "Renouvellement ou remplacement de la carte d’assurance maladie",
			NameEN:  "Renewal or replacement of the health insurance card",
			BasisFR: "Loi sur l’assurance maladie (RLRQ, c. A-29), art. 9 et 9.0.1", BasisEN: "Health Insurance Act (CQLR, c. A-29), ss. 9 and 9.0.1",
			Fields: append(append([]string{}, names...), FieldBirthDate, FieldAddress, FieldHealthNumber, FieldCards)},
		{Organization: "saaq", ID: "permis-conduire", NameFR: "Renouvellement du permis de conduire", NameEN: "Driver’s licence renewal",
			BasisFR: "Code de la sécurité routière (RLRQ, c. C-24.2), art. 61 à 69", BasisEN: "Highway Safety Code (CQLR, c. C-24.2), ss. 61 to 69",
			Fields: append(append([]string{}, names...), FieldBirthDate, FieldAddress, FieldLicenceNumber, FieldCards)},
		{Organization: "services-quebec", ID: "changement-adresse", NameFR: "Changement d’adresse transmis à plusieurs ministères",
			NameEN:  "Change of address sent to several departments",
			BasisFR: "Consentement de la personne (Loi sur l’accès, RLRQ, c. A-2.1, art. 53 et 59)", BasisEN: "The person’s consent (Access Act, CQLR, c. A-2.1, ss. 53 and 59)",
			Fields: append(append([]string{}, names...), FieldAddress, FieldPhone), NeedsConsent: true},
	}
	for _, org := range orgs {
		out = append(out,
			Purpose{Organization: org, ID: "verification-identite", NameFR: "Vérification de l’identité au comptoir", NameEN: "Identity check at the counter",
				BasisFR: "Loi concernant le cadre juridique des technologies de l’information (RLRQ, c. C-1.1), art. 40 à 46",
				BasisEN: "Act to establish a legal framework for information technology (CQLR, c. C-1.1), ss. 40 to 46",
				Fields:  append(append([]string{}, names...), FieldBirthDate)},
			Purpose{Organization: org, ID: "correction", NameFR: "Traitement d’une demande de correction", NameEN: "Handling a correction request",
				BasisFR: "Loi sur l’accès (RLRQ, c. A-2.1), art. 89 (droit de rectification)", BasisEN: "Access Act (CQLR, c. A-2.1), s. 89 (right to rectification)",
				Fields: append(append([]string{}, Attributes...), FieldCards, FieldCorrections)})
	}
	return out
}
