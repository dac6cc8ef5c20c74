package dossier

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Card is a card or document the citizen holds.
type Card struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"` // health_card, driving_licence, …
	Number    string    `json:"number"`
	ExpiresOn time.Time `json:"expires_on"` // a date (midnight UTC)
}

// CardKinds maps a kind of card to the catalogue service that renews it
// online and the organization that issues it.
var CardKinds = map[string]struct{ Service, Organization string }{
	"health_card":     {"ramq-carte-renouvellement", "ramq"},
	"driving_licence": {"saaq-permis-renouvellement", "saaq"},
}

// File is what a file holds (or the part of it a reader may see).
type File struct {
	CitizenID   string            `json:"citizen_id"`
	Attributes  map[string]string `json:"attributes"`
	Cards       []Card            `json:"cards,omitempty"`
	Corrections []Correction      `json:"corrections,omitempty"`
}

// Empty tells whether nothing is on file.
func (f File) Empty() bool { return len(f.Attributes) == 0 && len(f.Cards) == 0 }

func fieldAAD(citizenID, field string) string { return "dossier_fields|" + citizenID + "|" + field }
func cardAAD(id string) string                { return "dossier_cards|" + id }

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// checkAttribute validates one attribute value.
func checkAttribute(field, v string) error {
	if !contains(Attributes, field) {
		return errs.E(errs.Invalid, "dossier.unknown_field").OnField(field)
	}
	if utf8.RuneCountInString(v) > 300 || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return errs.E(errs.Invalid, "dossier.bad_value").OnField(field)
	}
	if field == FieldBirthDate && v != "" {
		if _, err := time.Parse("2006-01-02", v); err != nil || !dateRE.MatchString(v) {
			return errs.E(errs.Invalid, "dossier.bad_date").OnField(field)
		}
	}
	return nil
}

// Record writes attributes of a citizen's file (an empty value removes
// one) on behalf of actor (an organization's system, an agent handling a
// correction, the demonstration seed), with an audit entry.
func (s *Service) Record(ctx context.Context, actor, org, citizenID string, attrs map[string]string) error {
	for f, v := range attrs {
		if err := checkAttribute(f, v); err != nil {
			return err
		}
	}
	return s.db.Write(ctx, func(tx *database.Tx) error {
		if err := requireCitizen(ctx, tx, citizenID); err != nil {
			return err
		}
		now := s.now().UnixMilli()
		var fields []string
		for _, f := range Attributes {
			v, ok := attrs[f]
			if !ok {
				continue
			}
			fields = append(fields, f)
			if v == "" {
				if _, err := tx.Exec(ctx, `DELETE FROM dossier_fields WHERE citizen_id = ? AND field = ?`, citizenID, f); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO dossier_fields (citizen_id, field, value, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (citizen_id, field) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
				citizenID, f, s.keys.Seal(v, fieldAAD(citizenID, f)), now); err != nil {
				return err
			}
		}
		_, err := s.o.Audit.AppendTx(ctx, tx, audit.Entry{Actor: actor, Organization: org, Action: "dossier.write",
			Object: "dossier:" + citizenID, DetailsHash: audit.DetailsHash(map[string]any{"fields": fields})})
		return err
	})
}

// AddCard records a card or document of a citizen, with an audit entry.
func (s *Service) AddCard(ctx context.Context, actor, org, citizenID string, c Card) (Card, error) {
	if _, ok := CardKinds[c.Kind]; !ok {
		return c, errs.E(errs.Invalid, "dossier.unknown_card").OnField("kind")
	}
	if c.Number = strings.TrimSpace(c.Number); c.Number == "" || len(c.Number) > 64 {
		return c, errs.E(errs.Invalid, "dossier.bad_value").OnField("number")
	}
	if c.ExpiresOn.IsZero() {
		return c, errs.E(errs.Invalid, "dossier.bad_date").OnField("expires_on")
	}
	c.ExpiresOn = dateOnly(c.ExpiresOn)
	c.ID = newID("card-", 8)
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		if err := requireCitizen(ctx, tx, citizenID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO dossier_cards (id, citizen_id, kind, number, expires_on, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, citizenID, c.Kind, s.keys.Seal(c.Number, cardAAD(c.ID)), c.ExpiresOn.Format("2006-01-02"), s.now().UnixMilli()); err != nil {
			return err
		}
		_, err := s.o.Audit.AppendTx(ctx, tx, audit.Entry{Actor: actor, Organization: org, Action: "dossier.card_added",
			Object: "dossier:" + citizenID, DetailsHash: audit.DetailsHash(map[string]any{"card": c.ID, "kind": c.Kind})})
		return err
	})
	return c, err
}

func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// requireCitizen checks that an account exists (a file belongs to an account).
func requireCitizen(ctx context.Context, tx *database.Tx, id string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM identity_accounts WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.NotFound, "dossier.no_citizen").OnField("citizen")
	}
	return nil
}

// Mine returns the citizen's own whole file (the citizen reading their own
// file is not an access to audit).
func (s *Service) Mine(ctx context.Context, citizenID string) (File, error) {
	var f File
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		f, err = s.readFile(ctx, tx, citizenID, append(append([]string{}, Attributes...), FieldCards))
		return err
	})
	return f, err
}

// readFile decrypts the given fields of a file, nothing more.
func (s *Service) readFile(ctx context.Context, tx *database.Tx, citizenID string, fields []string) (File, error) {
	f := File{CitizenID: citizenID, Attributes: map[string]string{}}
	rows, err := tx.Query(ctx, `SELECT field, value FROM dossier_fields WHERE citizen_id = ?`, citizenID)
	if err != nil {
		return f, err
	}
	type sealed struct{ field, value string }
	var list []sealed
	for rows.Next() {
		var x sealed
		if err := rows.Scan(&x.field, &x.value); err != nil {
			rows.Close()
			return f, err
		}
		if contains(fields, x.field) {
			list = append(list, x)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	for _, x := range list {
		v, err := s.keys.Open(x.value, fieldAAD(citizenID, x.field))
		if err != nil {
			return f, errs.Internalf("dossier: field %s of a file: %w", x.field, err)
		}
		f.Attributes[x.field] = v
	}
	if contains(fields, FieldCards) {
		if f.Cards, err = s.cards(ctx, tx, citizenID); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *Service) cards(ctx context.Context, tx *database.Tx, citizenID string) ([]Card, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, number, expires_on FROM dossier_cards WHERE citizen_id = ? ORDER BY expires_on, id`, citizenID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Card
	for rows.Next() {
		var c Card
		var number, exp string
		if err := rows.Scan(&c.ID, &c.Kind, &number, &exp); err != nil {
			return nil, err
		}
		if c.Number, err = s.keys.Open(number, cardAAD(c.ID)); err != nil {
			return nil, errs.Internalf("dossier: card %s: %w", c.ID, err)
		}
		c.ExpiresOn, _ = time.Parse("2006-01-02", exp)
		out = append(out, c)
	}
	return out, rows.Err()
}
