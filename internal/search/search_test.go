package search

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestSearchFirstHit(t *testing.T) {
	ix := New(fixtureDocs())
	tests := []struct {
		name  string
		query string
		lang  string
		want  []string // acceptable first hits
	}{
		{"synonym carte soleil", "carte soleil", "fr", []string{"ramq-renouveler"}},
		{"synonym carte soleil, english page", "carte soleil", "en", []string{"ramq-renouveler"}},
		{"typos permis de conduire", "permi de conduir", "fr", []string{"saaq-permis-renouveler"}},
		{"english on the french site", "driving test", "fr", []string{"saaq-examen-pratique", "saaq-examen-theorique"}},
		{"driving test, english", "driving test", "en", []string{"saaq-examen-pratique", "saaq-examen-theorique"}},
		{"synonym je déménage", "je déménage", "fr", []string{"adresse"}},
		{"no accents", "demenagement", "fr", []string{"adresse"}},
		{"moving", "moving", "en", []string{"adresse"}},
		{"impots without accent", "impots", "fr", []string{"impot-declaration"}},
		{"acte de naissance", "acte de naissance", "fr", []string{"etat-civil-naissance"}},
		{"naissance certificat", "naissance certificat", "fr", []string{"etat-civil-naissance"}},
		{"prefix", "renouv", "fr", []string{"ramq-renouveler", "saaq-permis-renouveler"}},
		// "assurance maladie" alone does not say which RAMQ service is meant:
		// renewal and registration both fit (TestSearchTyposRankLikeCorrect
		// checks the typos change nothing to the order).
		{"typos assurance maladie", "assurence maladi", "fr", []string{"ramq-renouveler", "ramq-inscription"}},
		{"health card", "health card", "en", []string{"ramq-renouveler"}},
		{"health card, both languages", "health card", "", []string{"ramq-renouveler"}},
		{"caps and accents", "Permis de conduire", "fr", []string{"saaq-permis-renouveler"}},
		{"all caps", "PERMIS DE CONDUIRE", "fr", []string{"saaq-permis-renouveler"}},
		{"accents everywhere", "Pérmis dé Cönduire", "fr", []string{"saaq-permis-renouveler"}},
		{"examen pratique", "examen pratique", "fr", []string{"saaq-examen-pratique"}},
		{"road test", "road test", "en", []string{"saaq-examen-pratique"}},
		{"renouveler carte assurance maladie", "renouveler carte assurance maladie", "fr", []string{"ramq-renouveler"}},
		{"renewal stems", "health card renewal", "en", []string{"ramq-renouveler"}},
		{"lost card", "carte perdue", "fr", []string{"ramq-remplacer"}},
		{"aide sociale", "aide sociale", "fr", []string{"aide-sociale"}},
		{"welfare", "welfare", "en", []string{"aide-sociale"}},
		{"rqap", "RQAP", "fr", []string{"rqap"}},
		{"congé parental", "conge parental", "fr", []string{"rqap"}},
		{"neq", "NEQ", "", []string{"entreprise-neq"}},
		{"income tax", "income tax", "en", []string{"impot-declaration"}},
		{"allocation famille", "allocation famille", "fr", []string{"allocation-famille"}},
		{"immatriculer vehicule", "immatriculer vehicule", "fr", []string{"saaq-immatriculation"}},
		{"changement de nom", "changement de nom", "fr", []string{"etat-civil-nom"}},
		{"typing a synonym", "carte sol", "fr", []string{"ramq-renouveler"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Search(tt.query, tt.lang, 5)
			if len(hits) == 0 {
				t.Fatalf("Search(%q, %q) = no hit, want first in %v", tt.query, tt.lang, tt.want)
			}
			if !slices.Contains(tt.want, hits[0].ID) {
				t.Errorf("Search(%q, %q) first = %s, want one of %v; hits %v", tt.query, tt.lang, hits[0].ID, tt.want, hits)
			}
		})
	}
}

func TestSearchDrivingTestBothFirst(t *testing.T) {
	ix := New(fixtureDocs())
	for _, lang := range []string{"fr", "en", ""} {
		hits := ix.Search("driving test", lang, 2)
		got := []string{}
		for _, h := range hits {
			got = append(got, h.ID)
		}
		slices.Sort(got)
		want := []string{"saaq-examen-pratique", "saaq-examen-theorique"}
		if !slices.Equal(got, want) {
			t.Errorf("lang %q: top two = %v, want %v (hits %v)", lang, got, want, hits)
		}
	}
}

func TestSearchTyposRankLikeCorrect(t *testing.T) {
	ix := New(fixtureDocs())
	tests := []struct{ typed, correct string }{
		{"assurence maladi", "assurance maladie"},
		{"permi de conduir", "permis de conduire"},
		{"certificat de naisance", "certificat de naissance"},
		{"demenagment", "demenagement"},
		{"immatriculr vehicul", "immatriculer vehicule"},
	}
	ids := func(hits []Hit) []string {
		var out []string
		for _, h := range hits {
			out = append(out, h.ID)
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			typed, correct := ix.Search(tt.typed, "fr", 3), ix.Search(tt.correct, "fr", 3)
			if len(correct) == 0 {
				t.Fatalf("Search(%q) = no hit", tt.correct)
			}
			if !slices.Equal(ids(typed), ids(correct)) {
				t.Errorf("Search(%q) = %v, want the order of Search(%q) = %v", tt.typed, typed, tt.correct, correct)
			}
			// "permi" and "permis" share their stem: no cost there.
			if typed[0].Score > correct[0].Score {
				t.Errorf("typed score %v > correct score %v: typos should not gain", typed[0].Score, correct[0].Score)
			}
		})
	}
}

func TestSearchNoHit(t *testing.T) {
	ix := New(fixtureDocs())
	tests := []struct {
		name  string
		query string
	}{
		{"empty", ""},
		{"spaces and punctuation", "  ’ - ?! "},
		{"nonsense", "xyzzy qwerty"},
		{"french stop words", "je le la les de du"},
		{"english stop words", "the of to my"},
		{"mixed stop words", "de the à pour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, lang := range []string{"fr", "en", ""} {
				if hits := ix.Search(tt.query, lang, 10); len(hits) != 0 {
					t.Errorf("Search(%q, %q) = %v, want no hit", tt.query, lang, hits)
				}
			}
		})
	}
}

func TestSearchOrderAndLimit(t *testing.T) {
	ix := New(fixtureDocs())
	all := ix.Search("carte", "fr", 0)
	if len(all) < 2 {
		t.Fatalf("Search(carte) = %v, want several hits", all)
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Score < b.Score || a.Score == b.Score && a.ID > b.ID {
			t.Errorf("hits not ordered by score then ID: %v before %v", a, b)
		}
	}
	if got := ix.Search("carte", "fr", 1); len(got) != 1 || got[0] != all[0] {
		t.Errorf("limit 1 = %v, want [%v]", got, all[0])
	}
}

func TestSearchLanguageWeight(t *testing.T) {
	ix := New(fixtureDocs())
	score := func(lang string) float64 {
		hits := ix.Search("driving test", lang, 1)
		if len(hits) == 0 {
			t.Fatalf("no hit for lang %q", lang)
		}
		return hits[0].Score
	}
	if en, fr := score("en"), score("fr"); !(fr < en) {
		t.Errorf("english query scores %v on the french page, %v on the english page: want less on the french page", fr, en)
	}
}

func TestSearchTiesByID(t *testing.T) {
	docs := []Doc{
		{ID: "b", FR: []Field{{"Permis de pêche", 1}}},
		{ID: "c", FR: []Field{{"Permis de pêche", 1}}},
		{ID: "a", FR: []Field{{"Permis de pêche", 1}}},
	}
	hits := New(docs).Search("permis", "fr", 0)
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
}

func TestSearchDeterministicAndConcurrent(t *testing.T) {
	ix := New(fixtureDocs())
	queries := []string{"carte soleil", "permi de conduir", "driving test", "renouv", "assurence maladi"}
	want := map[string]string{}
	for _, q := range queries {
		want[q] = fmt.Sprint(ix.Search(q, "fr", 0))
	}
	// A second index over the same docs gives the same results.
	ix2 := New(fixtureDocs())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, q := range queries {
				if got := fmt.Sprint(ix2.Search(q, "fr", 0)); got != want[q] {
					t.Errorf("Search(%q) = %s, want %s", q, got, want[q])
				}
			}
		})
	}
	wg.Wait()
}

func TestNewEmpty(t *testing.T) {
	if hits := New(nil).Search("permis", "fr", 10); hits != nil {
		t.Errorf("empty index: hits %v, want none", hits)
	}
	ix := New([]Doc{{ID: "only-en", EN: []Field{{Text: "Fishing licence"}}}})
	if hits := ix.Search("fishing", "fr", 10); len(hits) != 1 || hits[0].ID != "only-en" {
		t.Errorf("doc without french text: hits %v, want only-en", hits)
	}
}
