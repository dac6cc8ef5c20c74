package geo

import (
	"context"

	"github.com/guichet-qc/guichet/internal/database"
)

// Counts reports what an upsert did, so that a second import of the same
// file can be seen to change nothing.
type Counts struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Add accumulates counts.
func (c *Counts) Add(o Counts) {
	c.Inserted += o.Inserted
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
}

// UpsertFSAs inserts new postal areas and updates changed ones.
func UpsertFSAs(ctx context.Context, tx *database.Tx, list []FSA) (Counts, error) {
	old := map[string]FSA{}
	rows, err := tx.Query(ctx, `SELECT code, place, lat, lon FROM geo_fsas`)
	if err != nil {
		return Counts{}, err
	}
	for rows.Next() {
		var f FSA
		if err := rows.Scan(&f.Code, &f.Place, &f.Lat, &f.Lon); err != nil {
			rows.Close()
			return Counts{}, err
		}
		old[f.Code] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Counts{}, err
	}
	var c Counts
	for _, f := range list {
		prev, ok := old[f.Code]
		switch {
		case !ok:
			_, err = tx.Exec(ctx, `INSERT INTO geo_fsas (code, place, lat, lon) VALUES (?, ?, ?, ?)`, f.Code, f.Place, f.Lat, f.Lon)
			c.Inserted++
		case prev != f:
			_, err = tx.Exec(ctx, `UPDATE geo_fsas SET place = ?, lat = ?, lon = ? WHERE code = ?`, f.Place, f.Lat, f.Lon, f.Code)
			c.Updated++
		default:
			c.Unchanged++
		}
		if err != nil {
			return c, err
		}
		old[f.Code] = f
	}
	return c, nil
}

// UpsertMunicipalities inserts new municipalities and updates changed ones.
func UpsertMunicipalities(ctx context.Context, tx *database.Tx, list []Municipality) (Counts, error) {
	old := map[string]Municipality{}
	rows, err := tx.Query(ctx, `SELECT code, name, region, population, lat, lon, precision FROM geo_municipalities`)
	if err != nil {
		return Counts{}, err
	}
	for rows.Next() {
		var m Municipality
		if err := rows.Scan(&m.Code, &m.Name, &m.Region, &m.Population, &m.Lat, &m.Lon, &m.Precision); err != nil {
			rows.Close()
			return Counts{}, err
		}
		old[m.Code] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Counts{}, err
	}
	var c Counts
	for _, m := range list {
		prev, ok := old[m.Code]
		switch {
		case !ok:
			_, err = tx.Exec(ctx, `INSERT INTO geo_municipalities (code, name, region, population, lat, lon, precision) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				m.Code, m.Name, m.Region, m.Population, m.Lat, m.Lon, m.Precision)
			c.Inserted++
		case prev != m:
			_, err = tx.Exec(ctx, `UPDATE geo_municipalities SET name = ?, region = ?, population = ?, lat = ?, lon = ?, precision = ? WHERE code = ?`,
				m.Name, m.Region, m.Population, m.Lat, m.Lon, m.Precision, m.Code)
			c.Updated++
		default:
			c.Unchanged++
		}
		if err != nil {
			return c, err
		}
		old[m.Code] = m
	}
	return c, nil
}

// Load reads every municipality and postal area.
func Load(ctx context.Context, tx *database.Tx) ([]Municipality, []FSA, error) {
	var munis []Municipality
	rows, err := tx.Query(ctx, `SELECT code, name, region, population, lat, lon, precision FROM geo_municipalities ORDER BY code`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var m Municipality
		if err := rows.Scan(&m.Code, &m.Name, &m.Region, &m.Population, &m.Lat, &m.Lon, &m.Precision); err != nil {
			rows.Close()
			return nil, nil, err
		}
		munis = append(munis, m)
	}
	rows.Close()
	var fsas []FSA
	rows, err = tx.Query(ctx, `SELECT code, place, lat, lon FROM geo_fsas ORDER BY code`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var f FSA
		if err := rows.Scan(&f.Code, &f.Place, &f.Lat, &f.Lon); err != nil {
			return nil, nil, err
		}
		fsas = append(fsas, f)
	}
	return munis, fsas, rows.Err()
}
