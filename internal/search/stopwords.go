package search

// Stop words, folded (see Fold). They carry no meaning for finding a
// service and are dropped from documents, synonyms and queries alike.
//
// The two lists are applied as one set, whatever the language of the text
// or the query: citizens mix languages ("permis for my son"), and applying
// the same set everywhere keeps the word sequences of documents, synonyms
// and queries comparable for phrase and synonym matching. A word that is a
// stop word in one language but a useful word in the other ("son": his /
// a son) is therefore left out of both lists.
var (
	stopWordsFR = []string{
		"a", "au", "aux", "avec", "ce", "ces", "cet", "cette", "d", "dans",
		"de", "des", "du", "en", "est", "et", "j", "je", "l", "la", "le",
		"les", "leur", "leurs", "m", "ma", "me", "mes", "mon", "n", "ne",
		"nos", "notre", "nous", "ou", "par", "pour", "qu", "que", "qui",
		"s", "se", "sur", "t", "ta", "te", "tes", "ton", "tu", "un", "une",
		"vos", "votre", "vous", "y",
	}
	stopWordsEN = []string{
		"a", "an", "and", "are", "as", "at", "be", "by", "do", "for", "from",
		"how", "i", "in", "is", "it", "me", "my", "of", "on", "or", "our",
		"the", "this", "to", "we", "with", "your",
	}
)

// stopSet is the union of both lists, built once per Index by New so that
// the package keeps no mutable state of its own.
func stopSet() map[string]struct{} {
	set := make(map[string]struct{}, len(stopWordsFR)+len(stopWordsEN))
	for _, w := range stopWordsFR {
		set[w] = struct{}{}
	}
	for _, w := range stopWordsEN {
		set[w] = struct{}{}
	}
	return set
}
