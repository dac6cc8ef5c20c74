package nlu

import (
	"strings"

	"github.com/guichet-qc/guichet/internal/search"
	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
)

// Feature kinds, mixed into each feature's hash so that the word "rdv" and
// the character trigram "rdv" are different features.
const (
	kindWord byte = iota + 1
	kindStemFR
	kindStemEN
	kindBigram
	kindFirst
	kindChar
)

// Character n-gram sizes (inclusive).
const minGram, maxGram = 3, 5

// FNV-1a, 64 bits.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashBytes(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashKind(k byte) uint64 { return (fnvOffset ^ uint64(k)) * fnvPrime }

// prepare returns the normalized text of s (search.Normalize: lower case,
// accents folded, punctuation and apostrophes as spaces) with every digit
// replaced by 0, so that "14h" and "9h" or two booking references share
// their features.
func prepare(s string) string {
	n := search.Normalize(s)
	if strings.IndexAny(n, "123456789") < 0 {
		return n
	}
	b := []byte(n)
	for i, c := range b {
		if '1' <= c && c <= '9' {
			b[i] = '0'
		}
	}
	return string(b)
}

// features are the hashed features of one text: word-level ones first
// (hashes[:split]), then character n-grams.
type features struct {
	hashes []uint64
	split  int
}

// extract returns the hashed features of the normalized text norm, in
// dst's storage: words, French and English stems, word bigrams, the first
// word, then the character 3- to 5-grams of the text padded with spaces.
func extract(dst []uint64, norm string) features {
	if norm == "" {
		return features{hashes: dst}
	}
	prev := "<s>"
	first := true
	for w := range strings.FieldsSeq(norm) {
		dst = append(dst, hashBytes(hashKind(kindWord), w))
		if len(w) > 3 && !(w[0] >= '0' && w[0] <= '9') {
			dst = append(dst, hashBytes(hashKind(kindStemFR), french.Stem(w, true)))
			dst = append(dst, hashBytes(hashKind(kindStemEN), english.Stem(w, true)))
		}
		h := hashBytes(hashKind(kindBigram), prev)
		h = hashBytes(h, " ")
		dst = append(dst, hashBytes(h, w))
		if first {
			dst = append(dst, hashBytes(hashKind(kindFirst), w))
			first = false
		}
		prev = w
	}
	split := len(dst)
	padded := " " + norm + " "
	for n := minGram; n <= maxGram; n++ {
		base := hashKind(kindChar + byte(n))
		for i := 0; i+n <= len(padded); i++ {
			dst = append(dst, hashBytes(base, padded[i:i+n]))
		}
	}
	return features{hashes: dst, split: split}
}
