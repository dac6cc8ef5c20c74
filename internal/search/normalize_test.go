package search

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Carte d'assurance maladie", "carte d assurance maladie"},
		{"L’Île-Perrot", "l ile perrot"},
		{"Saint-Jean-sur-Richelieu", "saint jean sur richelieu"},
		{"  Œuvre   ÆSOP  ", "oeuvre aesop"},
		{"Français, ça: déjà vu!", "francais ca deja vu"},
		{"NAÏVE CRÈME BRÛLÉE", "naive creme brulee"},
		{"e\u0301cole", "ecole"}, // decomposed é
		{"Kuujjuaq (Nunavik)", "kuujjuaq nunavik"},
		{"Lac-Mégantic 2013", "lac megantic 2013"},
		{"rue de l\u02bcÉglise", "rue de l eglise"},
		{"Straße", "strasse"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Trois-Rivières", "trois-rivieres"},
		{"L’Île-Perrot", "l’ile-perrot"},
		{"ŒUF", "oeuf"},
		{"Çà et là", "ca et la"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"permis", "permis", 0},
		{"permi", "permis", 1},
		{"conduir", "conduire", 1},
		{"assurence", "assurance", 1},
		{"maladi", "maladie", 1},
		{"kitten", "sitting", 3},
		{"ab", "ba", 1},         // transposition
		{"ca", "abc", 3},        // OSA, not unrestricted Damerau (2)
		{"quebec", "québec", 1}, // runes, not bytes
		{"gaspe", "gapse", 1},
		{"rimouski", "rimousky", 1},
		{"montreal", "montrael", 1},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestDeletionVariantsFindTypos(t *testing.T) {
	// Every pair within k edits shares a deletion variant of at most k
	// deletions on each side: the property the typo lookup relies on.
	pairs := []struct {
		a, b string
		k    int
	}{
		{"permi", "permis", 1},
		{"ab", "ba", 1},
		{"assurence", "assurance", 2},
		{"renouvelemnt", "renouvellement", 2},
		{"demenagment", "demenagement", 1},
		{"nassiance", "naissance", 2},
	}
	for _, p := range pairs {
		if d := Distance(p.a, p.b); d > p.k {
			t.Fatalf("test data: Distance(%q, %q) = %d > %d", p.a, p.b, d, p.k)
		}
		va := map[string]bool{}
		for _, v := range deletionVariants(p.a, p.k) {
			va[v] = true
		}
		shared := false
		for _, v := range deletionVariants(p.b, p.k) {
			shared = shared || va[v]
		}
		if !shared {
			t.Errorf("%q and %q share no deletion variant", p.a, p.b)
		}
	}
}
