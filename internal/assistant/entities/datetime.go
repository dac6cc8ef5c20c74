package entities

import (
	"fmt"
	"time"
)

// A mention is a date or a time read from a run of tokens.
type mention struct {
	start, end int // token span
	prio       int // more explicit forms win: see pick
	date       time.Time
	hm         int // minutes after midnight (times)
}

const (
	prioPart     = 1 // part of the day; « ce soir » as a date
	prioRelative = 2 // demain, jeudi, dans 3 jours, 14 h
	prioExplicit = 3 // 17 décembre, 2026-12-17, le 3; 14 h 30 is explicit too
)

type dtParser struct {
	e      *Extractor
	toks   []token
	today  time.Time // midnight, America/Toronto
	dates  []mention
	times  []mention
	nowWD  time.Weekday
	nowDay int
}

// word returns the folded text of token i, or "" past the end or when the
// token is taken.
func (p *dtParser) word(i int) string {
	if i < 0 || i >= len(p.toks) || p.toks[i].used {
		return ""
	}
	return p.toks[i].s
}

func (p *dtParser) num(i int) int {
	if i < 0 || i >= len(p.toks) || p.toks[i].used {
		return -1
	}
	return p.toks[i].num
}

// punctBefore tells whether punctuation other than an apostrophe or a
// hyphen separates token i from the previous one.
func (p *dtParser) punctBefore(i int) bool {
	if i >= len(p.toks) {
		return true
	}
	s := p.toks[i].sep
	return s != "" && s != "'" && s != "-"
}

func (e *Extractor) extractDateTime(u *utterance, now time.Time, out map[string]string) {
	p := &dtParser{e: e, toks: u.toks}
	y, m, d := now.Date()
	p.today = time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	p.nowWD = now.Weekday()
	p.nowDay = d
	for i := 0; i < len(p.toks); {
		if p.toks[i].used {
			i++
			continue
		}
		if n := p.parseDate(i); n > 0 {
			i += n
			continue
		}
		if n := p.parseTime(i); n > 0 {
			i += n
			continue
		}
		i++
	}
	if m, ok := p.pick(p.dates); ok {
		out[KeyDate] = m.date.Format("2006-01-02")
	}
	if m, ok := p.pick(p.times); ok {
		out[KeyTime] = fmt.Sprintf("%02d:%02d", m.hm/60, m.hm%60)
	}
}

// pick chooses among mentions: those negated (« pas demain », "not
// Monday") are dropped when another remains; one introduced by « plutôt »,
// "instead", "actually" wins; otherwise the most explicit, and among equals
// the last one (a correction comes after what it corrects), except for the
// end of a range (« de 13 h à 15 h » is 13:00).
func (p *dtParser) pick(ms []mention) (mention, bool) {
	if len(ms) == 0 {
		return mention{}, false
	}
	best, bestScore := -1, -1000
	for k, m := range ms {
		score := m.prio * 10
		switch p.marker(m.start) {
		case -1:
			score -= 100
		case 1:
			score += 50
		}
		if k > 0 && p.rangeEnd(ms[k-1], m) {
			score -= 5
		}
		if score >= bestScore {
			best, bestScore = k, score
		}
	}
	return ms[best], true
}

// marker looks at the few words before token i: -1 for a negation, +1 for
// a preference, 0 otherwise.
func (p *dtParser) marker(i int) int {
	for k := i - 1; k >= 0 && k >= i-4; k-- {
		w := p.toks[k].s
		if w == "instead" && k+1 < len(p.toks) && p.toks[k+1].s == "of" {
			return -1
		}
		if negators[w] {
			return -1
		}
		if preferers[w] {
			return 1
		}
		if p.punctBefore(k) && p.toks[k].sep != "," {
			break
		}
	}
	return 0
}

// rangeEnd tells whether b closes a range opened by a: « de 13 h à 15 h »,
// « entre 13 h et 15 h », "from 1 to 3".
func (p *dtParser) rangeEnd(a, b mention) bool {
	gap := b.start - a.end
	if gap < 0 || gap > 2 {
		return false
	}
	if gap == 0 && p.toks[b.start].sep == "-" {
		return true
	}
	switch p.toks[a.end].s {
	case "a", "to", "et", "and", "till", "until", "jusqu":
		return true
	}
	return false
}

func (p *dtParser) addDate(start, end, prio int, d time.Time) {
	p.dates = append(p.dates, mention{start: start, end: end, prio: prio, date: d})
}

func (p *dtParser) addTime(start, end, prio, h, m int) {
	p.times = append(p.times, mention{start: start, end: end, prio: prio, hm: h*60 + m})
}

func (p *dtParser) use(i, n int) int {
	for k := i; k < i+n && k < len(p.toks); k++ {
		p.toks[k].used = true
	}
	return n
}

// weekday reads token i as a day of the week, typos included (« jeudy »,
// « mercredie », "wendsday").
func (p *dtParser) weekday(i int) (time.Weekday, bool) {
	w := p.word(i)
	if w == "" || !isLetters(w) {
		return 0, false
	}
	if wd, ok := weekdayWords[w]; ok {
		return wd, true
	}
	if f := closest(w, weekdayFuzzy); f != "" {
		return weekdayWords[f], true
	}
	return 0, false
}

// month reads token i as a month, typos included (« decembre », "febuary").
func (p *dtParser) month(i int) (time.Month, bool) {
	w := p.word(i)
	if w == "" || !isLetters(w) {
		return 0, false
	}
	if m, ok := monthWords[w]; ok {
		return m, true
	}
	if f := closest(w, monthFuzzy); f != "" {
		return monthWords[f], true
	}
	return 0, false
}

// closest returns the word of list nearest to w within the typo tolerance
// (same first letter, one edit from 5 letters, two from 8), or "".
func closest(w string, list []string) string {
	if len(w) < 5 {
		return ""
	}
	best, bestD := "", 3
	for _, c := range list {
		if c[0] != w[0] {
			continue
		}
		lim := min(maxEdits(len(w)), maxEdits(len(c)))
		if abs(len(c)-len(w)) > lim {
			continue
		}
		if d := distance(w, c); d <= lim && d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// fuzzyWord tells whether token i is word w, with the usual typo tolerance.
func (p *dtParser) fuzzyWord(i int, w string) bool {
	t := p.word(i)
	if t == w {
		return true
	}
	if t == "" || t[0] != w[0] {
		return false
	}
	lim := min(maxEdits(len(t)), maxEdits(len(w)))
	return lim > 0 && abs(len(t)-len(w)) <= lim && distance(t, w) <= lim
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func (p *dtParser) isDemain(i int) bool { return p.fuzzyWord(i, "demain") }
func (p *dtParser) isTomorrow(i int) bool {
	w := p.word(i)
	return w == "tmrw" || w == "tmr" || w == "tmw" || p.fuzzyWord(i, "tomorrow")
}

// ordinalSuffix tells whether token i is glued "er", "re", "st", "nd", "rd",
// "th", "e", "eme" after a number.
func (p *dtParser) ordinalSuffix(i int) bool {
	if i >= len(p.toks) || !p.toks[i].glued || p.toks[i].used {
		return false
	}
	switch p.toks[i].s {
	case "er", "re", "st", "nd", "rd", "th", "e", "eme", "ieme":
		return true
	}
	return false
}

// dayNumber reads a day of the month at i: « 17 », « 1er », "12th",
// « premier », "first". It returns the day and the tokens read.
func (p *dtParser) dayNumber(i int) (int, int) {
	if n := p.num(i); n >= 1 && n <= 31 && p.toks[i].width <= 2 {
		if i > 0 && p.toks[i].glued {
			return 0, 0
		}
		if p.ordinalSuffix(i + 1) {
			return n, 2
		}
		if i+1 < len(p.toks) && p.toks[i+1].glued {
			return 0, 0 // "13h", "3pm"
		}
		return n, 1
	}
	switch p.word(i) {
	case "premier", "first":
		return 1, 1
	case "second":
		return 2, 1
	case "third":
		return 3, 1
	}
	return 0, 0
}

// year reads an optional year after a date.
func (p *dtParser) year(i int) (int, int) {
	k := i
	if p.word(k) == "" {
		return 0, 0
	}
	if n := p.num(k); n >= 2000 && n <= 2100 && p.toks[k].width == 4 && !p.toks[k].glued {
		return n, 1
	}
	return 0, 0
}

// makeDate resolves a day and month: with a year as given, without one the
// next such date that is not in the past.
func (p *dtParser) makeDate(y int, m time.Month, d int) (time.Time, bool) {
	if y == 0 {
		y = p.today.Year()
		t := time.Date(y, m, d, 0, 0, 0, 0, p.today.Location())
		if t.Before(p.today) {
			y++
		}
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, p.today.Location())
	if t.Day() != d || t.Month() != m {
		return time.Time{}, false // 31 novembre
	}
	return t, true
}

func (p *dtParser) addDays(n int) time.Time { return p.today.AddDate(0, 0, n) }

// nextMonday is the Monday of next week.
func (p *dtParser) nextMonday() time.Time {
	mi := (int(p.nowWD) + 6) % 7 // Monday = 0
	return p.addDays(7 - mi)
}

// nextWeekday is the next occurrence of wd strictly after today, or today
// itself when todayOK.
func (p *dtParser) nextWeekday(wd time.Weekday, todayOK bool) time.Time {
	delta := (int(wd) - int(p.nowWD) + 7) % 7
	if delta == 0 && !todayOK {
		delta = 7
	}
	return p.addDays(delta)
}
