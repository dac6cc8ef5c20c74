// Package assurance names the levels of assurance of a sign-in — the acr
// values the identity service gives its sessions and the OpenID provider
// publishes — and the authentication methods (amr) of RFC 8176. The
// README's identity notes map them to NIST SP 800-63 and eIDAS.
package assurance

import "slices"

// The levels of assurance, as acr values, in increasing order.
const (
	LoA1 = "urn:guichet:loa:1" // password: AAL1, IAL1 — eIDAS low
	LoA2 = "urn:guichet:loa:2" // password and a second factor: AAL2, IAL1 — eIDAS substantial (authentication)
	LoA3 = "urn:guichet:loa:3" // second factor and identity verified in person: AAL2, IAL2 — eIDAS substantial/high
)

// Levels are the acr values, weakest first.
var Levels = []string{LoA1, LoA2, LoA3}

// Rank is the rank of an acr value in Levels, -1 when unknown.
func Rank(acr string) int { return slices.Index(Levels, acr) }

// AtLeast tells whether an authentication at level have satisfies a
// request for level want. An empty want is satisfied by any known level; an
// unknown have satisfies nothing, an unknown non-empty want is never met.
func AtLeast(have, want string) bool {
	h := Rank(have)
	if h < 0 {
		return false
	}
	if want == "" {
		return true
	}
	w := Rank(want)
	return w >= 0 && h >= w
}

// Lowest is the weakest known level among acr values, "" when none is
// known: any of the values satisfies the request (OpenID Connect Core 1.0,
// 3.1.2.1), so the weakest is what the person must at least reach.
func Lowest(values []string) string {
	best := -1
	for _, v := range values {
		if l := Rank(v); l >= 0 && (best < 0 || l < best) {
			best = l
		}
	}
	if best < 0 {
		return ""
	}
	return Levels[best]
}

// amrValues are the authentication method references of RFC 8176.
var amrValues = []string{"face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pop",
	"pwd", "rba", "retina", "sc", "sms", "swk", "tel", "user", "vbm", "wia"}

// ValidAMR tells whether amr is a non-empty list of RFC 8176 values.
func ValidAMR(amr []string) bool {
	if len(amr) == 0 {
		return false
	}
	for _, a := range amr {
		if !slices.Contains(amrValues, a) {
			return false
		}
	}
	return true
}
