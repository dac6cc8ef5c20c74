package dossier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/identity"
)

// OpenRequest is an agent's request to read a file.
type OpenRequest struct {
	Citizen   string // the citizen's e-mail address or account id
	Purpose   string // a purpose id of the agent's organization
	Reference string // the case or appointment reference the access serves
	// BreakGlass overrides the purpose's field list and the consent, with a
	// written Justification; the citizen and the privacy officers are told.
	BreakGlass    bool
	Justification string
}

// Opened is what an agent sees: the fields the purpose allows, and the
// access that was recorded.
type Opened struct {
	File    File
	Fields  []string // the fields the agent may see (some may be empty)
	Purpose Purpose
	Access  Access
}

// Audit actions of accesses.
const (
	ActionRead       = "dossier.read"
	ActionBreakGlass = "dossier.break_glass"
)

// MinJustification is the shortest break-glass justification, in characters.
const MinJustification = 30

var referenceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._/-]{2,39}$`)

// Open reads a citizen's file for an agent. It refuses (errs.Invalid on the
// field at fault) without a purpose or a reference, refuses a purpose not of
// the agent's organization, and a purpose based on consent when the citizen
// has not consented (or revoked); otherwise it records the access and its
// audit entry and returns the allowed fields, in one transaction.
func (s *Service) Open(ctx context.Context, agent identity.Account, req OpenRequest) (Opened, error) {
	var out Opened
	req.Purpose, req.Reference = strings.TrimSpace(req.Purpose), strings.TrimSpace(req.Reference)
	req.Citizen, req.Justification = strings.TrimSpace(req.Citizen), strings.TrimSpace(req.Justification)
	if agent.Kind != identity.Agent || agent.OrganizationID == "" {
		return out, errs.E(errs.Forbidden, "dossier.agents_only")
	}
	if req.Purpose == "" {
		return out, errs.E(errs.Invalid, "dossier.purpose_required").OnField("purpose")
	}
	if req.Reference == "" {
		return out, errs.E(errs.Invalid, "dossier.reference_required").OnField("reference")
	}
	if !referenceRE.MatchString(req.Reference) {
		return out, errs.E(errs.Invalid, "dossier.bad_reference").OnField("reference")
	}
	if req.Citizen == "" {
		return out, errs.E(errs.Invalid, "dossier.citizen_required").OnField("citizen")
	}
	if req.BreakGlass {
		if n := utf8.RuneCountInString(req.Justification); n < MinJustification || n > 2000 {
			return out, errs.E(errs.Invalid, "dossier.justification_required", MinJustification).OnField("justification")
		}
	} else {
		req.Justification = ""
	}
	now := s.now().UTC()
	var notices []Notice
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		notices = nil
		p, err := purposeTx(ctx, tx, agent.OrganizationID, req.Purpose)
		if err != nil {
			return err
		}
		citizen, err := findCitizen(ctx, tx, req.Citizen)
		if err != nil {
			return err
		}
		fields := p.Fields
		switch {
		case req.BreakGlass:
			fields = AllFields
		case p.NeedsConsent:
			c, err := liveConsent(ctx, tx, citizen.id, agent.OrganizationID, p.ID)
			if err != nil {
				return err
			}
			if fields = intersect(p.Fields, c.Fields); len(fields) == 0 {
				return errs.E(errs.Forbidden, "dossier.no_consent").OnField("purpose")
			}
		}
		a := Access{ID: newID("acc-", 10), CitizenID: citizen.id, AgentID: agent.ID, AgentName: agent.Name(),
			Organization: agent.OrganizationID, Purpose: p.ID, Reference: req.Reference, Fields: fields,
			BreakGlass: req.BreakGlass, Justification: req.Justification, Time: now}
		if err := s.recordAccess(ctx, tx, &a); err != nil {
			return err
		}
		f, err := s.readFile(ctx, tx, citizen.id, fields)
		if err != nil {
			return err
		}
		if contains(fields, FieldCorrections) {
			if f.Corrections, err = s.correctionsOf(ctx, tx, citizen.id, agent.OrganizationID); err != nil {
				return err
			}
		}
		if req.BreakGlass {
			if notices, err = s.breakGlassNotices(ctx, tx, citizen, agent.OrganizationID); err != nil {
				return err
			}
			for _, n := range notices {
				if err := s.o.Mailer.Notify(ctx, tx, n); err != nil {
					return err
				}
			}
		}
		out = Opened{File: f, Fields: fields, Purpose: p, Access: a}
		return nil
	})
	if err == nil && len(notices) > 0 {
		s.nudge()
	}
	return out, err
}

// recordAccess writes the audit entry and the access row that it binds.
func (s *Service) recordAccess(ctx context.Context, tx *database.Tx, a *Access) error {
	action := ActionRead
	if a.BreakGlass {
		action = ActionBreakGlass
	}
	id, err := s.o.Audit.AppendTx(ctx, tx, audit.Entry{Time: a.Time, Actor: "account:" + a.AgentID, Organization: a.Organization,
		Action: action, Object: "dossier:" + a.CitizenID, Purpose: a.Purpose, DetailsHash: a.detailsHash()})
	if err != nil {
		return err
	}
	a.AuditID = id
	fields, _ := json.Marshal(a.Fields)
	justification := ""
	if a.Justification != "" {
		justification = s.keys.Seal(a.Justification, accessAAD(a.ID))
	}
	_, err = tx.Exec(ctx, `INSERT INTO dossier_accesses (id, citizen_id, agent_id, agent_name, organization_id, purpose_id, reference, fields,
		break_glass, justification, audit_id, time_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.CitizenID, a.AgentID, a.AgentName, a.Organization, a.Purpose, a.Reference, string(fields),
		boolInt(a.BreakGlass), justification, id, a.Time.UnixNano())
	return err
}

func accessAAD(id string) string { return "dossier_accesses|" + id }

// Access is one agent's read of a file, as recorded.
type Access struct {
	ID            string    `json:"id"`
	CitizenID     string    `json:"citizen_id"`
	AgentID       string    `json:"agent_id"`
	AgentName     string    `json:"agent_name"`
	Organization  string    `json:"organization"`
	Purpose       string    `json:"purpose"`
	Reference     string    `json:"reference"`
	Fields        []string  `json:"fields"`
	BreakGlass    bool      `json:"break_glass"`
	Justification string    `json:"justification,omitempty"`
	Time          time.Time `json:"time"`
	AuditID       int64     `json:"-"`
	ReviewedAt    time.Time `json:"reviewed_at,omitzero"`
	ReviewedBy    string    `json:"reviewed_by,omitempty"`
	ReviewNote    string    `json:"review_note,omitempty"`
}

// detailsHash binds the access's facts to its audit entry: the citizen's
// page recomputes it, so an edited row no longer matches the log.
func (a Access) detailsHash() string {
	j := ""
	if a.Justification != "" {
		sum := sha256.Sum256([]byte(a.Justification))
		j = hex.EncodeToString(sum[:])
	}
	return audit.DetailsHash(map[string]any{"access": a.ID, "agent_name": a.AgentName, "reference": a.Reference,
		"fields": a.Fields, "break_glass": a.BreakGlass, "justification_sha256": j})
}

type citizenRef struct{ id, email, locale string }

// findCitizen finds a citizen by e-mail address or account id.
func findCitizen(ctx context.Context, tx *database.Tx, who string) (citizenRef, error) {
	var c citizenRef
	var kind string
	err := tx.QueryRow(ctx, `SELECT id, email, locale, kind FROM identity_accounts WHERE id = ? OR email = ?`,
		who, strings.ToLower(who)).Scan(&c.id, &c.email, &c.locale, &kind)
	if errs.Is(err, errs.NotFound) {
		return c, errs.E(errs.NotFound, "dossier.no_citizen").OnField("citizen")
	}
	return c, err
}

// breakGlassNotices tells the citizen and the organization's privacy officers.
func (s *Service) breakGlassNotices(ctx context.Context, tx *database.Tx, c citizenRef, org string) ([]Notice, error) {
	out := []Notice{{Kind: "dossier.break_glass", To: c.email, Lang: c.locale, Args: []string{org, s.o.AccessesLink(c.locale)}}}
	rows, err := tx.Query(ctx, `SELECT email, locale FROM identity_accounts WHERE kind = 'agent' AND organization_id = ? AND roles LIKE ?`,
		org, `%"`+string(identity.RolePrivacyOfficer)+`"%`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var email, lang string
		if err := rows.Scan(&email, &lang); err != nil {
			return nil, err
		}
		out = append(out, Notice{Kind: "dossier.break_glass_review", To: email, Lang: lang, Args: []string{s.o.ReviewLink(lang)}})
	}
	return out, rows.Err()
}
