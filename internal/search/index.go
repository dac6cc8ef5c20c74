package search

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
)

// Field is one piece of a document's text with its weight: for instance
// the name with weight 3, keywords 2, the summary 1. A weight of 0 or less
// counts as 1.
type Field struct {
	Text   string
	Weight float64
}

// Doc is one service of the catalogue, with its text in each language and
// the phrases citizens use for it ("carte soleil", "RAMQ", "moving").
type Doc struct {
	ID                     string
	FR, EN                 []Field
	SynonymsFR, SynonymsEN []string
}

// Hit is one search result.
type Hit struct {
	ID    string
	Score float64
}

// Languages of the index, by position in Index.langs.
const (
	langFR = iota
	langEN
	numLangs
)

// synonymWeight is the field weight given to synonyms, which are indexed
// as text of their document besides earning the synonym bonus.
const synonymWeight = 2

// BM25 parameters.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Index is an immutable full-text index over a catalogue of documents.
// It is safe for concurrent use.
type Index struct {
	ids   []string
	stop  map[string]struct{}
	langs [numLangs]*langIndex
}

// langIndex holds the terms of one language. Terms are stems of folded
// words; surfaces are the folded words themselves, used for typo and
// prefix matching.
type langIndex struct {
	stem  func(string) string
	terms map[string]int32 // stem → term id
	// by term id
	postings [][]posting // documents holding the term, w = weighted term frequency
	idf      []float64
	// adjacent term pairs in a field (key pairKey) → documents, w = field weight
	pairs map[uint64][]posting
	// by doc index: k1·(1 − b + b·len/avgLen), the BM25 length norm
	norm []float64

	surfaces    []string // sorted folded words
	surfaceTerm []int32  // by surface id → term id
	deletions   map[string][]int32

	synonyms   []synonym
	synByFirst map[int32][]int32 // first term of a synonym → synonym ids
}

type posting struct {
	doc int32
	w   float64
}

type synonym struct {
	doc   int32
	terms []int32
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

func stemFR(w string) string { return stemWith(w, french.Stem) }
func stemEN(w string) string { return stemWith(w, english.Stem) }

func stemWith(w string, stem func(string, bool) string) string {
	if w[0] >= '0' && w[0] <= '9' {
		return w // numbers and codes are kept as typed
	}
	return stem(w, true)
}

// New builds an index over docs. Hits keep the documents' IDs; documents
// sharing an ID are indexed separately.
func New(docs []Doc) *Index {
	ix := &Index{ids: make([]string, len(docs)), stop: stopSet()}
	builders := [numLangs]*langBuilder{newLangBuilder(stemFR), newLangBuilder(stemEN)}
	for d, doc := range docs {
		ix.ids[d] = doc.ID
		builders[langFR].addDoc(ix, int32(d), doc.FR, doc.SynonymsFR)
		builders[langEN].addDoc(ix, int32(d), doc.EN, doc.SynonymsEN)
	}
	for l, b := range builders {
		ix.langs[l] = b.build(len(docs))
	}
	return ix
}

// tokens returns the normalized words of s that are not stop words.
func (ix *Index) tokens(s string) []string {
	ws := words(s)
	out := ws[:0]
	for _, w := range ws {
		if _, stop := ix.stop[w]; !stop {
			out = append(out, w)
		}
	}
	return out
}

// langBuilder accumulates one language's index during New.
type langBuilder struct {
	li       *langIndex
	tf       []map[int32]float64 // by term id: doc → weighted frequency
	pairs    map[uint64]map[int32]float64
	surfaces map[string]int32 // folded word → term id
	docLen   []float64
}

func newLangBuilder(stem func(string) string) *langBuilder {
	return &langBuilder{
		li: &langIndex{
			stem:       stem,
			terms:      map[string]int32{},
			synByFirst: map[int32][]int32{},
		},
		pairs:    map[uint64]map[int32]float64{},
		surfaces: map[string]int32{},
	}
}

func (b *langBuilder) term(word string) int32 {
	if t, ok := b.surfaces[word]; ok {
		return t
	}
	s := b.li.stem(word)
	t, ok := b.li.terms[s]
	if !ok {
		t = int32(len(b.tf))
		b.li.terms[s] = t
		b.tf = append(b.tf, map[int32]float64{})
	}
	b.surfaces[word] = t
	return t
}

func (b *langBuilder) addDoc(ix *Index, d int32, fields []Field, synonyms []string) {
	b.docLen = append(b.docLen, 0)
	add := func(text string, weight float64) []int32 {
		if weight <= 0 {
			weight = 1
		}
		toks := ix.tokens(text)
		seq := make([]int32, len(toks))
		for i, w := range toks {
			t := b.term(w)
			seq[i] = t
			b.tf[t][d] += weight
			if i > 0 {
				k := pairKey(seq[i-1], t)
				if b.pairs[k] == nil {
					b.pairs[k] = map[int32]float64{}
				}
				b.pairs[k][d] = max(b.pairs[k][d], weight)
			}
		}
		b.docLen[d] += weight * float64(len(toks))
		return seq
	}
	for _, f := range fields {
		add(f.Text, f.Weight)
	}
	for _, s := range synonyms {
		seq := add(s, synonymWeight)
		if len(seq) == 0 {
			continue
		}
		id := int32(len(b.li.synonyms))
		b.li.synonyms = append(b.li.synonyms, synonym{doc: d, terms: seq})
		b.li.synByFirst[seq[0]] = append(b.li.synByFirst[seq[0]], id)
	}
}

func (b *langBuilder) build(numDocs int) *langIndex {
	li := b.li
	n := float64(numDocs)

	li.postings = make([][]posting, len(b.tf))
	li.idf = make([]float64, len(b.tf))
	for t, docs := range b.tf {
		li.postings[t] = sortedPostings(docs)
		df := float64(len(docs))
		li.idf[t] = math.Log(1 + (n-df+0.5)/(df+0.5))
	}

	li.pairs = make(map[uint64][]posting, len(b.pairs))
	for k, docs := range b.pairs {
		li.pairs[k] = sortedPostings(docs)
	}

	var total float64
	for _, l := range b.docLen {
		total += l
	}
	avg := max(total/max(n, 1), 1)
	li.norm = make([]float64, numDocs)
	for d, l := range b.docLen {
		li.norm[d] = bm25K1 * (1 - bm25B + bm25B*l/avg)
	}

	li.surfaces = make([]string, 0, len(b.surfaces))
	for s := range b.surfaces {
		li.surfaces = append(li.surfaces, s)
	}
	slices.Sort(li.surfaces)
	li.surfaceTerm = make([]int32, len(li.surfaces))
	li.deletions = map[string][]int32{}
	for id, s := range li.surfaces {
		li.surfaceTerm[id] = b.surfaces[s]
		for _, v := range deletionVariants(s, indexedDeletions(utf8.RuneCountInString(s))) {
			li.deletions[v] = append(li.deletions[v], int32(id))
		}
	}
	return li
}

func sortedPostings(docs map[int32]float64) []posting {
	ps := make([]posting, 0, len(docs))
	for d, w := range docs {
		ps = append(ps, posting{doc: d, w: w})
	}
	slices.SortFunc(ps, func(a, b posting) int { return int(a.doc - b.doc) })
	return ps
}

// prefixRange returns the ids of the surfaces that start with p.
func (li *langIndex) prefixRange(p string) (lo, hi int) {
	lo, _ = slices.BinarySearch(li.surfaces, p)
	hi = lo
	for hi < len(li.surfaces) && strings.HasPrefix(li.surfaces[hi], p) {
		hi++
	}
	return lo, hi
}
