package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Consent is a citizen's permission for an organization to see parts of
// their file for a purpose based on consent.
type Consent struct {
	ID            string    `json:"id"`
	CitizenID     string    `json:"citizen_id"`
	Organization  string    `json:"organization"`
	Purpose       string    `json:"purpose"`
	Fields        []string  `json:"fields"`
	GrantedAt     time.Time `json:"granted_at"`
	GrantReceipt  string    `json:"grant_receipt"`
	RevokedAt     time.Time `json:"revoked_at,omitzero"`
	RevokeReceipt string    `json:"revoke_receipt,omitempty"`
}

// Live tells whether the consent is in force.
func (c Consent) Live() bool { return c.RevokedAt.IsZero() }

// Receipt is the signed statement of a grant or a revocation (the JWS payload).
type Receipt struct {
	Type         string   `json:"typ"` // "grant" or "revoke"
	Consent      string   `json:"consent"`
	Subject      string   `json:"sub"` // the citizen's account id
	Organization string   `json:"organization"`
	Purpose      string   `json:"purpose"`
	Fields       []string `json:"fields"`
	IssuedAt     int64    `json:"iat"`
	Issuer       string   `json:"iss"`
}

// ReceiptType is the JWS "typ" of consent receipts.
const ReceiptType = "guichet-consent-receipt+jwt"

const consentColumns = `id, citizen_id, organization_id, purpose_id, fields, granted_at, grant_receipt, revoked_at, revoke_receipt`

func scanConsent(row interface{ Scan(...any) error }) (Consent, error) {
	var c Consent
	var fields string
	var granted int64
	var revoked sql.NullInt64
	if err := row.Scan(&c.ID, &c.CitizenID, &c.Organization, &c.Purpose, &fields, &granted, &c.GrantReceipt, &revoked, &c.RevokeReceipt); err != nil {
		return c, err
	}
	c.GrantedAt = time.UnixMilli(granted).UTC()
	if revoked.Valid {
		c.RevokedAt = time.UnixMilli(revoked.Int64).UTC()
	}
	if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
		return c, errs.Internalf("dossier: consent %s: %w", c.ID, err)
	}
	return c, nil
}

// liveConsent is the consent in force (errs.Forbidden when none: the access
// relying on it is refused).
func liveConsent(ctx context.Context, tx *database.Tx, citizenID, org, purpose string) (Consent, error) {
	c, err := scanConsent(tx.QueryRow(ctx, `SELECT `+consentColumns+` FROM dossier_consents
		WHERE citizen_id = ? AND organization_id = ? AND purpose_id = ? AND revoked_at IS NULL`, citizenID, org, purpose))
	if errs.Is(err, errs.NotFound) {
		return c, errs.E(errs.Forbidden, "dossier.no_consent").OnField("purpose")
	}
	return c, err
}

// Grant records the citizen's consent for an organization's purpose to see
// the given fields (among those the purpose names), replacing a consent in
// force, and returns it with its signed receipt.
func (s *Service) Grant(ctx context.Context, citizenID, org, purpose string, fields []string) (Consent, error) {
	var c Consent
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		p, err := purposeTx(ctx, tx, org, purpose)
		if err != nil {
			return errs.E(errs.NotFound, "dossier.unknown_purpose").OnField("purpose")
		}
		if !p.NeedsConsent {
			return errs.E(errs.Invalid, "dossier.not_consent_purpose").OnField("purpose")
		}
		if fields = intersect(p.Fields, fields); len(fields) == 0 {
			return errs.E(errs.Invalid, "dossier.fields_required").OnField("fields")
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		if old, err := liveConsent(ctx, tx, citizenID, org, purpose); err == nil {
			if err := s.revokeTx(ctx, tx, old, now); err != nil {
				return err
			}
		} else if !errs.Is(err, errs.Forbidden) {
			return err
		}
		c = Consent{ID: newID("cons-", 8), CitizenID: citizenID, Organization: org, Purpose: purpose, Fields: fields, GrantedAt: now}
		if c.GrantReceipt, err = s.o.Receipts.Sign(ReceiptType, Receipt{Type: "grant", Consent: c.ID, Subject: citizenID,
			Organization: org, Purpose: purpose, Fields: fields, IssuedAt: now.Unix(), Issuer: "guichet"}); err != nil {
			return err
		}
		list, _ := json.Marshal(fields)
		if _, err := tx.Exec(ctx, `INSERT INTO dossier_consents (id, citizen_id, organization_id, purpose_id, fields, granted_at, grant_receipt)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, citizenID, org, purpose, string(list), now.UnixMilli(), c.GrantReceipt); err != nil {
			return err
		}
		_, err = s.o.Audit.AppendTx(ctx, tx, audit.Entry{Actor: "account:" + citizenID, Organization: org, Action: "dossier.consent_granted",
			Object: "dossier:" + citizenID, Purpose: purpose, DetailsHash: audit.DetailsHash(map[string]any{"consent": c.ID, "fields": fields})})
		return err
	})
	return c, err
}

// Revoke ends a consent of the citizen at once: the next access relying on
// it is refused. It returns the consent with its revocation receipt.
func (s *Service) Revoke(ctx context.Context, citizenID, consentID string) (Consent, error) {
	var c Consent
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		var err error
		c, err = scanConsent(tx.QueryRow(ctx, `SELECT `+consentColumns+` FROM dossier_consents WHERE id = ? AND citizen_id = ?`, consentID, citizenID))
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "dossier.no_consent_found")
		}
		if err != nil {
			return err
		}
		if !c.Live() {
			return errs.E(errs.Conflict, "dossier.already_revoked")
		}
		if err := s.revokeTx(ctx, tx, c, s.now().UTC().Truncate(time.Millisecond)); err != nil {
			return err
		}
		c, err = scanConsent(tx.QueryRow(ctx, `SELECT `+consentColumns+` FROM dossier_consents WHERE id = ?`, consentID))
		return err
	})
	return c, err
}

func (s *Service) revokeTx(ctx context.Context, tx *database.Tx, c Consent, now time.Time) error {
	receipt, err := s.o.Receipts.Sign(ReceiptType, Receipt{Type: "revoke", Consent: c.ID, Subject: c.CitizenID,
		Organization: c.Organization, Purpose: c.Purpose, Fields: c.Fields, IssuedAt: now.Unix(), Issuer: "guichet"})
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE dossier_consents SET revoked_at = ?, revoke_receipt = ? WHERE id = ? AND revoked_at IS NULL`,
		now.UnixMilli(), receipt, c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "dossier.already_revoked")
	}
	_, err = s.o.Audit.AppendTx(ctx, tx, audit.Entry{Actor: "account:" + c.CitizenID, Organization: c.Organization,
		Action: "dossier.consent_revoked", Object: "dossier:" + c.CitizenID, Purpose: c.Purpose,
		DetailsHash: audit.DetailsHash(map[string]any{"consent": c.ID})})
	return err
}

// Consents lists the citizen's consents, those in force first, newest first.
func (s *Service) Consents(ctx context.Context, citizenID string) ([]Consent, error) {
	var out []Consent
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT `+consentColumns+` FROM dossier_consents WHERE citizen_id = ?
			ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, granted_at DESC`, citizenID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanConsent(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// ReceiptOf returns a receipt of the citizen's consent: kind "grant" or "revoke".
func (s *Service) ReceiptOf(ctx context.Context, citizenID, consentID, kind string) (string, error) {
	list, err := s.Consents(ctx, citizenID)
	if err != nil {
		return "", err
	}
	for _, c := range list {
		if c.ID != consentID {
			continue
		}
		switch {
		case kind == "grant":
			return c.GrantReceipt, nil
		case kind == "revoke" && c.RevokeReceipt != "":
			return c.RevokeReceipt, nil
		}
	}
	return "", errs.E(errs.NotFound, "dossier.no_consent_found")
}
