// Package reference is the form of booking references: "RV-" and six characters
// of Crockford's base 32, drawn at random and read back in any case, with or
// without the dash. It has no dependency, so the assistant's understanding
// can read references without the booking machinery.
package reference

import (
	"crypto/rand"
	"strings"
)

// crockford is Crockford's base-32 alphabet: digits and letters without
// I, L, O and U, so a reference read aloud or copied by hand stays right.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewReference returns a booking reference "RV-XXXXXX" (30 random bits).
func New() string {
	var b [6]byte
	rand.Read(b[:])
	out := []byte("RV-______")
	for i := range 6 {
		out[3+i] = crockford[b[i]&31]
	}
	return string(out)
}

// ParseReference accepts a reference typed in any case, with or without
// the dash ("rv-7k3m9p", "RV7K3M9P"), and returns its canonical form. The
// letters O, I and L, easily typed for 0 and 1, are read as such.
func Parse(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "RV"), "-")
	if len(s) != 6 {
		return "", false
	}
	out := []byte("RV-")
	for _, c := range []byte(s) {
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		if strings.IndexByte(crockford, c) < 0 {
			return "", false
		}
		out = append(out, c)
	}
	return string(out), true
}
