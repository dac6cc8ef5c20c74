package search

import (
	"slices"
	"unicode/utf8"
)

// maxEdits is the typo tolerance for a query word of n runes: none below
// 4 runes, 1 edit for 4 to 7 runes, 2 edits from 8 runes.
func maxEdits(n int) int {
	switch {
	case n >= 8:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

// indexedDeletions is how many deletions of an indexed word of n runes the
// index stores so that every query word within maxEdits of it shares a
// deletion variant with it: a query word within 2 edits has at least 8
// runes, so the indexed word has at least 6; within 1 edit, at least 3.
func indexedDeletions(n int) int {
	switch {
	case n >= 6:
		return 2
	case n >= 3:
		return 1
	}
	return 0
}

// deletionVariants returns s and every distinct string made by deleting up
// to k runes from it (the symmetric deletion neighbourhood). Two words
// within k edits of each other, adjacent transpositions included, always
// share a variant; candidates found that way are then checked with
// Distance.
func deletionVariants(s string, k int) []string {
	out := []string{s}
	level := []string{s}
	seen := map[string]struct{}{s: {}}
	for range k {
		var next []string
		for _, w := range level {
			if utf8.RuneCountInString(w) <= 1 {
				continue
			}
			for i, r := range w {
				v := w[:i] + w[i+utf8.RuneLen(r):]
				if _, ok := seen[v]; ok {
					continue
				}
				seen[v] = struct{}{}
				next = append(next, v)
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}

// fuzzy returns the ids of the surfaces within k edits of w, with their
// distance, in surface order.
func (li *langIndex) fuzzy(w string, k int) []match {
	var ids []int32
	for _, v := range deletionVariants(w, k) {
		ids = append(ids, li.deletions[v]...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	wr := []rune(w)
	var out []match
	for _, id := range ids {
		if d := distanceRunes(wr, []rune(li.surfaces[id])); d <= k {
			out = append(out, match{surface: id, dist: d})
		}
	}
	return out
}

type match struct {
	surface int32
	dist    int
}
