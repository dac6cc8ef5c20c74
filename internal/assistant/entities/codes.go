package entities

import (
	"strings"

	"github.com/guichet-qc/guichet/internal/booking/reference"
	"github.com/guichet-qc/guichet/internal/geo"
)

// refWords are words after which a bare six-character code is taken for a
// booking reference even without its "RV" prefix.
var refWords = map[string]bool{
	"reference": true, "ref": true, "référence": true, "no": true, "numero": true,
	"number": true, "confirmation": true, "code": true, "rv": true,
}

// extractCodes finds postal codes, booking references and phone numbers
// and marks their chunks, so that no date or time is read in them.
func (e *Extractor) extractCodes(u *utterance, out map[string]string) {
	cs := u.chunks
	for i := 0; i < len(cs); i++ {
		c := &cs[i]
		if c.code {
			continue
		}
		// Booking reference: "rv-7k3m9p", "rv7k3m9p", "rv 7k3m9p".
		if c.s == "rv" && i+1 < len(cs) && len(cs[i+1].s) == 6 && (cs[i+1].sep == "-" || cs[i+1].sep == "" && cs[i+1].space && hasDigit(cs[i+1].s)) {
			if ref, ok := parseReference(cs[i+1].s); ok {
				setOnce(out, KeyBookingRef, ref)
				c.code, cs[i+1].code = true, true
				i++
				continue
			}
		}
		if len(c.s) == 8 && strings.HasPrefix(c.s, "rv") && hasDigit(c.s[2:]) {
			if ref, ok := parseReference(c.s); ok {
				setOnce(out, KeyBookingRef, ref)
				c.code = true
				continue
			}
		}
		// Postal code: "h2x 1y4", "H2X1Y4", "h2x-1y4".
		if len(c.s) == 6 {
			if pc, ok := geo.ParsePostalCode(c.s); ok {
				setOnce(out, KeyPostalCode, pc)
				c.code = true
				continue
			}
		}
		if len(c.s) == 3 && i+1 < len(cs) && len(cs[i+1].s) == 3 && (cs[i+1].sep == "" || cs[i+1].sep == "-") {
			if pc, ok := geo.ParsePostalCode(c.s + cs[i+1].s); ok {
				setOnce(out, KeyPostalCode, pc)
				c.code, cs[i+1].code = true, true
				i++
				continue
			}
		}
		// A forward sortation area alone ("H3A") is no time: keep it away.
		if len(c.s) == 3 {
			if _, ok := geo.ParseFSA(c.s); ok {
				c.code = true
				continue
			}
		}
		// A bare six-character reference after « référence », "ref", or
		// alone in the message.
		if len(c.s) == 6 && hasDigit(c.s) && hasLetter(c.s) && !looksLikeTime(c.s) && (len(cs) == 1 || refWordBefore(cs, i)) {
			if ref, ok := parseReference(c.s); ok {
				setOnce(out, KeyBookingRef, ref)
				c.code = true
				continue
			}
		}
		// Phone numbers: 514-555-1234, (514) 555 1234, 5145551234, 1-800-…
		if n := phoneAt(cs, i); n > 0 {
			for k := i; k < i+n; k++ {
				cs[k].code = true
			}
			i += n - 1
		}
	}
	u.tokenize()
}

// phoneAt returns how many chunks from i make a North American phone
// number, or 0.
func phoneAt(cs []chunk, i int) int {
	digitsOnly := func(k int) bool { return k < len(cs) && cs[k].s != "" && !hasLetter(cs[k].s) }
	if !digitsOnly(i) {
		return 0
	}
	total, n := 0, 0
	for k := i; digitsOnly(k) && n < 4; k++ {
		if k > i {
			sep := cs[k].sep
			if sep != "" && sep != "-" && sep != "." && sep != ")" || sep == "" && !cs[k].space {
				break
			}
		}
		total += len(cs[k].s)
		n++
		if total == 10 || total == 11 && cs[i].s[0] == '1' {
			if n == 1 || len(cs[k].s) == 4 {
				return n
			}
		}
		if total > 11 {
			break
		}
	}
	return 0
}

func setOnce(out map[string]string, k, v string) {
	if _, ok := out[k]; !ok {
		out[k] = v
	}
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return true
		}
	}
	return false
}

// parseReference reads a booking reference ("rv-7k3m9p", "RV7K3M9P",
// "7k3m9p"), as the booking capability does.
func parseReference(s string) (string, bool) { return reference.Parse(s) }

// refWordBefore tells whether one of the three chunks before i names a
// reference: « ma référence est 7k3m9p », "ref: 7k3m9p".
func refWordBefore(cs []chunk, i int) bool {
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		if refWords[cs[k].s] {
			return true
		}
	}
	return false
}

// looksLikeTime tells whether a chunk is a time written in one piece:
// "1h30pm", "10h30", "11am".
func looksLikeTime(s string) bool {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "am"), "pm")
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 || i > 2 {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != 'h' {
		return false
	}
	for _, b := range []byte(s[i+1:]) {
		if !isDigit(b) {
			return false
		}
	}
	return true
}
