package catalog_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/catalog/demo"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/opendata/opendatatest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// openDemo returns a catalogue holding the demonstration data set.
func openDemo(tb testing.TB, db *database.DB) *catalog.Catalog {
	tb.Helper()
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *database.Tx) error { return demo.Install(ctx, tx) }); err != nil {
		tb.Fatal(err)
	}
	c, err := catalog.Open(ctx, db, quiet)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestSearchTheDemoCatalogue(t *testing.T) {
	c := openDemo(t, dbtest.Open(t, database.SQLite))
	tests := []struct {
		q    string
		lang i18n.Lang
		want []string // acceptable first results
	}{
		{"carte soleil", i18n.FR, []string{"ramq-carte-renouvellement"}},
		{"permi de conduir", i18n.FR, []string{"saaq-permis-renouvellement"}},
		{"driving test", i18n.EN, []string{"saaq-examen-pratique", "saaq-examen-theorique"}},
		{"driving test", i18n.FR, []string{"saaq-examen-pratique", "saaq-examen-theorique"}},
		{"je déménage", i18n.FR, []string{"changement-adresse"}},
		{"je demenage", i18n.FR, []string{"changement-adresse"}},
		{"moving", i18n.EN, []string{"changement-adresse"}},
		{"impots", i18n.FR, []string{"revenu-declaration"}},
		{"acte de naissance", i18n.FR, []string{"etat-civil-certificat-naissance"}},
		{"carte perdue", i18n.FR, []string{"ramq-carte-remplacement"}},
		{"plaque immatriculation", i18n.FR, []string{"saaq-immatriculation"}},
		{"NEQ", i18n.FR, []string{"entreprise-immatriculation"}},
		{"congé parental", i18n.FR, []string{"rqap-prestations"}},
		{"welfare", i18n.EN, []string{"aide-sociale"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang)+"/"+tt.q, func(t *testing.T) {
			got := c.Search(tt.q, tt.lang, 5)
			if len(got) == 0 {
				t.Fatal("no result")
			}
			for _, w := range tt.want {
				if got[0].ID == w {
					return
				}
			}
			t.Fatalf("first result %s, want one of %v", got[0].ID, tt.want)
		})
	}
	if got := c.Search("xyzzy qwerty", i18n.FR, 5); len(got) != 0 {
		t.Errorf("nonsense found %v", got)
	}
	if got := c.Search("", i18n.FR, 0); len(got) < 15 {
		t.Errorf("empty query lists %d services", len(got))
	}
}

// TestNearestWithRealOpenData is the capability's acceptance test: after
// importing the real postal areas, municipalities and facilities, the
// nearest points are in the right towns.
func TestNearestWithRealOpenData(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		c := openDemo(t, db)
		opendatatest.ImportAll(t, db)
		if err := c.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, points := c.Counts()
		if points < 700 {
			t.Fatalf("only %d service points after import", points)
		}
		now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC) // a Thursday, 10:00 in Montréal
		for _, tt := range []struct{ near, service, want string }{
			{"H3A 1B9", "", "Montréal"},
			{"G1V 4M6", "", "Québec"},
			{"levis", "", "Lévis"},
			{"45.48,-75.65", "", "Gatineau"},
			{"H3A 1B9", "ramq-carte-renouvellement", "Montréal"},
			{"G1V 4M6", "saaq-examen-pratique", "Québec"},
			{"Lévis", "saaq-examen-theorique", "Lévis"},
			{"45.48,-75.65", "saaq-immatriculation", "Gatineau"},
			{"Trois Rivieres", "saaq-examen-pratique", "Trois-Rivières"},
			{"SHERBROOKE", "ramq-carte-renouvellement", "Sherbrooke"},
			{"g1v", "sante-prelevements", "Québec"},
		} {
			res, err := c.Nearest(catalog.NearQuery{Near: tt.near, ServiceID: tt.service, Limit: 3, Now: now})
			if err != nil {
				t.Fatalf("%s/%s: %v", tt.near, tt.service, err)
			}
			if len(res.Items) == 0 || res.Items[0].Point.Municipality != tt.want {
				t.Errorf("%s/%s: nearest in %q, want %s", tt.near, tt.service, municipalities(res), tt.want)
			}
			for i := 1; i < len(res.Items); i++ {
				if res.Items[i].DistanceKm < res.Items[i-1].DistanceKm {
					t.Errorf("%s: not nearest first", tt.near)
				}
			}
			if tt.service != "" && !res.Items[0].Point.OffersService(tt.service) {
				t.Errorf("%s: first point does not offer %s", tt.near, tt.service)
			}
		}
	})
}

func municipalities(r catalog.NearResult) string {
	var s []string
	for _, it := range r.Items {
		s = append(s, it.Point.Municipality)
	}
	return strings.Join(s, ", ")
}

func TestNearestRefusesWhatItCannotPlace(t *testing.T) {
	c := openDemo(t, dbtest.Open(t, database.SQLite))
	for _, tt := range []struct{ near, service, field, contains string }{
		{"ZZZ", "", "near", "ZZZ"},
		{"Sherbroke", "", "near", "Sherbrooke"},
		{"Trois Rivière", "", "near", "Trois-Rivières"},
		{"", "", "near", ""},
		{"H3A 1B9", "no-such-service", "service", "no-such-service"},
	} {
		_, err := c.Nearest(catalog.NearQuery{Near: tt.near, ServiceID: tt.service, Now: time.Now()})
		e := errs.As(err)
		if e.Code != errs.Invalid || e.Field != tt.field {
			t.Errorf("%q: %v, want invalid %s", tt.near, err, tt.field)
			continue
		}
		msg := i18n.T(i18n.FR, e.Key, e.Args...)
		if !strings.Contains(msg, tt.contains) {
			t.Errorf("%q: message %q lacks %q", tt.near, msg, tt.contains)
		}
	}
}
