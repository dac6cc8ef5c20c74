package entities

import "time"

var weekdayWords = map[string]time.Weekday{
	"lundi": time.Monday, "mardi": time.Tuesday, "mercredi": time.Wednesday, "jeudi": time.Thursday,
	"vendredi": time.Friday, "samedi": time.Saturday, "dimanche": time.Sunday,
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday,
	"friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
	// unambiguous abbreviations only (« mon », « mar », "sat", "sun" are words)
	"tue": time.Tuesday, "tues": time.Tuesday, "wed": time.Wednesday, "weds": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "fri": time.Friday,
	"lun": time.Monday, "mer": time.Wednesday, "jeu": time.Thursday, "ven": time.Friday,
}

// weekdayFuzzy lists the full names, the only ones matched with typos.
var weekdayFuzzy = []string{"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

var monthWords = map[string]time.Month{
	"janvier": 1, "january": 1, "jan": 1, "janv": 1,
	"fevrier": 2, "february": 2, "feb": 2, "fev": 2, "fevr": 2, "febr": 2,
	"mars": 3, "march": 3, "mar": 3,
	"avril": 4, "april": 4, "apr": 4, "avr": 4,
	"mai": 5, "may": 5,
	"juin": 6, "june": 6, "jun": 6,
	"juillet": 7, "july": 7, "jul": 7, "juil": 7,
	"aout": 8, "august": 8, "aug": 8,
	"septembre": 9, "september": 9, "sep": 9, "sept": 9,
	"octobre": 10, "october": 10, "oct": 10,
	"novembre": 11, "november": 11, "nov": 11,
	"decembre": 12, "december": 12, "dec": 12,
}

var monthFuzzy = []string{"janvier", "january", "fevrier", "february", "avril", "april", "juillet",
	"august", "septembre", "september", "octobre", "october", "novembre", "november", "decembre", "december"}

// numberWords are the counts and hours people write in letters.
var numberWords = map[string]int{
	"un": 1, "une": 1, "one": 1, "a": 1, "an": 1,
	"deux": 2, "two": 2, "couple": 2, "trois": 3, "three": 3, "quatre": 4, "four": 4,
	"cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8,
	"neuf": 9, "nine": 9, "dix": 10, "ten": 10, "onze": 11, "eleven": 11,
	"douze": 12, "twelve": 12, "treize": 13, "quatorze": 14, "quinze": 15, "fifteen": 15,
	"seize": 16, "vingt": 20, "twenty": 20, "trente": 30, "thirty": 30,
}

// hourWords are number words that can be an hour (« dix heures », "ten pm").
var hourWords = map[string]int{
	"une": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4, "four": 4,
	"cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8,
	"neuf": 9, "nine": 9, "dix": 10, "ten": 10, "onze": 11, "eleven": 11,
	"douze": 12, "twelve": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
}

// minuteWords follow an hour: « 10 h quinze », "ten thirty".
var minuteWords = map[string]int{
	"cinq": 5, "five": 5, "dix": 10, "ten": 10, "quinze": 15, "fifteen": 15,
	"vingt": 20, "twenty": 20, "trente": 30, "thirty": 30, "quarante": 40, "forty": 40,
	"cinquante": 50, "fifty": 50,
}

var hourUnits = map[string]bool{"h": true, "hr": true, "hrs": true, "heure": true, "heures": true, "hre": true, "hres": true}

// durationWords before a number make it a duration, not a time of day:
// « dans 2 h », "for 2 hours".
var durationWords = map[string]bool{"dans": true, "pendant": true, "depuis": true, "durant": true, "for": true, "in": true, "within": true, "en": true}

// timeTriggers before a bare number make it an hour: « à 9 », "at 3".
var timeTriggers = map[string]bool{"a": true, "at": true, "vers": true, "around": true}

// freeAfter are the words that may follow a bare number read as an hour
// or a day of the month; anything else (« 2 personnes », "3 kids") makes it
// a count.
var freeAfter = map[string]bool{
	"a": true, "au": true, "vers": true, "at": true, "around": true, "ou": true, "or": true,
	"et": true, "and": true, "svp": true, "please": true, "pls": true, "si": true, "if": true,
	"pour": true, "for": true, "le": true, "la": true, "les": true, "en": true, "in": true, "on": true,
	"de": true, "du": true, "this": true, "ce": true, "cette": true, "cet": true, "next": true,
	"prochain": true, "prochaine": true, "demain": true, "tomorrow": true, "today": true,
	"aujourd": true, "sharp": true, "pile": true, "precises": true, "precise": true, "ok": true,
	"c": true, "ca": true, "merci": true, "thanks": true, "thank": true, "then": true,
	"mais": true, "but": true, "plutot": true, "instead": true, "rather": true, "chez": true,
	"dans": true, "with": true, "avec": true, "matin": true, "soir": true,
	"apres": true, "avant": true, "morning": true, "afternoon": true, "evening": true, "tonight": true,
	"is": true, "est": true, "would": true, "works": true, "fonctionne": true, "possible": true,
	"mois": true, "of": true, "ici": true, "here": true,
	"rendez": true, "appointment": true, "rdv": true,
}

// Parts of the day, when no exact time is given.
const (
	morningHM   = 9 * 60
	afternoonHM = 14 * 60
	eveningHM   = 18 * 60
)

// greetingWords before a part of the day make it a greeting: « bon
// matin », "good morning", « bonne soirée ».
var greetingWords = map[string]bool{"bon": true, "bonne": true, "good": true, "nice": true, "great": true, "belle": true}

// negators before a date or time reject it: « pas demain », "not Monday".
var negators = map[string]bool{"pas": true, "not": true, "sauf": true, "except": true, "lieu": true, "than": true}

// preferers before a date or time make it the one meant: « plutôt jeudi ».
var preferers = map[string]bool{"plutot": true, "rather": true, "instead": true, "finalement": true, "actually": true, "enfait": true, "make": true, "prefere": true, "prefer": true}
