package entities

import (
	"strings"

	"github.com/guichet-qc/guichet/internal/search"
)

// wordNames are municipalities whose name is also an ordinary word, a
// first name or a surname (« Price », « Hope », « Nouvelle », « Lemieux »):
// they are only taken after a preposition (« à Price », "in Hope") or
// alone in the message.
var wordNames = map[string]bool{
	"hope": true, "low": true, "price": true, "nouvelle": true, "berry": true, "racine": true,
	"plaisance": true, "alma": true, "maria": true, "scott": true, "austin": true, "shannon": true,
	"lorraine": true, "milan": true, "irlande": true, "windsor": true, "waterloo": true,
	"franklin": true, "bristol": true, "chelsea": true, "hudson": true, "melbourne": true,
	"richmond": true, "stoke": true, "gore": true, "mayo": true, "bury": true, "warden": true,
	"lamarche": true, "laforce": true, "labelle": true, "charette": true, "lemieux": true,
	"lejeune": true, "lefebvre": true, "mercier": true, "larouche": true, "dupuy": true,
	"beaumont": true, "newport": true, "cleveland": true, "montpellier": true, "nantes": true,
	"namur": true, "padoue": true, "inverness": true, "dundee": true, "brome": true, "upton": true,
	"amos": true, "oka": true, "audet": true, "auclair": true, "champlain": true,
	"richelieu": true, "frontenac": true, "portneuf": true, "montcalm": true, "pontiac": true,
	"orford": true, "compton": true, "sutton": true, "stratford": true, "wickham": true, "howick": true,
	"thorne": true, "ripon": true, "colombier": true, "bonaventure": true, "lyster": true,
	"boileau": true,
}

// streetWords before a name make it a street: « rue Laval ».
var streetWords = map[string]bool{
	"rue": true, "avenue": true, "av": true, "ave": true, "boulevard": true, "boul": true, "blvd": true,
	"chemin": true, "ch": true, "route": true, "rang": true, "street": true, "road": true, "rd": true,
	"place": true, "promenade": true, "autoroute": true, "montee": true,
}

// placePreps are the words after which any municipality is taken.
var placePreps = map[string]bool{
	"a": true, "in": true, "near": true, "at": true, "around": true, "dans": true, "vers": true,
	"pres": true, "proche": true, "close": true, "from": true, "to": true,
}

// officeWords name an office: « le bureau de Québec », "the Quebec office"
// are the city.
var officeWords = map[string]bool{
	"bureau": true, "centre": true, "comptoir": true, "point": true, "succursale": true,
	"office": true, "center": true, "centre-ville": true, "counter": true, "branch": true,
}

// provinceBefore are the words before « Québec » that make it the
// province or an organization, not the city.
var provinceBefore = map[string]bool{
	"au": true, "du": true, "revenu": true, "retraite": true, "services": true, "service": true,
	"regie": true, "gouvernement": true, "province": true, "in": true, "of": true, "quebec": true,
	"assurance": true, "sante": true, "loto": true, "hydro": true, "emploi": true,
}

type place struct {
	name   string
	ntoks  int
	word   bool // needs a preposition
	quebec bool
}

type placeMatcher struct {
	places  []place
	keys    map[string][]int32 // concatenated words → places
	dels    map[string][]int32 // key minus one letter → places (keys of 6 letters or more)
	maxToks int
	maxLen  int
}

// expandAbbrev spells out « St », « Ste », « Mt » as in the official names.
func expandAbbrev(w string) string {
	switch w {
	case "st":
		return "saint"
	case "ste":
		return "sainte"
	case "mt":
		return "mont"
	}
	return w
}

func newPlaceMatcher(names []string) *placeMatcher {
	m := &placeMatcher{keys: map[string][]int32{}, dels: map[string][]int32{}}
	for _, name := range names {
		toks := strings.Fields(search.Normalize(name))
		if len(toks) == 0 {
			continue
		}
		for k, t := range toks {
			toks[k] = expandAbbrev(t)
		}
		key := strings.Join(toks, "")
		id := int32(len(m.places))
		pl := place{name: name, ntoks: len(toks), quebec: key == "quebec"}
		switch toks[0] {
		case "la", "le", "les", "l":
			pl.word = true
		}
		if len(toks) == 1 && (wordNames[key] || len(key) <= 3) {
			pl.word = true
		}
		m.places = append(m.places, pl)
		m.put(m.keys, key, id)
		if toks[0] == "l" && len(toks) > 1 {
			// « Île-Perrot », « Assomption » without the elided article
			m.put(m.keys, key[1:], id)
		}
		m.maxToks = max(m.maxToks, len(toks))
		m.maxLen = max(m.maxLen, len(key))
		if len(key) >= 6 {
			for i := range len(key) {
				m.put(m.dels, key[:i]+key[i+1:], id)
			}
		}
	}
	return m
}

func (m *placeMatcher) put(mp map[string][]int32, k string, id int32) {
	l := mp[k]
	for _, x := range l {
		if x == id || m.places[x].name == m.places[id].name {
			return
		}
	}
	mp[k] = append(l, id)
}

type placeHit struct {
	id         int32
	start, end int // chunk window
	letters    int
	edits      int
}

// match returns the municipality named in the utterance: the longest match,
// exact before fuzzy, the first of equals; a negated one (« pas à Laval »)
// is never taken.
func (m *placeMatcher) match(u *utterance) (string, bool) {
	if len(m.places) == 0 {
		return "", false
	}
	words := make([]string, 0, len(u.chunks))
	hyphens := make([]bool, 0, len(u.chunks))
	for _, c := range u.chunks {
		hyphens = append(hyphens, c.sep == "-" && !c.space)
		if c.code {
			words = append(words, "\x00")
			continue
		}
		words = append(words, expandAbbrev(c.s))
	}
	content := 0
	for _, w := range words {
		if !stopwords[w] && w != "\x00" && !placePreps[w] {
			content++
		}
	}
	var best placeHit
	bestScore := -1
	var key []byte
	for i := range words {
		if words[i] == "\x00" {
			continue
		}
		key = key[:0]
		for n := 1; n <= m.maxToks && i+n <= len(words); n++ {
			w := words[i+n-1]
			if w == "\x00" {
				break
			}
			key = append(key, w...)
			if len(key) > m.maxLen+1 {
				break
			}
			try := func(ids []int32, edits int) {
				for _, id := range ids {
					pl := &m.places[id]
					if pl.ntoks != n && n != 1 {
						continue
					}
					if edits > 0 && search.Distance(string(key), m.keyOf(id)) > 1 {
						continue
					}
					if !m.allowed(pl, words, hyphens, i, i+n, content) {
						continue
					}
					h := placeHit{id: id, start: i, end: i + n, letters: len(key), edits: edits}
					score := h.letters*4 - edits*3
					if m.negated(words, i) {
						continue
					}
					if score > bestScore {
						best, bestScore = h, score
					}
				}
			}
			try(m.keys[string(key)], 0)
			if len(key) >= 6 && isLetters(string(key[:1])) {
				try(m.dels[string(key)], 1)
				for d := range len(key) {
					del := append(append(make([]byte, 0, len(key)), key[:d]...), key[d+1:]...)
					if d > 0 && key[d] == key[d-1] {
						continue
					}
					try(m.dels[string(del)], 1)
					try(m.keys[string(del)], 1)
				}
			}
		}
	}
	if bestScore < 0 {
		return "", false
	}
	return m.places[best.id].name, true
}

// keyOf rebuilds the key of place id (for the fuzzy check).
func (m *placeMatcher) keyOf(id int32) string {
	toks := strings.Fields(search.Normalize(m.places[id].name))
	for k, t := range toks {
		toks[k] = expandAbbrev(t)
	}
	return strings.Join(toks, "")
}

// allowed applies the guards against common words: names that are words
// need a preposition (or the message to be only the name), « Québec » is
// the province after « au », "in", or in « Revenu Québec »; « Montréal-Est »
// is not « Montréal est-ce… ».
func (m *placeMatcher) allowed(pl *place, words []string, hyphens []bool, i, j, content int) bool {
	prev := ""
	if i > 0 {
		prev = words[i-1]
	}
	next := ""
	if j < len(words) {
		next = words[j]
	}
	if words[j-1] == "est" && j-i > 1 && !hyphens[j-1] {
		return false // « Montréal est ouvert », « Montréal est-ce… »
	}
	if streetWords[prev] {
		return false // « rue Laval »
	}
	alone := content <= j-i
	prep := placePreps[prev] || prev == "de" && i > 1 && (words[i-2] == "pres" || words[i-2] == "proche" || words[i-2] == "ville") ||
		prev == "of" && i > 1 && (words[i-2] == "city" || words[i-2] == "town")
	if pl.quebec {
		if next == "city" || next == "ville" {
			return true
		}
		if provinceBefore[prev] {
			return false
		}
		return alone || prev == "a" || prev == "de" && i > 1 && (words[i-2] == "ville" || officeWords[words[i-2]]) ||
			prev == "of" && i > 1 && words[i-2] == "city" || officeWords[next] // « le bureau de Québec », "the Quebec office"
	}
	if pl.word {
		return prep || alone
	}
	return true
}

// negated tells whether the place at word i is refused: « pas à Laval »,
// "not in Laval".
func (m *placeMatcher) negated(words []string, i int) bool {
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		if words[k] == "pas" || words[k] == "not" {
			return true
		}
	}
	return false
}
