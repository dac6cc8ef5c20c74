package dossier

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/identity"
)

// Correction is a citizen's request to correct their file, addressed to
// the organization responsible for the field (Law 25, right to rectification).
type Correction struct {
	ID           string    `json:"id"` // CR-XXXXXX
	CitizenID    string    `json:"-"`
	Organization string    `json:"organization"`
	Field        string    `json:"field"`
	Message      string    `json:"message,omitempty"` // personal: shown in the queue only through Open
	Status       string    `json:"status"`            // open | done
	CreatedAt    time.Time `json:"created_at"`
	ResolvedAt   time.Time `json:"resolved_at,omitzero"`
	ResolvedBy   string    `json:"resolved_by,omitempty"`
	Resolution   string    `json:"resolution,omitempty"`
}

func correctionAAD(id, part string) string { return "dossier_corrections|" + id + "|" + part }

// RequestCorrection files a correction request in the organization's queue.
func (s *Service) RequestCorrection(ctx context.Context, citizenID, org, field, message string) (Correction, error) {
	message = strings.TrimSpace(message)
	c := Correction{ID: newRef("CR-"), CitizenID: citizenID, Organization: org, Field: field, Status: "open", CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	if !validField(field) || field == FieldCorrections {
		return c, errs.E(errs.Invalid, "dossier.unknown_field").OnField("field")
	}
	if n := utf8.RuneCountInString(message); n < 5 || n > 2000 {
		return c, errs.E(errs.Invalid, "dossier.message_required").OnField("message")
	}
	c.Message = message
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM dossier_purposes WHERE organization_id = ?`, org).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Invalid, "dossier.unknown_organization").OnField("organization")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO dossier_corrections (id, citizen_id, organization_id, field, message, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, citizenID, org, field, s.keys.Seal(message, correctionAAD(c.ID, "message")), c.CreatedAt.UnixMilli()); err != nil {
			return err
		}
		_, err := s.o.Audit.AppendTx(ctx, tx, audit.Entry{Actor: "account:" + citizenID, Organization: org, Action: "dossier.correction_requested",
			Object: "dossier:" + citizenID, DetailsHash: audit.DetailsHash(map[string]any{"request": c.ID, "field": field})})
		return err
	})
	return c, err
}

const correctionColumns = `id, citizen_id, organization_id, field, message, status, created_at, resolved_at, resolved_by, resolution`

// scanCorrection reads a row; the message and resolution are opened only
// when withText.
func (s *Service) scanCorrection(row interface{ Scan(...any) error }, withText bool) (Correction, error) {
	var c Correction
	var message, resolution string
	var created int64
	var resolved sql.NullInt64
	if err := row.Scan(&c.ID, &c.CitizenID, &c.Organization, &c.Field, &message, &c.Status, &created, &resolved, &c.ResolvedBy, &resolution); err != nil {
		return c, err
	}
	c.CreatedAt = time.UnixMilli(created).UTC()
	if resolved.Valid {
		c.ResolvedAt = time.UnixMilli(resolved.Int64).UTC()
	}
	if !withText {
		return c, nil
	}
	var err error
	if c.Message, err = s.keys.Open(message, correctionAAD(c.ID, "message")); err != nil {
		return c, errs.Internalf("dossier: correction %s: %w", c.ID, err)
	}
	if resolution != "" {
		if c.Resolution, err = s.keys.Open(resolution, correctionAAD(c.ID, "resolution")); err != nil {
			return c, errs.Internalf("dossier: correction %s: %w", c.ID, err)
		}
	}
	return c, nil
}

func (s *Service) listCorrections(ctx context.Context, tx *database.Tx, withText bool, where string, args ...any) ([]Correction, error) {
	rows, err := tx.Query(ctx, `SELECT `+correctionColumns+` FROM dossier_corrections `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Correction
	for rows.Next() {
		c, err := s.scanCorrection(rows, withText)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// correctionsOf lists the requests of a citizen addressed to org (for Open).
func (s *Service) correctionsOf(ctx context.Context, tx *database.Tx, citizenID, org string) ([]Correction, error) {
	return s.listCorrections(ctx, tx, true, `WHERE citizen_id = ? AND organization_id = ? ORDER BY created_at DESC`, citizenID, org)
}

// MyCorrections lists the citizen's own requests.
func (s *Service) MyCorrections(ctx context.Context, citizenID string) ([]Correction, error) {
	var out []Correction
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		out, err = s.listCorrections(ctx, tx, true, `WHERE citizen_id = ? ORDER BY created_at DESC`, citizenID)
		return err
	})
	return out, err
}

// CorrectionQueue lists the agent's organization's requests, open first,
// without their text nor whose they are: the agent opens the file with the
// purpose "correction" and the request's reference to handle one.
func (s *Service) CorrectionQueue(ctx context.Context, agent identity.Account) ([]Correction, error) {
	if agent.Kind != identity.Agent || agent.OrganizationID == "" {
		return nil, errs.E(errs.Forbidden, "dossier.agents_only")
	}
	var out []Correction
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		out, err = s.listCorrections(ctx, tx, false, `WHERE organization_id = ? ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, created_at DESC LIMIT 200`,
			agent.OrganizationID)
		return err
	})
	for i := range out {
		out[i].CitizenID = ""
	}
	return out, err
}

// ResolveCorrection closes a request of the agent's organization with a note
// the citizen reads.
func (s *Service) ResolveCorrection(ctx context.Context, agent identity.Account, id, note string) error {
	if agent.Kind != identity.Agent || agent.OrganizationID == "" {
		return errs.E(errs.Forbidden, "dossier.agents_only")
	}
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n < 3 || n > 2000 {
		return errs.E(errs.Invalid, "dossier.note_required").OnField("note")
	}
	return s.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE dossier_corrections SET status = 'done', resolved_at = ?, resolved_by = ?, resolution = ?
			WHERE id = ? AND organization_id = ? AND status = 'open'`,
			s.now().UnixMilli(), agent.Name(), s.keys.Seal(note, correctionAAD(id, "resolution")), id, agent.OrganizationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "dossier.no_correction")
		}
		_, err = s.o.Audit.AppendTx(ctx, tx, audit.Entry{Actor: "account:" + agent.ID, Organization: agent.OrganizationID,
			Action: "dossier.correction_resolved", Object: "correction:" + id})
		return err
	})
}
