// Package search is a small in-memory full-text index for the service
// catalogue: bilingual (French and English), typo tolerant, with prefix
// matching for the word being typed and curated synonyms.
//
// An Index is built once by New from a slice of Doc and is immutable
// afterwards, so one Index may be shared by any number of goroutines.
// Rebuild it (and swap the pointer) when the catalogue changes.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold lower-cases s and removes diacritics: é→e, ç→c, œ→oe, æ→ae, ß→ss,
// and combining marks of decomposed input are dropped. Every other
// character, punctuation included, is kept as it is. Use it to compare
// names where punctuation matters; use Normalize to compare words.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue // combining accent of decomposed (NFD) text
		}
		r = unicode.ToLower(r)
		if f, ok := foldRune(r); ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// foldRune maps a lower-case Latin letter with a diacritic to its plain
// spelling. It covers Latin-1 and the Latin Extended-A letters seen in
// Québec names (French, English, Indigenous and immigrant spellings).
func foldRune(r rune) (string, bool) {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā', 'ă', 'ą':
		return "a", true
	case 'ç', 'ć', 'ĉ', 'ċ', 'č':
		return "c", true
	case 'ď', 'đ':
		return "d", true
	case 'è', 'é', 'ê', 'ë', 'ē', 'ĕ', 'ė', 'ę', 'ě':
		return "e", true
	case 'ĝ', 'ğ', 'ġ', 'ģ':
		return "g", true
	case 'ĥ', 'ħ':
		return "h", true
	case 'ì', 'í', 'î', 'ï', 'ĩ', 'ī', 'ĭ', 'į', 'ı':
		return "i", true
	case 'ĵ':
		return "j", true
	case 'ķ':
		return "k", true
	case 'ĺ', 'ļ', 'ľ', 'ŀ', 'ł':
		return "l", true
	case 'ñ', 'ń', 'ņ', 'ň':
		return "n", true
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ŏ', 'ő':
		return "o", true
	case 'ŕ', 'ŗ', 'ř':
		return "r", true
	case 'ś', 'ŝ', 'ş', 'š':
		return "s", true
	case 'ţ', 'ť', 'ŧ':
		return "t", true
	case 'ù', 'ú', 'û', 'ü', 'ũ', 'ū', 'ŭ', 'ů', 'ű', 'ų':
		return "u", true
	case 'ŵ':
		return "w", true
	case 'ý', 'ÿ', 'ŷ':
		return "y", true
	case 'ź', 'ż', 'ž':
		return "z", true
	case 'œ':
		return "oe", true
	case 'æ':
		return "ae", true
	case 'ß':
		return "ss", true
	}
	return "", false
}

// Normalize folds s (see Fold), turns everything that is not a letter or a
// digit into a space (apostrophes ' ’ ʼ, hyphens, punctuation), and collapses
// runs of spaces: « L’Île-Perrot » → "l ile perrot".
func Normalize(s string) string {
	return strings.Join(words(s), " ")
}

// words returns the normalized words of s, in order.
func words(s string) []string {
	return strings.FieldsFunc(Fold(s), isSeparator)
}

func isSeparator(r rune) bool {
	if r < utf8.RuneSelf {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	}
	if r == 'ʼ' { // modifier letter apostrophe, classed as a letter by Unicode
		return true
	}
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}
