package assistant

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"
)

var parser = sync.OnceValues(func() (*Parser, error) {
	cat, err := DemoCatalog()
	if err != nil {
		return nil, err
	}
	return NewParser(cat)
})

func mustParser(t *testing.T) *Parser {
	t.Helper()
	p, err := parser()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDemoCatalog(t *testing.T) {
	cat, err := DemoCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"Montréal", "Québec", "Laval", "Trois-Rivières", "Lévis", "Rimouski"} {
		if !slices.Contains(cat.Municipalities, m) {
			t.Errorf("municipality %s missing from %v", m, cat.Municipalities)
		}
	}
	ids := map[string]bool{}
	for _, s := range cat.Services {
		ids[s.ID] = true
		if len(s.Names) == 0 {
			t.Errorf("%s has no name", s.ID)
		}
	}
	for _, id := range []string{"ramq-carte-renouvellement", "saaq-permis-renouvellement", "allocation-famille"} {
		if !ids[id] {
			t.Errorf("service %s missing", id)
		}
	}
}

func TestParse(t *testing.T) {
	p := mustParser(t)
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("EST", -5*3600)) // a Friday
	for _, tt := range []struct {
		text, hint, lang, intent string
		entities                 map[string]string
	}{
		{"ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?", "", "fr", "book_appointment",
			map[string]string{"service": "ramq-carte-renouvellement", "municipality": "Laval", "date": "2026-12-03"}},
		{"I want to cancel RV-7K3M9P", "", "en", "cancel_appointment", map[string]string{"booking_ref": "RV-7K3M9P"}},
		{"where is the nearest office to H2X 1Y4", "fr", "en", "find_location", map[string]string{"postal_code": "H2X 1Y4"}},
		{"bonjour", "en", "fr", "greet", map[string]string{}},
		{"ok", "en", "en", "affirm", map[string]string{}},
		{"ok", "", "fr", "affirm", map[string]string{}},
		{"c'est quoi la recette de la tarte au sucre", "", "fr", "out_of_scope", map[string]string{}},
	} {
		r := p.Parse(tt.text, tt.hint, now)
		if r.Text != tt.text || r.Lang != tt.lang || r.Intent != tt.intent {
			t.Errorf("%q: got lang %s intent %s (%.2f), want %s %s", tt.text, r.Lang, r.Intent, r.Confidence, tt.lang, tt.intent)
		}
		if r.Confidence < 0 || r.Confidence > 1 {
			t.Errorf("%q: confidence %v", tt.text, r.Confidence)
		}
		for k, v := range tt.entities {
			if r.Entities[k] != v {
				t.Errorf("%q: entity %s = %q, want %q (all: %v)", tt.text, k, r.Entities[k], v, r.Entities)
			}
		}
	}
}

func TestResultJSON(t *testing.T) {
	p := mustParser(t)
	r := p.Parse("allo", "", time.Now())
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if e, ok := m["entities"].(map[string]any); !ok || len(e) != 0 {
		t.Errorf("entities of %s: want {}", b)
	}
	for _, k := range []string{"text", "lang", "intent", "confidence", "entities"} {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: no %q", b, k)
		}
	}
}
