package entities

import (
	"time"

	"github.com/guichet-qc/guichet/internal/search"
)

func distance(a, b string) int { return search.Distance(a, b) }

// parseDate tries every date form at token i and returns how many tokens
// it read (0: none).
func (p *dtParser) parseDate(i int) int {
	for _, f := range []func(int) int{p.isoDate, p.slashDate, p.dayMonth, p.monthDay, p.relativeDay, p.inDays, p.weekWords, p.weekdayDate, p.dayOnly} {
		if n := f(i); n > 0 {
			return n
		}
	}
	return 0
}

// isoDate: 2026-12-17, 2026/12/17.
func (p *dtParser) isoDate(i int) int {
	y := p.num(i)
	if y < 1900 || y > 2100 || p.toks[i].width != 4 || p.toks[i].glued {
		return 0
	}
	m, d := p.num(i+1), p.num(i+2)
	if m < 1 || m > 12 || d < 1 || d > 31 || p.toks[i+1].width > 2 || p.toks[i+2].width > 2 {
		return 0
	}
	s1, s2 := p.toks[i+1].sep, p.toks[i+2].sep
	if s1 != s2 || s1 != "-" && s1 != "/" && s1 != "." || p.toks[i+1].space || p.toks[i+2].space {
		return 0
	}
	t, ok := p.makeDate(y, time.Month(m), d)
	if !ok {
		return 0
	}
	p.addDate(i, i+3, prioExplicit, t)
	return p.use(i, 3)
}

// slashDate: « 17/12 », « 17/12/2026 » (day/month, Québec usage); 12/17 is
// read month/day since 17 cannot be a month. When both numbers could be a
// month (« 3/4 ») day/month is chosen, as Québec writes it.
func (p *dtParser) slashDate(i int) int {
	a, b := p.num(i), p.num(i+1)
	if a < 1 || b < 1 || p.toks[i].width > 2 || p.toks[i+1].width > 2 || p.toks[i+1].sep != "/" || p.toks[i+1].space {
		return 0
	}
	if i > 0 && (p.toks[i].glued || p.toks[i].sep == "/") {
		return 0
	}
	d, m := a, b
	if m > 12 {
		d, m = b, a
	}
	if m > 12 || d > 31 {
		return 0
	}
	n, y := 2, 0
	if i+2 < len(p.toks) && p.toks[i+2].sep == "/" && !p.toks[i+2].space {
		v := p.num(i + 2)
		switch {
		case p.toks[i+2].width == 4 && v >= 2000 && v <= 2100:
			y = v
		case p.toks[i+2].width == 2:
			y = 2000 + v
		default:
			return 0
		}
		n = 3
	}
	t, ok := p.makeDate(y, time.Month(m), d)
	if !ok {
		return 0
	}
	p.addDate(i, i+n, prioExplicit, t)
	return p.use(i, n)
}

// dayMonth: « le 17 décembre », « 1er mars 2027 », "12 January", "the 12th
// of January", « premier juillet ».
func (p *dtParser) dayMonth(i int) int {
	k := i
	if w := p.word(k); w == "le" || w == "the" || w == "on" {
		k++
	}
	d, n := p.dayNumber(k)
	if n == 0 {
		return 0
	}
	k += n
	if w := p.word(k); w == "de" || w == "of" {
		k++
	}
	m, ok := p.month(k)
	if !ok {
		return 0
	}
	k++
	y, yn := p.year(k)
	k += yn
	t, ok := p.makeDate(y, m, d)
	if !ok {
		return 0
	}
	p.addDate(i, k, prioExplicit, t)
	return p.use(i, k-i)
}

// monthDay: "January 12", "Jan 12th", "Dec. 17", "December 17, 2026",
// "January the 12th", « décembre 17 ».
func (p *dtParser) monthDay(i int) int {
	m, ok := p.month(i)
	if !ok {
		return 0
	}
	k := i + 1
	if p.word(k) == "the" {
		k++
	}
	d, n := p.dayNumber(k)
	if n == 0 {
		return 0
	}
	// "May 3 people", « mars 2 h »: a number that is something else
	if nx := k + n; p.word(nx) != "" && !p.punctBefore(nx) && (hourUnits[p.word(nx)] || p.word(nx) == "pm" || p.word(nx) == "am") {
		return 0
	}
	k += n
	y := 0
	if yy, yn := p.year(k); yn > 0 {
		y, k = yy, k+yn
	}
	t, ok := p.makeDate(y, m, d)
	if !ok {
		return 0
	}
	p.addDate(i, k, prioExplicit, t)
	return p.use(i, k-i)
}

// relativeDay: aujourd'hui, today, demain, tomorrow, après-demain, "the day
// after tomorrow", hier, yesterday, avant-hier.
func (p *dtParser) relativeDay(i int) int {
	w := p.word(i)
	switch {
	case w == "aujourd" && p.word(i+1) == "hui":
		p.addDate(i, i+2, prioRelative, p.today)
		return p.use(i, 2)
	case w == "aujourdhui" || w == "auj" || w == "ajd" || w == "today" || w == "tday":
		p.addDate(i, i+1, prioRelative, p.today)
		return p.use(i, 1)
	case w == "apres" && p.isDemain(i+1):
		p.addDate(i, i+2, prioRelative, p.addDays(2))
		return p.use(i, 2)
	case w == "avant" && p.word(i+1) == "hier":
		p.addDate(i, i+2, prioRelative, p.addDays(-2))
		return p.use(i, 2)
	case w == "day" && p.word(i+1) == "after" && p.isTomorrow(i+2):
		p.addDate(i, i+3, prioRelative, p.addDays(2))
		return p.use(i, 3)
	case w == "day" && p.word(i+1) == "before" && p.word(i+2) == "yesterday":
		p.addDate(i, i+3, prioRelative, p.addDays(-2))
		return p.use(i, 3)
	case p.isDemain(i) || p.isTomorrow(i):
		p.addDate(i, i+1, prioRelative, p.addDays(1))
		return p.use(i, 1)
	case w == "hier" || w == "yesterday":
		p.addDate(i, i+1, prioRelative, p.addDays(-1))
		return p.use(i, 1)
	case w == "tonight" || w == "tonite":
		p.addDate(i, i+1, prioPart, p.today)
		p.addTime(i, i+1, prioPart, eveningHM/60, 0)
		return p.use(i, 1)
	case (w == "ce" || w == "cet" || w == "cette" || w == "this") && p.partOfDayAt(i+1) > 0:
		// « ce soir », « cet après-midi », "this morning": today; the part
		// of the day is read next as a time.
		p.addDate(i, i+1, prioPart, p.today)
		return p.use(i, 1)
	}
	return 0
}

// inDays: « dans 3 jours », « dans une semaine », "in two weeks", « d'ici 2
// semaines », "3 days from now", « dans un mois ».
func (p *dtParser) inDays(i int) int {
	k := i
	w := p.word(k)
	lead := w == "dans" || w == "in" || w == "within" || (w == "ici" && k > 0 && p.toks[k-1].s == "d")
	if lead {
		k++
	}
	n := p.num(k)
	if n < 0 {
		v, ok := numberWords[p.word(k)]
		if !ok {
			return 0
		}
		n = v
		if p.word(k) == "couple" && p.word(k+1) == "of" {
			k++
		}
	} else if p.toks[k].width > 3 {
		return 0
	}
	k++
	unit := p.word(k)
	days, months := 0, 0
	switch unit {
	case "jour", "jours", "day", "days", "jrs", "jr":
		days = n
	case "semaine", "semaines", "week", "weeks", "sem":
		days = 7 * n
	case "mois", "month", "months":
		months = n
	default:
		return 0
	}
	k++
	if !lead {
		// "3 days from now", « 3 jours d'ici »? only "from now" / « à partir d'aujourd'hui » are relative
		if p.word(k) == "from" && p.word(k+1) == "now" {
			k += 2
		} else {
			return 0
		}
	}
	p.addDate(i, k, prioRelative, p.today.AddDate(0, months, days))
	return p.use(i, k-i)
}

// weekWords: « la semaine prochaine », "next week" (the Monday of next
// week, or the day named with it: "next week Thursday"), « la fin de
// semaine », "this weekend", "next weekend" (the coming Saturday).
func (p *dtParser) weekWords(i int) int {
	w := p.word(i)
	k := i
	switch {
	case (w == "semaine" || w == "sem") && (p.word(i+1) == "prochaine" || p.word(i+1) == "pro"):
		k = i + 2
	case w == "next" && p.word(i+1) == "week":
		k = i + 2
	case w == "following" && p.word(i+1) == "week":
		k = i + 2
	case w == "fin" && p.word(i+1) == "de" && p.word(i+2) == "semaine":
		sat := p.nextWeekday(time.Saturday, true)
		if p.nowWD == time.Sunday {
			sat = p.today
		}
		k = i + 3
		if p.word(k) == "prochaine" {
			sat = p.nextMonday().AddDate(0, 0, 5)
			k++
		}
		p.addDate(i, k, prioRelative, sat)
		return p.use(i, k-i)
	case w == "weekend" || w == "week" && p.word(i+1) == "end":
		k = i + 1
		if w == "week" {
			k++
		}
		sat := p.nextWeekday(time.Saturday, true)
		if p.nowWD == time.Sunday {
			sat = p.today
		}
		p.addDate(i, k, prioRelative, sat)
		return p.use(i, k-i)
	default:
		return 0
	}
	mon := p.nextMonday()
	if wd, ok := p.weekday(k); ok {
		p.addDate(i, k+1, prioRelative, mon.AddDate(0, 0, (int(wd)+6)%7))
		return p.use(i, k+1-i)
	}
	p.addDate(i, k, prioRelative, mon)
	return p.use(i, k-i)
}

// weekdayDate: « jeudi », « jeudi prochain », « ce jeudi », "next Tuesday",
// "this Friday", "Thursday next week", « jeudi de la semaine prochaine »,
// « lundi dernier », "last Monday".
func (p *dtParser) weekdayDate(i int) int {
	k := i
	mode := "bare"
	switch w := p.word(i); w {
	case "ce", "cette", "this":
		mode = "this"
		k++
		if p.word(k) == "coming" {
			mode = "bare"
			k++
		}
	case "next", "coming":
		mode = "bare"
		k++
	case "last":
		mode = "last"
		k++
	}
	wd, ok := p.weekday(k)
	if !ok {
		return 0
	}
	k++
	switch {
	case p.word(k) == "prochain" || p.word(k) == "prochaine" || p.word(k) == "qui" && p.word(k+1) == "vient":
		k++
		if p.word(k) == "vient" {
			k++
		}
	case p.word(k) == "dernier" || p.word(k) == "passe":
		mode = "last"
		k++
	case p.word(k) == "next" && p.word(k+1) == "week":
		mode = "nextweek"
		k += 2
	case p.word(k) == "de" && p.word(k+1) == "la" && p.word(k+2) == "semaine" && p.word(k+3) == "prochaine":
		mode = "nextweek"
		k += 4
	case p.word(k) == "en" && p.word(k+1) == "huit":
		mode = "eight"
		k += 2
	}
	var t time.Time
	switch mode {
	case "this":
		t = p.nextWeekday(wd, true)
	case "last":
		delta := (int(p.nowWD) - int(wd) + 7) % 7
		if delta == 0 {
			delta = 7
		}
		t = p.addDays(-delta)
	case "nextweek":
		t = p.nextMonday().AddDate(0, 0, (int(wd)+6)%7)
	case "eight":
		t = p.nextWeekday(wd, false).AddDate(0, 0, 7)
	default:
		t = p.nextWeekday(wd, false)
	}
	p.addDate(i, k, prioRelative, t)
	return p.use(i, k-i)
}

// dayOnly: « le 3 », « le 1er », "the 12th", "on the 3rd": the next such day
// of a month that is not in the past.
func (p *dtParser) dayOnly(i int) int {
	w := p.word(i)
	k := i + 1
	if w == "on" && p.word(k) == "the" {
		k++
	} else if w != "le" && w != "the" {
		return 0
	}
	d, n := p.dayNumber(k)
	if n == 0 {
		return 0
	}
	ordinal := n == 2 || p.num(k) < 0
	if w == "the" || w == "on" {
		if !ordinal {
			return 0 // "the 3" is not English for a date
		}
	}
	k += n
	if !p.freeAfter(k) {
		return 0
	}
	y, m := p.today.Year(), p.today.Month()
	if d < p.nowDay {
		m++
	}
	for range 3 { // 31 → the next month that has one
		t := time.Date(y, m, d, 0, 0, 0, 0, p.today.Location())
		if t.Day() == d {
			p.addDate(i, k, prioExplicit, t)
			return p.use(i, k-i)
		}
		m++
	}
	return 0
}

// freeAfter tells whether what follows token k-1 leaves a bare number free
// to be a day or an hour: the end, punctuation, or a word that is not a
// noun being counted (« 2 personnes »).
func (p *dtParser) freeAfter(k int) bool {
	if k >= len(p.toks) {
		return true
	}
	t := &p.toks[k]
	if t.s == "\x00" {
		return false
	}
	if t.sep != "" && t.sep != "'" && t.sep != "-" && t.sep != ":" && t.sep != "/" {
		return true
	}
	if t.isNum() || t.glued {
		return false
	}
	if _, ok := weekdayWords[t.s]; ok {
		return true
	}
	return freeAfter[t.s]
}
