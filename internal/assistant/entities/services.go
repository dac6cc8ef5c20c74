package entities

import (
	"sort"
	"strings"

	"github.com/kljensen/snowball"

	"github.com/guichet-qc/guichet/internal/search"
)

// stopwords are left out of phrases and utterances before matching
// services: « carte d'assurance maladie » matches « carte assurance-maladie ».
var stopwords = map[string]bool{
	"le": true, "la": true, "les": true, "l": true, "un": true, "une": true, "des": true, "de": true,
	"du": true, "d": true, "a": true, "au": true, "aux": true, "en": true, "et": true, "ou": true,
	"ma": true, "mon": true, "mes": true, "ta": true, "ton": true, "tes": true, "sa": true, "son": true,
	"ses": true, "notre": true, "nos": true, "votre": true, "vos": true, "leur": true, "leurs": true,
	"ce": true, "cet": true, "cette": true, "ces": true, "j": true, "je": true, "me": true, "m": true,
	"moi": true, "tu": true, "te": true, "t": true, "il": true, "elle": true, "on": true, "nous": true,
	"vous": true, "y": true, "pour": true, "par": true, "sur": true, "avec": true, "dans": true,
	"que": true, "qui": true, "qu": true, "s": true, "se": true, "n": true, "ne": true,
	"the": true, "an": true, "of": true, "my": true, "your": true, "our": true, "to": true,
	"for": true, "in": true, "at": true, "and": true, "or": true, "i": true, "is": true,
	"am": true, "it": true, "with": true, "please": true, "svp": true,
}

// Weights of a phrase found in an utterance, by what it is for the service.
const (
	weightKeyword = 1 // a single keyword; a keyword of several words gets 1 more a word
	weightStrong  = 3 // a name or a synonym; 1 more a word after the first
	minScore      = 2 // below this no service is set
)

type phrase struct {
	toks    []int32     // vocabulary ids
	weights map[int]int // service index → weight
	caps    bool        // a two-letter acronym: must be typed in capitals
	text    string
}

type serviceMatcher struct {
	ids     []string
	vocab   *fuzzyIndex
	stems   map[string][]int32 // stem → vocabulary ids
	phrases []phrase
	byFirst map[int32][]int32 // first vocabulary id → phrases
	// knowledge words turn the road test into the knowledge test.
	knowledge map[string]bool
}

func newServiceMatcher(services []Service) *serviceMatcher {
	m := &serviceMatcher{
		vocab:   newFuzzyIndex(),
		stems:   map[string][]int32{},
		byFirst: map[int32][]int32{},
		knowledge: map[string]bool{"theorique": true, "ecrit": true, "written": true,
			"knowledge": true, "theory": true, "theorie": true},
	}
	vocabID := map[string]int32{}
	byKey := map[string]int{}
	for si, s := range services {
		m.ids = append(m.ids, s.ID)
		add := func(text string, strong bool) {
			toks := contentWords(search.Normalize(text))
			if len(toks) == 0 || len(toks) == 1 && len(toks[0]) < 2 {
				return
			}
			key := strings.Join(toks, " ")
			w := weightKeyword + len(toks) - 1
			if len(toks) > 1 {
				w++
			}
			if strong {
				w = weightStrong + len(toks) - 1
			}
			pi, ok := byKey[key]
			if !ok {
				ph := phrase{weights: map[int]int{}, text: key}
				ph.caps = len(toks) == 1 && len(toks[0]) <= 2
				for _, t := range toks {
					id, ok := vocabID[t]
					if !ok {
						id = int32(m.vocab.add(t))
						vocabID[t] = id
						for _, st := range stemsOf(t) {
							m.stems[st] = appendUnique(m.stems[st], id)
						}
					}
					ph.toks = append(ph.toks, id)
				}
				pi = len(m.phrases)
				byKey[key] = pi
				m.phrases = append(m.phrases, ph)
				m.byFirst[ph.toks[0]] = append(m.byFirst[ph.toks[0]], int32(pi))
			}
			if m.phrases[pi].weights[si] < w {
				m.phrases[pi].weights[si] = w
			}
		}
		for _, t := range s.Names {
			add(t, true)
		}
		for _, t := range s.Synonyms {
			add(t, true)
		}
		for _, t := range s.Keywords {
			add(t, false)
		}
	}
	return m
}

func appendUnique(l []int32, id int32) []int32 {
	for _, x := range l {
		if x == id {
			return l
		}
	}
	return append(l, id)
}

// contentWords drops the stopwords of normalized text.
func contentWords(norm string) []string {
	var out []string
	for _, w := range strings.Fields(norm) {
		if !stopwords[w] {
			out = append(out, w)
		}
	}
	return out
}

// stemsOf returns the French and English stems of w worth comparing (4
// letters or more).
func stemsOf(w string) []string {
	if len(w) < 5 || !isLetters(w) {
		return nil
	}
	var out []string
	if s, err := snowball.Stem(w, "french", false); err == nil && len(s) >= 4 {
		out = append(out, s)
	}
	if s, err := snowball.Stem(w, "english", false); err == nil && len(s) >= 4 && (len(out) == 0 || out[0] != s) {
		out = append(out, s)
	}
	return out
}

type cand struct {
	id    int32
	edits int
}

type occurrence struct {
	start, n int
	phrase   int
	edits    int
	strong   bool
}

// match returns the catalogue id the utterance is about, when one service
// clearly stands out.
func (m *serviceMatcher) match(u *utterance) (string, bool) {
	if len(m.phrases) == 0 {
		return "", false
	}
	// content words of the utterance and what each may be in the vocabulary
	var cands [][]cand
	var caps []bool
	var words []string
	for _, c := range u.chunks {
		if c.code || stopwords[c.s] {
			continue
		}
		var cs []cand
		m.vocab.lookup(c.s, func(id, edits int) {
			cs = append(cs, cand{int32(id), edits})
		})
		for _, st := range stemsOf(c.s) {
		next:
			for _, id := range m.stems[st] {
				for _, x := range cs {
					if x.id == id {
						continue next
					}
				}
				cs = append(cs, cand{id, 0})
			}
		}
		cands = append(cands, cs)
		caps = append(caps, strings.ToUpper(c.orig) == c.orig)
		words = append(words, c.s)
	}
	var occ []occurrence
	for i, cs := range cands {
		for _, c := range cs {
			for _, pi := range m.byFirst[c.id] {
				ph := &m.phrases[pi]
				if i+len(ph.toks) > len(cands) {
					continue
				}
				if ph.caps && !caps[i] {
					continue
				}
				edits, ok := c.edits, true
				for k := 1; k < len(ph.toks) && ok; k++ {
					ok = false
					for _, c2 := range cands[i+k] {
						if c2.id == ph.toks[k] {
							ok = true
							edits += c2.edits
							break
						}
					}
				}
				if !ok || len(ph.toks) == 1 && edits > 0 && len(words[i]) < 7 {
					// a lone short word with a typo is too often another
					// word: "takes" is not "taxes"
					continue
				}
				strong := false
				for _, w := range ph.weights {
					strong = strong || w >= weightStrong
				}
				occ = append(occ, occurrence{start: i, n: len(ph.toks), phrase: int(pi), edits: edits, strong: strong})
			}
		}
	}
	if len(occ) == 0 {
		return "", false
	}
	// longest first, then names and synonyms, then fewer typos
	sort.SliceStable(occ, func(a, b int) bool {
		x, y := occ[a], occ[b]
		if x.n != y.n {
			return x.n > y.n
		}
		if x.strong != y.strong {
			return x.strong
		}
		return x.edits < y.edits
	})
	taken := make([]bool, len(cands))
	score := map[int]int{}
	for _, o := range occ {
		free := true
		for k := o.start; k < o.start+o.n; k++ {
			free = free && !taken[k]
		}
		if !free {
			continue
		}
		for k := o.start; k < o.start+o.n; k++ {
			taken[k] = true
		}
		for si, w := range m.phrases[o.phrase].weights {
			score[si] += w
		}
	}
	best, second := -1, 0
	for si, s := range score {
		switch {
		case best < 0 || s > score[best] || s == score[best] && si < best:
			if best >= 0 {
				second = max(second, score[best])
			}
			best = si
		default:
			second = max(second, s)
		}
	}
	if best < 0 || score[best] < minScore || score[best] == second {
		return "", false
	}
	id := m.ids[best]
	// A word can turn a service into its sibling: the road test into the
	// knowledge test (« théorique »), the card's renewal into its
	// replacement (« perdue », "stolen").
	for _, turn := range []struct {
		from, to string
		words    map[string]bool
	}{{"saaq-examen-pratique", "saaq-examen-theorique", m.knowledge}, {"ramq-carte-renouvellement", "ramq-carte-remplacement", lostWords}} {
		if id != turn.from {
			continue
		}
		for _, w := range words {
			if turn.words[w] && m.has(turn.to) {
				return turn.to, true
			}
		}
	}
	return id, true
}

// lostWords say a card was lost, stolen or damaged: it is replaced, not renewed.
var lostWords = map[string]bool{"perdu": true, "perdue": true, "perdus": true, "vole": true, "volee": true, "voler": true,
	"remplacer": true, "remplacement": true, "brise": true, "brisee": true, "endommagee": true, "egare": true, "egaree": true,
	"lost": true, "stolen": true, "replace": true, "replacement": true, "damaged": true, "broken": true, "misplaced": true}

// has tells whether the catalogue holds a service.
func (m *serviceMatcher) has(id string) bool {
	for _, x := range m.ids {
		if x == id {
			return true
		}
	}
	return false
}
