package entities

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/guichet-qc/guichet/internal/search"
)

// chunk is a maximal run of letters and digits of the folded utterance,
// with what separates it from the previous chunk.
type chunk struct {
	s     string // folded: lower case, no accents
	orig  string // as typed (for acronyms that must be in capitals)
	sep   string // punctuation before it, spaces removed ("" when only spaces)
	space bool   // a space before it
	code  bool   // taken by a postal code, an FSA, a phone number or a booking reference
}

// token is a chunk, or a part of one split at a letter/digit boundary:
// "13h30" → "13" "h" "30", "1er" → "1" "er". Dates and times are read
// from tokens.
type token struct {
	s     string
	num   int  // value when digits, -1 otherwise
	width int  // number of digits when digits
	glued bool // part of the same chunk as the previous token
	sep   string
	space bool
	chunk int
	used  bool
}

func (t *token) isNum() bool { return t.num >= 0 }

// utterance is one message cut into chunks and tokens.
type utterance struct {
	chunks []chunk
	toks   []token
}

func newUtterance(text string) *utterance {
	u := &utterance{}
	var sep strings.Builder
	space := false
	start := -1 // byte offset of the current chunk in text
	flush := func(end int) {
		if start < 0 {
			return
		}
		o := text[start:end]
		u.chunks = append(u.chunks, chunk{s: search.Fold(o), orig: o, sep: sep.String(), space: space})
		sep.Reset()
		space = false
		start = -1
	}
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		switch {
		case unicode.IsSpace(r):
			space = true
		case r == '’' || r == 'ʼ' || r == '`' || r == '‘':
			sep.WriteByte('\'')
		case unicode.Is(unicode.Mn, r):
			// combining accent of decomposed text: part of the word
		default:
			sep.WriteRune(r)
		}
	}
	flush(len(text))
	return u
}

// isWordRune tells letters and digits (the combining marks of decomposed
// text are dropped by Fold but keep the word together).
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	if r == 'ʼ' {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// tokenize splits the chunks not taken by codes into tokens.
func (u *utterance) tokenize() {
	u.toks = u.toks[:0]
	for ci := range u.chunks {
		c := &u.chunks[ci]
		if c.code {
			// keep a barrier so that tokens on each side are not adjacent
			u.toks = append(u.toks, token{s: "\x00", num: -1, sep: c.sep, space: c.space, chunk: ci, used: true})
			continue
		}
		s := c.s
		first := true
		for len(s) > 0 {
			n := 1
			digit := isDigit(s[0])
			for n < len(s) && isDigit(s[n]) == digit {
				n++
			}
			t := token{s: s[:n], num: -1, chunk: ci}
			if digit {
				t.width = n
				if n <= 9 {
					v := 0
					for _, b := range []byte(s[:n]) {
						v = v*10 + int(b-'0')
					}
					t.num = v
				}
			}
			if first {
				t.sep, t.space = c.sep, c.space
			} else {
				t.glued = true
			}
			u.toks = append(u.toks, t)
			s = s[n:]
			first = false
		}
	}
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return false
		}
	}
	return true
}
