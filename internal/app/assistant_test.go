package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/opendata"
)

// A municipality imported while the platform runs is understood by the
// assistant once the catalogue reloads, without a restart.
func TestAssistantLearnsImportedMunicipalities(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		a := start(t, d.Dialect)
		ctx := context.Background()
		say := func() string {
			t.Helper()
			id, _, err := a.Assistant().Start(ctx, "fr")
			if err != nil {
				t.Fatal(err)
			}
			r, err := a.Assistant().Send(ctx, id, dialogue.Input{Text: "avez-vous un bureau à Drummondville"})
			if err != nil {
				t.Fatal(err)
			}
			return r.Entities["municipality"]
		}
		if got := say(); got != "" {
			t.Fatalf("before the import: municipality %q, want none", got)
		}
		csv := "mcode,munnom,regadm,mpopul,lat,lon,coord_source\n49058,Drummondville,Centre-du-Québec (17),79258,45.8833,-72.4833,simplemaps_name_match\n"
		if _, err := opendata.Import(ctx, a.DB(), opendata.KindMunicipalities, strings.NewReader(csv), nil); err != nil {
			t.Fatal(err)
		}
		if err := a.Catalog().Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if got := say(); got != "Drummondville" {
			t.Fatalf("after the import: municipality %q, want Drummondville", got)
		}
	})
}
