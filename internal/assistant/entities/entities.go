// Package entities finds the assistant's entities in one utterance, in
// Québec French or English: the service (a catalogue id), the municipality
// (its canonical name), a postal code, a date, a time and a booking
// reference. Keys and normal forms are the assistant contract of
// docs/architecture.md:
//
//	service       catalogue id               "ramq-carte-renouvellement"
//	municipality  canonical name, accents    "Trois-Rivières"
//	postal_code   A1A 1A1                    "H2X 1Y4"
//	date          YYYY-MM-DD                 "2026-12-17"
//	time          HH:MM, 24 h                "14:30"
//	booking_ref   RV-XXXXXX                  "RV-7K3M9P"
//
// Only the keys found are present in the map Extract returns.
//
// An Extractor is built once by New from the catalogue and the list of
// municipalities and is immutable afterwards: one Extractor may be shared by
// any number of goroutines. Rebuild it when the catalogue changes.
//
// # Conventions for dates and times
//
// Relative words are resolved against the reference instant given to
// Extract, converted to America/Toronto first.
//
//   - A bare weekday (« jeudi », "Thursday") is its next occurrence strictly
//     after today: on a Thursday, « jeudi » is the Thursday of next week.
//     « ce jeudi » / "this Thursday" is today when today is Thursday and
//     otherwise the next occurrence. « jeudi prochain » / "next Thursday" is
//     the same date as a bare « jeudi » (the next occurrence strictly after
//     today); Québec speech uses « prochain » for "the coming one".
//   - « la semaine prochaine » / "next week" is the Monday of next week;
//     « la fin de semaine » / "this weekend" is the coming Saturday.
//   - A day of the month without a month (« le 3 ») and a month and day
//     without a year (« 17 décembre », "January 12") are the next such date
//     that is not in the past (today counts).
//   - Numeric dates: ISO « 2026-12-17 », and « 17/12 », « 17/12/2026 » read
//     day/month as Québec writes them; "12/17" is month/day only because 17
//     cannot be a month. Ambiguous « 3/4 » is 3 April.
//   - Parts of the day give a time only when no exact time is given:
//     « matin » / "morning" 09:00, « midi » / "noon" 12:00, « après-midi » /
//     "afternoon" 14:00, « soir » / "evening" / "tonight" 18:00.
//   - « 3 h », « 3 heures » are read on the 24-hour clock (03:00) unless a
//     part of the day goes with them (« 3 h de l'après-midi », « jeudi
//     après-midi à 3 h », « 3 h pm »). Twelve-hour forms without am/pm — a
//     bare number after « à » / "at" / « vers », "3:30", "3 o'clock" — are
//     read in office hours: 1 to 7 are the afternoon ("at 3" is 15:00),
//     8 to 12 the morning and noon.
//   - Between several dates (or times) the most explicit wins, one after
//     « plutôt », "instead", "actually" wins, one after « pas », "not" loses,
//     otherwise the last (a correction follows what it corrects), except
//     the end of a range (« de 13 h à 15 h » is 13:00).
//
// # Municipalities
//
// Any case, accents optional, hyphens or spaces, « St »/« Ste »/« Mt » for
// Saint/Sainte/Mont, one typo for names of six letters or more. Names that
// are ordinary words, first names or surnames (« Price », « Hope »,
// « Lemieux », names beginning with an article such as « La Prairie ») are
// only taken after a preposition (« à », "in", "near", « près de ») or alone
// in the message. « Québec » is the city after « à », in "Quebec City",
// « ville de Québec » or alone; « au Québec », "in Quebec" and « Revenu
// Québec » are not the city. A name after « rue », « boulevard »… is a
// street.
//
// # Codes
//
// Postal codes are full codes only (an FSA alone gives nothing). Booking
// references are read with their "RV" prefix (« rv 7k3m9p », "RV7K3M9P",
// "rv-7k3m9p"), or without it after « référence », "ref", « numéro », or
// alone in the message. Phone numbers, postal codes and references are
// never read as dates, times or counts.
//
// # Services
//
// Names, keywords and synonyms are matched as phrases, accent- and
// case-insensitively, with typos (same first letter; one edit for words of
// 5 to 7 letters, two from 8; a one-word phrase only forgives a typo from 7
// letters, so "takes" is not "taxes") and French and English stems. The longest, most specific
// match wins; a single word shared by several services (« carte », "test")
// is not enough. "driving test" / « examen de conduite » is the road test
// (saaq-examen-pratique) unless a word of the knowledge test (« théorique »,
// « écrit », "written", "knowledge", "theory") appears.
package entities

import (
	"time"
)

// Service is what the extractor needs to know of a catalogue service.
type Service struct {
	ID       string
	Names    []string // names in both languages
	Keywords []string
	Synonyms []string // phrases people type: « carte soleil », "health card"
}

// Entity keys of the assistant contract.
const (
	KeyService      = "service"
	KeyMunicipality = "municipality"
	KeyPostalCode   = "postal_code"
	KeyDate         = "date"
	KeyTime         = "time"
	KeyBookingRef   = "booking_ref"
)

// Extractor finds entities in utterances. It is immutable and safe for
// concurrent use.
type Extractor struct {
	services *serviceMatcher
	places   *placeMatcher
}

// New builds an Extractor from the catalogue's services and the canonical
// names of the municipalities (with their accents: « Lévis »).
func New(services []Service, municipalities []string) *Extractor {
	return &Extractor{
		services: newServiceMatcher(services),
		places:   newPlaceMatcher(municipalities),
	}
}

// zone is the time zone relative dates and times are resolved in.
var zone = loadZone()

func loadZone() *time.Location {
	loc, err := time.LoadLocation("America/Toronto")
	if err != nil {
		// No tzdata on this machine and none embedded: keep going in a
		// fixed Eastern offset rather than failing every utterance.
		return time.FixedZone("EST", -5*3600)
	}
	return loc
}

// Extract returns the entities found in text. lang ("fr" or "en") is a
// hint: both languages are understood whatever it says. now is the
// reference instant for relative dates.
func (e *Extractor) Extract(text, lang string, now time.Time) map[string]string {
	out := map[string]string{}
	u := newUtterance(text)
	e.extractCodes(u, out)
	e.extractDateTime(u, now.In(zone), out)
	if id, ok := e.services.match(u); ok {
		out[KeyService] = id
	}
	if name, ok := e.places.match(u); ok {
		out[KeyMunicipality] = name
	}
	_ = lang
	return out
}
