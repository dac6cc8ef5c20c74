package entities

import "github.com/guichet-qc/guichet/internal/search"

// fuzzyIndex finds the words of a fixed vocabulary within a small edit
// distance of a query, through the deletion neighbourhoods of both (the
// SymSpell method): two words within one edit share a string obtained by
// deleting at most one letter from each. Candidates are then checked with
// search.Distance.
type fuzzyIndex struct {
	words []string
	dels  map[string][]int32 // word or word minus one letter → word ids
}

func newFuzzyIndex() *fuzzyIndex { return &fuzzyIndex{dels: map[string][]int32{}} }

// add registers w (already folded) and returns its id.
func (f *fuzzyIndex) add(w string) int {
	id := len(f.words)
	f.words = append(f.words, w)
	f.put(w, id)
	if len(w) >= 4 {
		for i := range len(w) {
			f.put(w[:i]+w[i+1:], id)
		}
	}
	return id
}

func (f *fuzzyIndex) put(k string, id int) {
	l := f.dels[k]
	if len(l) > 0 && l[len(l)-1] == int32(id) {
		return
	}
	f.dels[k] = append(l, int32(id))
}

// maxEdits is the tolerance for a word of n letters: none under 5, one
// from 5 to 7, two from 8 on (the second edit is only found when it is a
// substitution or transposition sharing the first deletion's place).
func maxEdits(n int) int {
	switch {
	case n < 5:
		return 0
	case n < 8:
		return 1
	}
	return 2
}

// lookup calls fn for each vocabulary word within tolerance of q, with
// the number of edits. Fuzzy candidates must share q's first letter.
func (f *fuzzyIndex) lookup(q string, fn func(id, edits int)) {
	for _, id := range f.dels[q] {
		w := f.words[id]
		if w == q {
			fn(int(id), 0)
		}
	}
	if maxEdits(len(q)) == 0 {
		return
	}
	var seen [8]int32
	ns := 0
	check := func(ids []int32) {
	next:
		for _, id := range ids {
			w := f.words[id]
			if w == q || w[0] != q[0] {
				continue
			}
			for _, s := range seen[:ns] {
				if s == id {
					continue next
				}
			}
			lim := min(maxEdits(len(q)), maxEdits(len(w)))
			if lim == 0 {
				continue
			}
			if d := search.Distance(w, q); d <= lim {
				if ns < len(seen) {
					seen[ns] = id
					ns++
				}
				fn(int(id), d)
			}
		}
	}
	check(f.dels[q])
	buf := make([]byte, 0, 32)
	for i := range len(q) {
		buf = append(buf[:0], q[:i]...)
		buf = append(buf, q[i+1:]...)
		check(f.dels[string(buf)])
	}
}
