package search

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Scoring
//
// The query is normalized, stop words are dropped, and each remaining word
// is matched, in each language's part of the index, to candidate terms
// with a quality q:
//
//	exact     the word's stem is an indexed stem                q = 1
//	typo      (only for words with no exact match in either language)
//	          a folded indexed word within 1 edit (words of 4–7 runes)
//	          or 2 edits (8 runes or more)                          q = 0.7 / 0.5
//	prefix    (last word only, 3 runes or more: typing in progress)
//	          a folded indexed word starting with it                q = 0.6
//
// A document's score is
//
//	coord × ( Σ_words  max_{lang, candidate} lw·q·BM25(term, doc)
//	        + Σ_adjacent word pairs  max lw·min(q)·phraseBonus·fieldWeight
//	        + max_{matched synonym} lw·min(q)·synonymBonus·len(synonym) )
//
// where BM25(term, doc) = idf·tf·(k1+1)/(tf + k1·(1−b+b·len/avgLen)) with
// k1 = 1.2, b = 0.75, tf the sum of the weights of the fields holding the
// term (BM25F-like) and len the weighted length of the document in that
// language; synonyms count as a field of weight 2. lw is 1 for the
// requested language and otherLangWeight for the other (1 for both when no
// language is given). A phrase pair is two consecutive query words found
// next to each other in a field; a synonym matches when its words appear
// as consecutive query words, each with any candidate quality. coord is
// the fraction of query words the document matched. Taking the maximum
// over candidates keeps a word that matches many terms (a short prefix)
// from outweighing a word that matches one.
const (
	otherLangWeight = 0.5
	typo1Quality    = 0.7
	typo2Quality    = 0.5
	prefixQuality   = 0.6
	minPrefixRunes  = 3
	phraseBonus     = 0.5
	synonymBonus    = 3.0
)

type candidate struct {
	term int32
	q    float64
}

// Search returns the documents matching query, best first; equal scores
// are ordered by ID. lang is "fr" or "en" for the language of the page
// (that language's text counts fully, the other's at a reduced weight) or
// "" to weigh both alike. limit ≤ 0 returns every hit. A query with no
// words besides stop words has no hits.
func (ix *Index) Search(query, lang string, limit int) []Hit {
	toks := ix.tokens(query)
	if len(toks) == 0 || len(ix.ids) == 0 {
		return nil
	}
	cands := ix.candidates(toks)
	lw := langWeights(lang)

	n := len(ix.ids)
	score := make([]float64, n)
	matched := make([]int, n)
	best := make([]float64, n)
	flush := func(countMatch bool) {
		for d, s := range best {
			if s > 0 {
				score[d] += s
				if countMatch {
					matched[d]++
				}
			}
		}
		clear(best)
	}

	for i := range toks {
		for l, li := range ix.langs {
			for _, c := range cands[l][i] {
				idf := li.idf[c.term]
				for _, p := range li.postings[c.term] {
					s := lw[l] * c.q * idf * p.w * (bm25K1 + 1) / (p.w + li.norm[p.doc])
					best[p.doc] = max(best[p.doc], s)
				}
			}
		}
		flush(true)
	}

	for i := 0; i+1 < len(toks); i++ {
		for l, li := range ix.langs {
			for _, a := range cands[l][i] {
				for _, b := range cands[l][i+1] {
					for _, p := range li.pairs[pairKey(a.term, b.term)] {
						s := lw[l] * min(a.q, b.q) * phraseBonus * p.w
						best[p.doc] = max(best[p.doc], s)
					}
				}
			}
		}
		flush(false)
	}

	for l, li := range ix.langs {
		for i := range toks {
			for _, a := range cands[l][i] {
				for _, sid := range li.synByFirst[a.term] {
					syn := li.synonyms[sid]
					if q := synonymQuality(syn.terms, cands[l][i:]); q > 0 {
						s := lw[l] * q * synonymBonus * float64(len(syn.terms))
						best[syn.doc] = max(best[syn.doc], s)
					}
				}
			}
		}
	}
	flush(false)

	var hits []Hit
	for d, s := range score {
		if s > 0 {
			hits = append(hits, Hit{ID: ix.ids[d], Score: s * float64(matched[d]) / float64(len(toks))})
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// candidates returns, by language and by query word, the indexed terms the
// word matches with their quality.
func (ix *Index) candidates(toks []string) [numLangs][][]candidate {
	var cands [numLangs][][]candidate
	exact := make([]bool, len(toks))
	for l, li := range ix.langs {
		cands[l] = make([][]candidate, len(toks))
		for i, w := range toks {
			if t, ok := li.terms[li.stem(w)]; ok {
				cands[l][i] = []candidate{{term: t, q: 1}}
				exact[i] = true
			}
		}
	}
	last := len(toks) - 1
	for l, li := range ix.langs {
		for i, w := range toks {
			runes := utf8.RuneCountInString(w)
			if !exact[i] {
				for _, m := range li.fuzzy(w, maxEdits(runes)) {
					q := typo1Quality
					if m.dist > 1 {
						q = typo2Quality
					}
					cands[l][i] = addCandidate(cands[l][i], li.surfaceTerm[m.surface], q)
				}
			}
			if i == last && runes >= minPrefixRunes {
				lo, hi := li.prefixRange(w)
				for id := lo; id < hi; id++ {
					cands[l][i] = addCandidate(cands[l][i], li.surfaceTerm[id], prefixQuality)
				}
			}
		}
	}
	return cands
}

// addCandidate adds term to cs, keeping the best quality of a term seen
// twice.
func addCandidate(cs []candidate, term int32, q float64) []candidate {
	for i := range cs {
		if cs[i].term == term {
			cs[i].q = max(cs[i].q, q)
			return cs
		}
	}
	return append(cs, candidate{term: term, q: q})
}

// synonymQuality returns the lowest quality with which the consecutive
// query words matched by cands match the synonym's terms, or 0 when they
// do not all match.
func synonymQuality(terms []int32, cands [][]candidate) float64 {
	if len(terms) > len(cands) {
		return 0
	}
	q := 1.0
	for j, t := range terms {
		qj := 0.0
		for _, c := range cands[j] {
			if c.term == t {
				qj = c.q
				break
			}
		}
		if qj == 0 {
			return 0
		}
		q = min(q, qj)
	}
	return q
}

// langWeights returns the weight of each language's text for a page in
// lang ("fr", "en", or "" for both alike; "fr-CA" counts as "fr").
func langWeights(lang string) [numLangs]float64 {
	switch strings.ToLower(lang[:min(2, len(lang))]) {
	case "fr":
		return [numLangs]float64{langFR: 1, langEN: otherLangWeight}
	case "en":
		return [numLangs]float64{langFR: otherLangWeight, langEN: 1}
	}
	return [numLangs]float64{1, 1}
}
