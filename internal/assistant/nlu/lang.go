package nlu

import (
	"strings"

	"github.com/guichet-qc/guichet/internal/search"
)

// Words that tell French from English, folded (no accents). A word found in
// both lists ("a", "on", "ok") counts for neither. The lists favour words
// citizens actually type to a public-service assistant, informal Québec
// French included (« chu », « pis », « tsé »).
var (
	langWordsFR = wordSet(`
		a ai au aux avec avoir besoin bon bonjour bonsoir bonne c ca ce cela ces cette chez chu
		combien comme comment dans de demain des dois donc du elle en est et etre faire faut
		heure heures hier il j je jeudi jusqu l la le les leur lundi ma mais mardi me merci
		mercredi mes moi mon n ne non nous ou oui par pas peux pis plait plus pour pourquoi
		pouvez puis qu quand que quel quelle quels qui rendez rdv sa salut samedi se ses si
		son sont sur svp ta te tes toi ton tu un une vendredi veux veut voudrais vous votre
		vos y ya j'ai allo bye-bye ouais ben faque tsé tse chui jveux jpeux aujourd apres
		avant matin midi soir semaine prochain prochaine annuler changer deplacer carte permis
		adresse naissance aide ou est-ce ouvert fermes ferme documents papiers apporter
		quoi koi cest c'est chuis jsuis parler personne agent humain rien daccord correct
		parfait super genial aurevoir revoir bienvenue dimanche annule veuillez aimerais
		voir trouver bureau proche pres cherche renouveler remplacer perdu vole nom
		impots declaration revenu allocations familiale prestations`)
	langWordsEN = wordSet(`
		a about after am an and any appointment are as at be been before book booking can
		cancel card change could day do does don'ts driver's else for from get give good
		goodbye have hello help hey hi how i i'm id if in is it its just know licence license
		like may me monday more morning my need next no nope not now of office open or
		our please reschedule right see she should show so some sure thank thanks that the
		their them there these they this thursday to today tomorrow tuesday want was we
		wednesday week what when where which who why will with would yeah yes you your friday
		saturday sunday afternoon evening hours near nearest closest find looking where's
		what's i'd i've can't don't cheers bye later great perfect thx ty yep yup nah person
		human someone talk speak documents bring birth certificate address health insurance
		renew replace lost stolen status application tax return benefits allowance vehicle
		registration business name welfare assistance anything else`)
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		// Only single words: « est-ce » or "don't" would split into
		// fragments ("t", "ce") that belong to neither language.
		if ws := strings.Fields(search.Normalize(w)); len(ws) == 1 {
			m[ws[0]] = true
		}
	}
	return m
}

// DetectLang returns "fr" or "en" for text. It counts words typical of each
// language and French letters (é, è, à, ç, ê, ô, ù, î, œ); when the evidence
// is weak (a short or ambiguous message such as « ok » or a postal code) it
// returns hint when hint is "fr" or "en", and "fr" otherwise.
func DetectLang(text, hint string) string {
	fallback := "fr"
	if hint == "en" {
		fallback = "en"
	}
	fr, en := 0.0, 0.0
	for _, r := range text {
		switch r {
		case 'é', 'è', 'à', 'ç', 'ê', 'ô', 'ù', 'î', 'û', 'â', 'œ', 'É', 'È', 'À', 'Ç':
			fr += 0.5
		case '’', '\'':
			// both languages use apostrophes
		}
	}
	for _, w := range strings.Fields(search.Normalize(text)) {
		inFR, inEN := langWordsFR[w], langWordsEN[w]
		switch {
		case inFR && !inEN:
			fr++
		case inEN && !inFR:
			en++
		}
	}
	// English contractions and possessives survive normalization as a
	// separate "s", "t", "m", "ll", "re", "ve" after an apostrophe.
	low := strings.ToLower(text)
	for _, c := range []string{"'s ", "n't", "'m ", "'ll", "'re", "'ve", "’s ", "n’t", "’m "} {
		en += 0.5 * float64(strings.Count(low+" ", c))
	}
	switch {
	case fr > en && fr-en >= 1:
		return "fr"
	case en > fr && en-fr >= 1:
		return "en"
	}
	return fallback
}
