package dossier

import (
	"context"
	"strings"

	"github.com/guichet-qc/guichet/internal/database"
)

// sealedColumn is a column holding sealed values, with how to name a row
// and the additional data its values are bound to.
type sealedColumn struct {
	table, column, key string // key: the SQL expression naming a row (unique)
	aad                func(rowKey string) string
	clearOK            bool // values stored in clear before sealing began are sealed too
}

var sealedColumns = []sealedColumn{
	{"dossier_fields", "value", "citizen_id || '|' || field", func(k string) string {
		citizen, field, _ := strings.Cut(k, "|")
		return fieldAAD(citizen, field)
	}, false},
	{"dossier_cards", "number", "id", cardAAD, false},
	{"dossier_accesses", "justification", "id", accessAAD, false},
	{"dossier_accesses", "review_note", "id", func(k string) string { return accessAAD(k) + "|review" }, false},
	{"dossier_corrections", "message", "id", func(k string) string { return correctionAAD(k, "message") }, false},
	{"dossier_corrections", "resolution", "id", func(k string) string { return correctionAAD(k, "resolution") }, false},
	// The same keyring seals the OpenID provider's signing keys.
	{"oidc_keys", "private_key", "id", func(k string) string { return "oidc_keys:" + k }, true},
}

// ReencryptReport counts what Reencrypt did.
type ReencryptReport struct {
	Rows      int // sealed values read
	Moved     int // values sealed again under the current key
	Remaining int // values under another key after the run (0 when it succeeds)
}

// Reencrypt seals again, under the current key, every value sealed under
// another key, in transactions of batch rows; values already under the
// current key are left alone, so it can be interrupted and run again.
// Afterwards the old keys can leave the keyring.
func (s *Service) Reencrypt(ctx context.Context, batch int) (ReencryptReport, error) {
	var rep ReencryptReport
	if batch <= 0 {
		batch = 500
	}
	cur := s.keys.Current()
	for _, c := range sealedColumns {
		after := ""
		for {
			type row struct{ key, value string }
			var rows []row
			err := s.db.Write(ctx, func(tx *database.Tx) error {
				rows = rows[:0]
				q, err := tx.Query(ctx, `SELECT `+c.key+`, `+c.column+` FROM `+c.table+` WHERE `+c.key+` > ? AND `+c.column+` <> ''
					ORDER BY `+c.key+` LIMIT ?`, after, batch)
				if err != nil {
					return err
				}
				for q.Next() {
					var r row
					if err := q.Scan(&r.key, &r.value); err != nil {
						q.Close()
						return err
					}
					rows = append(rows, r)
				}
				q.Close()
				if err := q.Err(); err != nil {
					return err
				}
				for _, r := range rows {
					if KeyOf(r.value) == cur {
						continue
					}
					plain := r.value
					if KeyOf(r.value) != "" || !c.clearOK {
						if plain, err = s.keys.Open(r.value, c.aad(r.key)); err != nil {
							return err
						}
					}
					if _, err := tx.Exec(ctx, `UPDATE `+c.table+` SET `+c.column+` = ? WHERE `+c.key+` = ? AND `+c.column+` = ?`,
						s.keys.Seal(plain, c.aad(r.key)), r.key, r.value); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return rep, err
			}
			for _, r := range rows {
				rep.Rows++
				if KeyOf(r.value) != cur {
					rep.Moved++
				}
			}
			if len(rows) < batch {
				break
			}
			after = rows[len(rows)-1].key
		}
	}
	n, err := s.CountNotUnder(ctx, cur)
	rep.Remaining = n
	return rep, err
}

// CountNotUnder counts the sealed values not sealed under key id.
func (s *Service) CountNotUnder(ctx context.Context, id string) (int, error) {
	total := 0
	err := s.db.Read(ctx, func(tx *database.Tx) error {
		for _, c := range sealedColumns {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+c.table+` WHERE `+c.column+` <> '' AND SUBSTR(`+c.column+`, 1, ?) <> ?`,
				len(sealPrefix+id+"."), sealPrefix+id+".").Scan(&n); err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	return total, err
}
