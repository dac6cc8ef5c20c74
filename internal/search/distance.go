package search

// Distance returns the Damerau-Levenshtein distance between a and b in its
// optimal string alignment variant: the number of rune insertions,
// deletions, substitutions and transpositions of two adjacent runes needed
// to turn a into b, no substring being edited twice. It compares runes as
// given; fold or normalize both sides first for accent-insensitive use.
func Distance(a, b string) int {
	return distanceRunes([]rune(a), []rune(b))
}

func distanceRunes(a, b []rune) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(b) == 0 {
		return len(a)
	}
	// Three rows of the dynamic-programming matrix: i-2, i-1 and i.
	n := len(b) + 1
	buf := make([]int, 3*n)
	prev2, prev, cur := buf[:n], buf[n:2*n], buf[2*n:]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
