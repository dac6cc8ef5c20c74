package dossier

import (
	"context"
	"encoding/json"
	"time"

	"github.com/guichet-qc/guichet/internal/audit"
)

// ExportType is the JWS "typ" of exports.
const ExportType = "guichet-dossier-export+jwt"

// ExportData is everything the platform holds in the citizen's file (Law 25:
// right of access and portability).
type ExportData struct {
	Format      string       `json:"format"` // "guichet-dossier-export v1"
	Subject     string       `json:"sub"`    // the citizen's account id
	IssuedAt    time.Time    `json:"issued_at"`
	File        File         `json:"file"`
	Consents    []Consent    `json:"consents"`
	Accesses    []Access     `json:"accesses"`
	Corrections []Correction `json:"corrections"`
}

// Export is the downloadable document: the data, readable, and a compact
// JWS (ES256) whose payload is exactly the JSON of Data.
type Export struct {
	Data json.RawMessage `json:"data"`
	JWS  string          `json:"jws"`
}

// Export gathers and signs the citizen's data. Downloading it is itself
// written to the audit log (by the citizen, about their own file).
func (s *Service) Export(ctx context.Context, citizenID string) (Export, error) {
	d := ExportData{Format: "guichet-dossier-export v1", Subject: citizenID, IssuedAt: s.now().UTC().Truncate(time.Second)}
	var err error
	if d.File, err = s.Mine(ctx, citizenID); err != nil {
		return Export{}, err
	}
	if d.Consents, err = s.Consents(ctx, citizenID); err != nil {
		return Export{}, err
	}
	if d.Accesses, err = s.queryAccesses(ctx, `WHERE citizen_id = ? ORDER BY time_ns DESC`, citizenID); err != nil {
		return Export{}, err
	}
	for i := range d.Accesses {
		d.Accesses[i].ReviewNote = "" // the privacy officer's internal note is not part of the citizen's file
	}
	if d.Corrections, err = s.MyCorrections(ctx, citizenID); err != nil {
		return Export{}, err
	}
	payload, err := json.Marshal(d)
	if err != nil {
		return Export{}, err
	}
	jws, err := s.o.Receipts.SignBytes(ExportType, payload)
	if err != nil {
		return Export{}, err
	}
	if _, err := s.o.Audit.Append(ctx, audit.Entry{Actor: "account:" + citizenID, Action: "dossier.exported", Object: "dossier:" + citizenID}); err != nil {
		return Export{}, err
	}
	return Export{Data: payload, JWS: jws}, nil
}
