package oidc

import "slices"

// The levels of assurance, as acr values, in increasing order.
const (
	LoA1 = "urn:guichet:loa:1" // password only
	LoA2 = "urn:guichet:loa:2" // multi-factor
	LoA3 = "urn:guichet:loa:3" // multi-factor and identity verified by an agent
)

// Levels are the acr values the provider knows, weakest first.
var Levels = []string{LoA1, LoA2, LoA3}

// level is the rank of an acr value in Levels, -1 when unknown.
func level(acr string) int { return slices.Index(Levels, acr) }

// LevelAtLeast tells whether an authentication at level have satisfies a
// request for level want. An empty want is satisfied by any known level; an
// unknown have satisfies nothing, an unknown non-empty want is never met.
func LevelAtLeast(have, want string) bool {
	h := level(have)
	if h < 0 {
		return false
	}
	if want == "" {
		return true
	}
	w := level(want)
	return w >= 0 && h >= w
}

// lowestLevel is the weakest known level among acr values, "" when none is
// known: any of the values satisfies the request (OpenID Connect Core 1.0,
// 3.1.2.1), so the weakest is what the person must at least reach.
func lowestLevel(values []string) string {
	best := -1
	for _, v := range values {
		if l := level(v); l >= 0 && (best < 0 || l < best) {
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

func validAMR(amr []string) bool {
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
