package dossier

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/identity"
)

// ReviewQueue lists the break-glass accesses of the privacy officer's
// organization: those waiting for review first, then the reviewed ones.
func (s *Service) ReviewQueue(ctx context.Context, officer identity.Account) ([]Access, error) {
	if !officer.Has(identity.RolePrivacyOfficer) {
		return nil, errs.E(errs.Forbidden, "dossier.officers_only")
	}
	return s.queryAccesses(ctx, `WHERE organization_id = ? AND break_glass = 1
		ORDER BY CASE WHEN reviewed_at IS NULL THEN 0 ELSE 1 END, time_ns DESC LIMIT 200`, officer.OrganizationID)
}

// MarkReviewed records a privacy officer's review of a break-glass access
// of their organization, with a note; nobody reviews their own access.
func (s *Service) MarkReviewed(ctx context.Context, officer identity.Account, accessID, note string) error {
	if !officer.Has(identity.RolePrivacyOfficer) {
		return errs.E(errs.Forbidden, "dossier.officers_only")
	}
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n < 3 || n > 2000 {
		return errs.E(errs.Invalid, "dossier.note_required").OnField("note")
	}
	return s.db.Write(ctx, func(tx *database.Tx) error {
		var agentID, org string
		var bg int
		err := tx.QueryRow(ctx, `SELECT agent_id, organization_id, break_glass FROM dossier_accesses WHERE id = ?`, accessID).Scan(&agentID, &org, &bg)
		if errs.Is(err, errs.NotFound) || (err == nil && (org != officer.OrganizationID || bg == 0)) {
			return errs.E(errs.NotFound, "dossier.no_access")
		}
		if err != nil {
			return err
		}
		if agentID == officer.ID {
			return errs.E(errs.Forbidden, "dossier.own_review").OnField("note")
		}
		res, err := tx.Exec(ctx, `UPDATE dossier_accesses SET reviewed_at = ?, reviewed_by = ?, review_note = ? WHERE id = ? AND reviewed_at IS NULL`,
			s.now().UnixMilli(), officer.Name(), s.keys.Seal(note, accessAAD(accessID)+"|review"), accessID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "dossier.already_reviewed")
		}
		_, err = s.o.Audit.AppendTx(ctx, tx, audit.Entry{Actor: "account:" + officer.ID, Organization: org,
			Action: "dossier.break_glass_reviewed", Object: "access:" + accessID})
		return err
	})
}
