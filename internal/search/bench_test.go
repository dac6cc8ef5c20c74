package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchQueries mixes what citizens type: exact words, synonyms, typos,
// words being typed, English on the French page, nonsense.
var benchQueries = []struct{ q, lang string }{
	{"carte soleil", "fr"},
	{"permi de conduir", "fr"},
	{"driving test", "fr"},
	{"je déménage", "fr"},
	{"demenagement", "fr"},
	{"moving", "en"},
	{"impots", "fr"},
	{"acte de naissance", "fr"},
	{"renouv", "fr"},
	{"assurence maladi", "fr"},
	{"health card", "en"},
	{"Permis de conduire", ""},
	{"examen pratique", "fr"},
	{"road test", "en"},
	{"renouveler carte assurance maladie", "fr"},
	{"naissance certificat", "fr"},
	{"aide financiere dernier recours", "fr"},
	{"immatriculr vehicul", "fr"},
	{"c", "fr"},
	{"xyzzy qwerty", "fr"},
}

// benchDocs returns n documents made from the fixture's, each given extra
// words drawn from a vocabulary of the domain, so that the index holds a
// catalogue-sized dictionary. The generator is seeded: every run indexes
// the same documents.
func benchDocs(n int) []Doc {
	vocab := strings.Fields(`municipalité région Montréal Québec Laval Gatineau Longueuil
		Sherbrooke Saguenay Lévis Trois-Rivières Terrebonne Rimouski Gaspé Chibougamau
		demande formulaire rendez-vous paiement remboursement crédit impôt foncier taxe
		scolaire garderie école élève étudiant prêt bourse logement loyer tribunal
		administratif retraite régime rente pension invalidité accident travail santé
		sécurité vaccination hôpital médecin famille urgence pharmacie médicament
		chasse pêche permis arme feu faune parc camping environnement eau potable
		érable agriculture producteur agricole forêt bois énergie électricité
		bornes recharge véhicule électrique transport collectif autobus traversier
		citoyenneté immigration francisation travailleur étranger diplôme équivalence
		emploi chômage formation apprentissage métier construction carte compétence
		bénévolat organisme communautaire aîné proche aidant handicap adaptation
		domicile service public ligne dossier compte sécurisé identité numérique
		plainte ombudsman protecteur consommateur contrat garantie fraude
		application mobile courriel téléphone adresse naissance décès mariage union
		testament succession notaire tutelle curatelle jeunesse protection enfance
		tax credit rebate housing rent student loan bursary pension disability
		workplace safety vaccine hospital doctor pharmacy hunting fishing licence
		park camping water maple farm forest electricity charging station transit
		bus ferry citizenship immigration french course foreign worker diploma job
		training apprenticeship trade volunteer senior caregiver disability home
		online account identity complaint consumer contract warranty fraud email
		phone address birth death marriage will estate notary guardianship youth`)
	base := fixtureDocs()
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(ws, " ")
	}
	docs := make([]Doc, n)
	for i := range docs {
		b := base[i%len(base)]
		d := Doc{ID: fmt.Sprintf("%s-%03d", b.ID, i), SynonymsFR: b.SynonymsFR, SynonymsEN: b.SynonymsEN}
		for _, f := range b.FR {
			d.FR = append(d.FR, Field{f.Text + " " + pick(2+int(f.Weight)), f.Weight})
		}
		for _, f := range b.EN {
			d.EN = append(d.EN, Field{f.Text + " " + pick(2+int(f.Weight)), f.Weight})
		}
		d.FR = append(d.FR, Field{pick(25), 1})
		d.EN = append(d.EN, Field{pick(25), 1})
		docs[i] = d
	}
	return docs
}

// benchLatencies runs search over benchQueries in turn, timing each call,
// and reports the 50th and 99th percentiles in microseconds besides ns/op
// (one op = one query).
func benchLatencies(b *testing.B, search func(q, lang string) int) {
	b.Helper()
	durations := make([]time.Duration, 0, 1<<16)
	hits := 0
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		q := benchQueries[i%len(benchQueries)]
		i++
		start := time.Now()
		hits += search(q.q, q.lang)
		durations = append(durations, time.Since(start))
	}
	if hits == 0 {
		b.Fatal("no query found anything")
	}
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// BenchmarkSearch measures Index.Search over 200 documents. Read it as a
// ratio against BenchmarkSearchBaseline, measured in the same run.
func BenchmarkSearch(b *testing.B) {
	ix := New(benchDocs(200))
	benchLatencies(b, func(q, lang string) int { return len(ix.Search(q, lang, 10)) })
}

// BenchmarkSearchBaseline is the naive alternative over the same
// documents: normalized text kept per document, and a document matches
// when it contains a query word as a substring, ranked by how many it
// contains. No stemming, typos, synonyms or weights.
func BenchmarkSearchBaseline(b *testing.B) {
	docs := benchDocs(200)
	texts := make([]string, len(docs))
	for i, d := range docs {
		var all []string
		for _, f := range slices.Concat(d.FR, d.EN) {
			all = append(all, f.Text)
		}
		all = append(all, d.SynonymsFR...)
		all = append(all, d.SynonymsEN...)
		texts[i] = " " + Normalize(strings.Join(all, " ")) + " "
	}
	benchLatencies(b, func(q, _ string) int {
		ws := strings.Fields(Normalize(q))
		var hits []Hit
		for i, t := range texts {
			n := 0
			for _, w := range ws {
				if strings.Contains(t, w) {
					n++
				}
			}
			if n > 0 {
				hits = append(hits, Hit{ID: docs[i].ID, Score: float64(n)})
			}
		}
		slices.SortFunc(hits, func(a, b Hit) int {
			if a.Score != b.Score {
				return int(b.Score - a.Score)
			}
			return strings.Compare(a.ID, b.ID)
		})
		return len(hits[:min(10, len(hits))])
	})
}

// BenchmarkNew measures building the index over 200 documents, as done
// when the catalogue changes.
func BenchmarkNew(b *testing.B) {
	docs := benchDocs(200)
	b.ReportAllocs()
	for b.Loop() {
		New(docs)
	}
}
