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

// Seen is one access as the citizen sees it: the access, its position in
// the audit log, its inclusion proof against the latest signed checkpoint,
// and whether both checks hold.
type Seen struct {
	Access
	Seq      int64                // position in the audit log
	Proof    audit.InclusionProof // against the latest checkpoint
	Verified bool                 // the proof verifies against the signed checkpoint
	Matches  bool                 // the access row matches its audit entry
}

const accessColumns = `id, citizen_id, agent_id, agent_name, organization_id, purpose_id, reference, fields, break_glass,
	justification, audit_id, time_ns, reviewed_at, reviewed_by, review_note`

func (s *Service) scanAccess(row interface{ Scan(...any) error }) (Access, error) {
	var a Access
	var fields, justification, note string
	var bg int
	var ns int64
	var reviewed sql.NullInt64
	if err := row.Scan(&a.ID, &a.CitizenID, &a.AgentID, &a.AgentName, &a.Organization, &a.Purpose, &a.Reference, &fields, &bg,
		&justification, &a.AuditID, &ns, &reviewed, &a.ReviewedBy, &note); err != nil {
		return a, err
	}
	a.BreakGlass = bg != 0
	a.Time = time.Unix(0, ns).UTC()
	if reviewed.Valid {
		a.ReviewedAt = time.UnixMilli(reviewed.Int64).UTC()
	}
	if err := json.Unmarshal([]byte(fields), &a.Fields); err != nil {
		return a, errs.Internalf("dossier: access %s: %w", a.ID, err)
	}
	var err error
	if justification != "" {
		if a.Justification, err = s.keys.Open(justification, accessAAD(a.ID)); err != nil {
			return a, errs.Internalf("dossier: access %s: %w", a.ID, err)
		}
	}
	if note != "" {
		if a.ReviewNote, err = s.keys.Open(note, accessAAD(a.ID)+"|review"); err != nil {
			return a, errs.Internalf("dossier: access %s: %w", a.ID, err)
		}
	}
	return a, nil
}

func (s *Service) queryAccesses(ctx context.Context, query string, args ...any) ([]Access, error) {
	var out []Access
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT `+accessColumns+` FROM dossier_accesses `+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := s.scanAccess(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// HistoryPage is how many accesses one page of the citizen's list shows.
const HistoryPage = 20

// History lists who opened the citizen's file, newest first, a page of
// HistoryPage at a time (page 0 first), each with its inclusion proof
// against the latest signed checkpoint; more tells whether older accesses
// follow. Entries not yet covered by a checkpoint are integrated and a
// checkpoint signed first, so an access shows with its proof as soon as it
// happened.
func (s *Service) History(ctx context.Context, citizenID string, page int) (list []Seen, more bool, err error) {
	if page < 0 {
		page = 0
	}
	rows, err := s.queryAccesses(ctx, `WHERE citizen_id = ? ORDER BY time_ns DESC, id DESC LIMIT `+itoa(HistoryPage+1)+` OFFSET `+itoa(page*HistoryPage), citizenID)
	if err != nil {
		return nil, false, err
	}
	if len(rows) > HistoryPage {
		rows, more = rows[:HistoryPage], true
	}
	list, err = s.seen(ctx, rows)
	return list, more, err
}

// seen adds to each access its position and its verified inclusion proof.
func (s *Service) seen(ctx context.Context, list []Access) ([]Seen, error) {
	if len(list) == 0 {
		return nil, nil
	}
	entries := make([]audit.Entry, len(list))
	covered := func() (bool, error) {
		latest, err := s.o.Audit.Latest(ctx)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return false, err
		}
		all := true
		for i, a := range list {
			if entries[i], err = s.o.Audit.EntryByID(ctx, a.AuditID); err != nil {
				return false, err
			}
			if entries[i].Seq < 0 || entries[i].Seq >= latest.TreeSize {
				all = false
			}
		}
		return all, nil
	}
	ok, err := covered()
	if err != nil {
		return nil, err
	}
	if !ok {
		if _, err := s.o.Audit.Checkpoint(ctx); err != nil {
			return nil, err
		}
		if _, err := covered(); err != nil {
			return nil, err
		}
	}
	out := make([]Seen, len(list))
	for i, a := range list {
		e := entries[i]
		out[i] = Seen{Access: a, Seq: e.Seq}
		out[i].Matches = e.DetailsHash == a.detailsHash() && e.Object == "dossier:"+a.CitizenID &&
			e.Actor == "account:"+a.AgentID && e.Organization == a.Organization && e.Purpose == a.Purpose && e.Time.Equal(a.Time)
		if e.Seq < 0 {
			continue
		}
		p, err := s.o.Audit.InclusionProof(ctx, e.Seq, 0)
		if err != nil {
			if errs.CodeOf(err) == errs.Internal {
				// The stored entry no longer matches its hash: show it as
				// unverified rather than hide the list.
				s.o.Logger.WarnContext(ctx, "dossier: an access's audit entry does not verify", "seq", e.Seq)
				continue
			}
			return nil, err
		}
		out[i].Proof = p
		out[i].Verified = s.o.Verifier != nil && audit.VerifyInclusion(p, nil, s.o.Verifier) == nil
	}
	return out, nil
}

// Proof returns one of the citizen's accesses with its inclusion proof
// (errs.NotFound for an access to someone else's file).
func (s *Service) Proof(ctx context.Context, citizenID, accessID string) (Seen, error) {
	rows, err := s.queryAccesses(ctx, `WHERE citizen_id = ? AND id = ?`, citizenID, accessID)
	if err != nil {
		return Seen{}, err
	}
	if len(rows) == 0 {
		return Seen{}, errs.E(errs.NotFound, "dossier.no_access")
	}
	list, err := s.seen(ctx, rows)
	if err != nil {
		return Seen{}, err
	}
	return list[0], nil
}

func itoa(n int) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
