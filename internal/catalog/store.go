package catalog

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/geo"
)

// The catalogue is stored as one JSON document per record (the types of
// this package), with the columns that constraints and joins need beside
// it. Every write bumps the catalogue version, which tells each running
// instance to reload its in-memory snapshot.

// UpsertOrganizations writes organizations, reporting what changed.
func UpsertOrganizations(ctx context.Context, tx *database.Tx, list []Organization) (geo.Counts, error) {
	var c geo.Counts
	for _, o := range list {
		if o.ID == "" || o.Name.FR == "" {
			return c, errs.E(errs.Invalid, "catalog.invalid_record", "organization", o.ID)
		}
		did, err := upsertDoc(ctx, tx, "catalog_organizations", o.ID, nil, o)
		if err != nil {
			return c, err
		}
		c.Add(did)
	}
	return c, bumpIf(ctx, tx, c)
}

// UpsertServices writes services, reporting what changed.
func UpsertServices(ctx context.Context, tx *database.Tx, list []Service) (geo.Counts, error) {
	var c geo.Counts
	for _, s := range list {
		if s.ID == "" || s.Name.FR == "" || s.OrganizationID == "" {
			return c, errs.E(errs.Invalid, "catalog.invalid_record", "service", s.ID)
		}
		did, err := upsertDoc(ctx, tx, "catalog_services", s.ID, map[string]any{"organization_id": s.OrganizationID}, s)
		if err != nil {
			return c, err
		}
		c.Add(did)
	}
	return c, bumpIf(ctx, tx, c)
}

// UpsertServicePoints writes service points and what they offer.
func UpsertServicePoints(ctx context.Context, tx *database.Tx, list []ServicePoint) (geo.Counts, error) {
	var c geo.Counts
	for _, p := range list {
		if p.ID == "" || p.Name.FR == "" || p.OrganizationID == "" || p.TimeZone == "" {
			return c, errs.E(errs.Invalid, "catalog.invalid_record", "service point", p.ID)
		}
		did, err := upsertDoc(ctx, tx, "catalog_service_points", p.ID,
			map[string]any{"organization_id": p.OrganizationID, "source": p.Source}, p)
		if err != nil {
			return c, err
		}
		c.Add(did)
		if did.Unchanged == 1 {
			continue
		}
		if _, err := tx.Exec(ctx, `DELETE FROM catalog_offers WHERE point_id = ?`, p.ID); err != nil {
			return c, err
		}
		for _, o := range p.Offers {
			if _, err := tx.Exec(ctx, `INSERT INTO catalog_offers (point_id, service_id, counters) VALUES (?, ?, ?)`,
				p.ID, o.ServiceID, o.Counters); err != nil {
				return c, err
			}
		}
	}
	return c, bumpIf(ctx, tx, c)
}

// upsertDoc inserts or updates one JSON document and its extra columns
// (column names are constants of this file, never user input).
func upsertDoc(ctx context.Context, tx *database.Tx, table, id string, cols map[string]any, v any) (geo.Counts, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return geo.Counts{}, errs.Internalf("catalog: encode %s %s: %w", table, id, err)
	}
	var old string
	err = tx.QueryRow(ctx, `SELECT doc FROM `+table+` WHERE id = ?`, id).Scan(&old)
	switch {
	case err == nil && old == string(doc):
		return geo.Counts{Unchanged: 1}, nil
	case err == nil:
		set, args := "doc = ?", []any{string(doc)}
		for _, k := range sortedKeys(cols) {
			set += ", " + k + " = ?"
			args = append(args, cols[k])
		}
		_, err = tx.Exec(ctx, `UPDATE `+table+` SET `+set+` WHERE id = ?`, append(args, id)...)
		return geo.Counts{Updated: 1}, err
	case errs.Is(err, errs.NotFound):
		names, marks, args := "id, doc", "?, ?", []any{id, string(doc)}
		for _, k := range sortedKeys(cols) {
			names += ", " + k
			marks += ", ?"
			args = append(args, cols[k])
		}
		_, err = tx.Exec(ctx, `INSERT INTO `+table+` (`+names+`) VALUES (`+marks+`)`, args...)
		return geo.Counts{Inserted: 1}, err
	default:
		return geo.Counts{}, err
	}
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// BumpVersion records that the catalogue (or the gazetteer) changed.
func BumpVersion(ctx context.Context, tx *database.Tx) error {
	v, err := Version(ctx, tx)
	if err != nil {
		return err
	}
	if v == 0 {
		_, err = tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES ('catalog_version', '1')`)
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE platform_settings SET value = ? WHERE name = 'catalog_version'`, strconv.FormatInt(v+1, 10))
	return err
}

func bumpIf(ctx context.Context, tx *database.Tx, c geo.Counts) error {
	if c.Inserted+c.Updated == 0 {
		return nil
	}
	return BumpVersion(ctx, tx)
}

// Version is the catalogue version (0 for an empty catalogue).
func Version(ctx context.Context, tx *database.Tx) (int64, error) {
	var s string
	err := tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = 'catalog_version'`).Scan(&s)
	if errs.Is(err, errs.NotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// contents is everything the catalogue holds.
type contents struct {
	orgs     []Organization
	services []Service
	points   []ServicePoint
	munis    []geo.Municipality
	fsas     []geo.FSA
	version  int64
}

func load(ctx context.Context, tx *database.Tx) (contents, error) {
	var c contents
	var err error
	if c.version, err = Version(ctx, tx); err != nil {
		return c, err
	}
	if err := loadDocs(ctx, tx, "catalog_organizations", func(b []byte) error {
		var o Organization
		err := json.Unmarshal(b, &o)
		c.orgs = append(c.orgs, o)
		return err
	}); err != nil {
		return c, err
	}
	if err := loadDocs(ctx, tx, "catalog_services", func(b []byte) error {
		var s Service
		err := json.Unmarshal(b, &s)
		c.services = append(c.services, s)
		return err
	}); err != nil {
		return c, err
	}
	if err := loadDocs(ctx, tx, "catalog_service_points", func(b []byte) error {
		var p ServicePoint
		err := json.Unmarshal(b, &p)
		c.points = append(c.points, p)
		return err
	}); err != nil {
		return c, err
	}
	c.munis, c.fsas, err = geo.Load(ctx, tx)
	return c, err
}

func loadDocs(ctx context.Context, tx *database.Tx, table string, each func([]byte) error) error {
	rows, err := tx.Query(ctx, `SELECT doc FROM `+table+` ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return err
		}
		if err := each([]byte(doc)); err != nil {
			return errs.Internalf("catalog: decode %s: %w", table, err)
		}
	}
	return rows.Err()
}
