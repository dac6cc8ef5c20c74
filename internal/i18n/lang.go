// Package i18n holds Guichet's languages, message catalogues and the
// Québec formatting conventions used everywhere text reaches a user.
//
// # Languages
//
// French is the first language of the platform and the default: a request
// that expresses no usable preference is served in French (see [Negotiate]).
// English is complete: every key exists in both catalogues, which the tests
// enforce.
//
// # Messages
//
// The catalogues messages/fr.json and messages/en.json are flat JSON objects
// mapping a key (for example "error.not_found") to a message. They are
// embedded in the binary and parsed once at start-up into immutable data.
// Messages are fmt format strings: a message that takes arguments uses fmt
// verbs, and a translation may reorder them with explicit indexes such as
// %[2]s. Both translations of a key must use the same set of verbs, so a
// translation cannot silently drop an argument. An unknown key renders as the
// key itself: tests catch it, users never get a panic.
//
// # French typography
//
// French messages follow the Office québécois de la langue française (OQLF):
//
//   - the apostrophe is typographic (’, U+2019), never the ASCII ';
//   - a non-breaking space (NO-BREAK SPACE U+00A0, or NARROW NO-BREAK SPACE
//     U+202F) precedes « : », « ; », « ? » and « ! »;
//   - French quotation marks « » enclose their text with non-breaking spaces.
//
// # Formatting
//
// The formatting helpers are methods on [Lang]; times are formatted in the
// location of the time.Time given (callers convert to the service point's
// zone first). French forms put a NO-BREAK SPACE (U+00A0) wherever a line
// must not break; English forms use ordinary spaces.
//
//	                French (OQLF)              English (Canadian Press)
//	Date            1er décembre 2026          December 1, 2026
//	                3 décembre 2026            December 3, 2026
//	OnDate          le 3 décembre 2026         December 3, 2026
//	WeekdayDate     jeudi 3 décembre 2026      Thursday, December 3, 2026
//	Time            14 h 30, 9 h, 0 h 05       2:30 p.m., 9 a.m., 12:05 a.m.
//	TimeRange       9 h à 12 h                 9 a.m. to 12 p.m.
//	Money           1 234,50 $, -12,00 $       $1,234.50, -$12.00
//	Number          1 234 567                  1,234,567
//	Decimal         3,5                        3.5
//
// In French dates, the day, month and year are joined by U+00A0 (the day
// never ends a line apart from its month), month and weekday names are
// lower-case, and the first of the month is written « 1er ». French times use
// the 24-hour clock with « h » surrounded by U+00A0 and no « h 00 » on the
// hour. French amounts and numbers group thousands with U+00A0, use a decimal
// comma and put the dollar sign after the amount, separated by U+00A0.
// English times use « a.m. » and « p.m. », 12 p.m. for noon and 12 a.m. for
// midnight, and omit « :00 » on the hour. Seconds are truncated, not rounded.
package i18n

import "strings"

// Lang is a language of the platform, identified by its ISO 639-1 code.
type Lang string

// The supported languages.
const (
	FR Lang = "fr"
	EN Lang = "en"
)

// All lists the supported languages, French first.
var All = []Lang{FR, EN}

// Parse returns the language whose code is exactly s ("fr" or "en").
// It is strict on purpose (no case folding, no region) so that it can back
// canonical URL segments; use [Negotiate] for Accept-Language headers.
func Parse(s string) (Lang, bool) {
	switch Lang(s) {
	case FR:
		return FR, true
	case EN:
		return EN, true
	}
	return FR, false
}

// String returns the language code.
func (l Lang) String() string { return string(l.norm()) }

// Other returns the other supported language: English for French and
// French for English (an unsupported value counts as French).
func (l Lang) Other() Lang {
	if l.norm() == FR {
		return EN
	}
	return FR
}

// norm maps any value that is not a supported language to French, the
// default, so a zero or corrupted Lang still formats sensibly.
func (l Lang) norm() Lang {
	if l == EN {
		return EN
	}
	return FR
}

// Negotiate picks the language for an Accept-Language header (RFC 9110).
// Each entry's primary subtag is matched case-insensitively ("fr-CA" is
// French, "en-US" is English); the supported language with the highest
// q-value wins and, on a tie, the one listed first. An entry with q=0 is
// excluded, as is one with a malformed q-value. The wildcard "*" stands for
// any supported language not named elsewhere in the header, French first.
// Without any usable preference the answer is French.
func Negotiate(acceptLanguage string) Lang {
	type entry struct {
		tag string
		q   float64
	}
	var entries []entry
	named := map[Lang]bool{}
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if tag == "" {
			continue
		}
		q, ok := qValue(params)
		if primary, _, _ := strings.Cut(tag, "-"); primary != "*" {
			if l, supported := Parse(primary); supported {
				named[l] = true // named, even if excluded by q=0
			}
		}
		if !ok || q <= 0 {
			continue
		}
		entries = append(entries, entry{tag, q})
	}
	best, bestQ := FR, 0.0
	for _, e := range entries {
		if e.q <= bestQ { // strictly better only: ties keep the earlier entry
			continue
		}
		primary, _, _ := strings.Cut(e.tag, "-")
		if primary == "*" {
			for _, l := range All {
				if !named[l] {
					best, bestQ = l, e.q
					break
				}
			}
			continue
		}
		if l, ok := Parse(primary); ok {
			best, bestQ = l, e.q
		}
	}
	return best
}

// qValue parses the parameters after a language range and returns its
// weight: 1 when absent, false when malformed or out of [0, 1].
func qValue(params string) (float64, bool) {
	q := 1.0
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		v, ok := parseQ(strings.TrimSpace(value))
		if !ok {
			return 0, false
		}
		q = v
	}
	return q, true
}

// parseQ parses an RFC 9110 qvalue: "0", "1", "0.5", "1.000", at most three
// decimals.
func parseQ(s string) (float64, bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := float64(s[0] - '0')
	rest := s[1:]
	if rest == "" {
		return whole, true
	}
	if rest[0] != '.' || len(rest) > 4 {
		return 0, false
	}
	frac, scale := 0.0, 1.0
	for _, c := range rest[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		scale /= 10
		frac += float64(c-'0') * scale
	}
	if whole == 1 && frac > 0 {
		return 0, false
	}
	return whole + frac, true
}
