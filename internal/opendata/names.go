package opendata

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// smallWords stay in lower case inside a name (« CLSC de la Petite-Patrie »).
var smallWords = map[string]bool{
	"de": true, "du": true, "des": true, "la": true, "le": true, "les": true, "et": true,
	"à": true, "au": true, "aux": true, "en": true, "sur": true, "sous": true, "pour": true,
	"par": true, "chez": true, "d": true, "l": true, "j": true, "qu": true, "s": true, "n": true, "of": true, "and": true, "the": true, "for": true,
}

// acronyms are written in capitals.
var acronyms = map[string]bool{
	"clsc": true, "chsld": true, "chu": true, "chum": true, "chus": true, "chul": true, "ciusss": true,
	"cisss": true, "csss": true, "cssss": true, "crsss": true, "cmsss": true, "cscd": true, "cmc": true,
	"gmf": true, "umf": true, "mrc": true, "ch": true, "ctr": true, "crdi": true, "crdp": true, "cr": true,
	"ssss": true, "cusm": true, "muhc": true, "inc": true,
}

// streetTypes stay in lower case at the start of a street name
// (« 2035, avenue Victoria »).
var streetTypes = map[string]bool{
	"rue": true, "avenue": true, "av": true, "boulevard": true, "boul": true, "bd": true, "chemin": true,
	"ch": true, "route": true, "rang": true, "place": true, "montée": true, "côte": true, "rte": true,
	"promenade": true, "allée": true, "croissant": true, "carré": true, "terrasse": true, "impasse": true,
	"square": true, "voie": true, "autoroute": true, "sentier": true, "cours": true, "passage": true,
}

// TitleCase writes a lower-case French name the way it is written in
// Québec: each word capitalized, including each part of a compound name
// (« Côte-des-Neiges »), small words (de, du, des, la, le, les, et, d’, l’, …)
// in lower case except at the start of the name or of a part after a dash,
// a parenthesis or a slash, and known acronyms (CLSC, CHSLD, CIUSSS, …) in
// capitals.
func TitleCase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	start := true // at the start of the name or of a segment
	var word strings.Builder
	flush := func() {
		if word.Len() == 0 {
			return
		}
		b.WriteString(titleWord(word.String(), start))
		word.Reset()
		start = false
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.':
			word.WriteRune(r)
		case (r == '\'' || r == '’') && elisions[word.String()]:
			// « l'île » → « l'Île »: the elided word is small, the next is not.
			flush()
			b.WriteRune(r)
		case (r == '\'' || r == '’') && word.Len() > 0:
			word.WriteRune(r) // « children's », « o'brien » stay one word
		case r == '-' && word.Len() > 0:
			// a compound name: « côte-des-neiges » → « Côte-des-Neiges »
			flush()
			b.WriteRune(r)
		default:
			flush()
			b.WriteRune(r)
			if strings.ContainsRune("—–(/-:", r) {
				start = true
			}
		}
	}
	flush()
	return b.String()
}

// elisions are the French words written with an apostrophe before a vowel.
var elisions = map[string]bool{"l": true, "d": true, "j": true, "qu": true, "s": true, "n": true}

// titleWord capitalizes one word. A small word stays in lower case unless it
// starts the name or a segment.
func titleWord(w string, start bool) string {
	bare := strings.TrimRight(w, ".")
	switch {
	case acronyms[bare]:
		return strings.ToUpper(w)
	case smallWords[bare] && !start:
		return w
	case strings.HasPrefix(w, "mc") && len(w) > 3:
		return "Mc" + upperFirst(w[2:])
	}
	return upperFirst(w)
}

func upperFirst(w string) string {
	r, n := utf8.DecodeRuneInString(w)
	if r == utf8.RuneError {
		return w
	}
	return string(unicode.ToUpper(r)) + w[n:]
}

// streetName title-cases a street name, keeping its generic part in lower
// case at the start: « avenue victoria » → « avenue Victoria ».
func streetName(s string) string {
	t := TitleCase(strings.TrimSpace(s))
	first, rest, _ := strings.Cut(t, " ")
	if streetTypes[strings.ToLower(strings.TrimRight(first, "."))] && rest != "" {
		return strings.ToLower(first) + " " + rest
	}
	return t
}
