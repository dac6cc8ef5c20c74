package entities

// Parts of the day read as a time when no exact time is given.
type part int

const (
	partNone part = iota
	partMorning
	partNoon
	partAfternoon
	partEvening
)

// partOfDayAt reads a part of the day at token i and returns it with the
// number of tokens read: matin, matinée, avant-midi, après-midi, aprèm,
// soir, soirée, morning, afternoon, evening.
func (p *dtParser) partOfDayAt(i int) part {
	pt, _ := p.partOfDay(i)
	return pt
}

func (p *dtParser) partOfDay(i int) (part, int) {
	return p.partOfDayIn(i, p.word)
}

// partOfDayRaw reads a part of the day even in tokens already taken (to
// hint at a time nearby: « ce soir à 7 h »).
func (p *dtParser) partOfDayRaw(i int) (part, int) {
	return p.partOfDayIn(i, func(k int) string {
		if k < 0 || k >= len(p.toks) {
			return ""
		}
		return p.toks[k].s
	})
}

func (p *dtParser) partOfDayIn(i int, word func(int) string) (part, int) {
	switch w := word(i); w {
	case "matin", "matinee", "morning", "am", "avantmidi":
		return partMorning, 1
	case "soir", "soiree", "evening", "soirs":
		return partEvening, 1
	case "afternoon", "aprem", "apresmidi", "pm", "apm", "pm's":
		return partAfternoon, 1
	case "apres", "avant":
		nx := word(i + 1)
		if nx == "midi" || nx == "midis" || nx == "mid" {
			if w == "apres" {
				return partAfternoon, 2
			}
			return partMorning, 2
		}
	case "a":
		// "a.m.", "p.m." handled with the hour; « en a.m. » alone
		if word(i+1) == "m" && p.toks[i+1].sep == "." {
			return partMorning, 2
		}
	case "p":
		if word(i+1) == "m" && p.toks[i+1].sep == "." {
			return partAfternoon, 2
		}
	}
	return partNone, 0
}

// parseTime tries every time form at token i and returns how many tokens
// it read (0: none).
func (p *dtParser) parseTime(i int) int {
	for _, f := range []func(int) int{p.clockTime, p.wordHour, p.noon, p.partTime} {
		if n := f(i); n > 0 {
			return n
		}
	}
	return 0
}

// meridiem reads what may follow an hour: "am", "pm", "a.m.", "p.m.", « du
// matin », « du soir », « de l'après-midi », "in the afternoon". It returns
// the part (partNone if none) and the tokens read.
func (p *dtParser) meridiem(k int) (part, int) {
	switch w := p.word(k); w {
	case "am", "pm":
		if w == "am" {
			return partMorning, 1
		}
		return partAfternoon, 1
	case "a", "p":
		if p.word(k+1) == "m" && (p.toks[k+1].sep == "." || p.toks[k+1].glued) {
			if w == "a" {
				return partMorning, 2
			}
			return partAfternoon, 2
		}
	case "du", "de", "le", "en":
		j := k + 1
		if p.word(j) == "l" {
			j++
		}
		if pt, n := p.partOfDay(j); pt != partNone && p.word(j) != "pm" && p.word(j) != "am" {
			return pt, j + n - k
		}
	case "in", "at":
		j := k + 1
		if p.word(j) == "the" {
			j++
		}
		if pt, n := p.partOfDay(j); pt != partNone {
			return pt, j + n - k
		}
		if p.word(j) == "night" {
			return partEvening, j + 1 - k
		}
	}
	return partNone, 0
}

// hint looks around a time for a part of the day said elsewhere: « jeudi
// après-midi à 2 h », « ce soir à 7 h », "3 tomorrow afternoon".
func (p *dtParser) hint(start, end int) part {
	for k := end; k < len(p.toks) && k < end+4; k++ {
		if p.toks[k].isNum() {
			break
		}
		if pt, _ := p.partOfDayRaw(k); pt != partNone {
			return pt
		}
		if p.toks[k].s == "tonight" || p.toks[k].s == "tonite" {
			return partEvening
		}
	}
	for k := start - 1; k >= 0 && k >= start-4; k-- {
		if p.toks[k].isNum() {
			break
		}
		if pt, _ := p.partOfDayRaw(k); pt != partNone && p.toks[k].s != "am" && p.toks[k].s != "pm" {
			return pt
		}
		if p.toks[k].s == "midi" && k > 0 && p.toks[k-1].s == "apres" {
			return partAfternoon
		}
		if p.toks[k].s == "tonight" || p.toks[k].s == "tonite" {
			return partEvening
		}
	}
	return partNone
}

// applyPart turns a 12-hour reading into 24 hours.
func applyPart(h int, pt part) int {
	switch pt {
	case partAfternoon, partEvening:
		if h < 12 {
			return h + 12
		}
	case partMorning:
		if h == 12 {
			return 0
		}
	}
	return h
}

// isDuration tells whether the number at i is a duration: « dans 2 h »,
// "for 2 hours", « pendant 3 heures ».
func (p *dtParser) isDuration(i int) bool {
	if i == 0 {
		return false
	}
	w := p.toks[i-1].s
	if durationWords[w] {
		return true
	}
	return w == "ici" && i >= 2 && p.toks[i-2].s == "d"
}

// clockTime: « 13 h », « 13h30 », « 13 h 30 », « 9 heures et demie »,
// « 9 h et quart », « 10 h moins quart », "15:00", "3:30 p.m.", "3pm",
// « 3 h pm », « 2 h de l'après-midi », "3 o'clock", "at 9", « à 9 ».
func (p *dtParser) clockTime(i int) int {
	h := p.num(i)
	if h < 0 || h > 24 || p.toks[i].width > 2 || (p.toks[i].glued && i > 0) {
		return 0
	}
	return p.clockFrom(i, h, i+1)
}

// wordHour: « dix heures », « deux heures de l'après-midi », "three pm",
// "ten o'clock", "ten thirty am".
func (p *dtParser) wordHour(i int) int {
	h, ok := hourWords[p.word(i)]
	if !ok {
		return 0
	}
	k := i + 1
	w := p.word(k)
	if hourUnits[w] || w == "pm" || w == "am" || (w == "o" && p.word(k+1) == "clock") || (w == "a" || w == "p") && p.word(k+1) == "m" {
		return p.clockFrom(i, h, k)
	}
	if m, ok := minuteWords[w]; ok && !hourUnits[p.word(i)] {
		// "ten thirty am": only with a meridiem, or after "at"
		if pt, n := p.meridiem(k + 1); pt != partNone {
			p.addTime(i, k+1+n, prioExplicit, applyPart(h, pt), m)
			return p.use(i, k+1+n-i)
		}
	}
	return 0
}

// clockFrom reads what follows an hour h at token i, from token k.
func (p *dtParser) clockFrom(i, h, k int) int {
	min, explicit, twelve := 0, false, false
	w := p.word(k)
	switch {
	case hourUnits[w] && !p.punctBefore(k):
		explicit = true
		k++
		if m := p.num(k); m >= 0 && m < 60 && p.toks[k].width == 2 && p.toks[k].sep == "" {
			min = m
			k++
			if w := p.word(k); w == "min" || w == "mins" || w == "minutes" {
				k++
			}
		} else if m, n := p.minuteWords(k); n > 0 {
			min = m
			k += n
		}
	case p.num(k) >= 0 && p.toks[k].sep == ":" && !p.toks[k].space && p.toks[k].width == 2 && p.toks[k].num < 60:
		explicit, twelve = true, true
		min = p.toks[k].num
		k++
	case w == "o" && p.word(k+1) == "clock":
		explicit, twelve = true, true
		k += 2
	default:
		if pt, _ := p.meridiem(k); pt != partNone {
			explicit, twelve = true, true
		}
	}
	pt, n := p.meridiem(k)
	if pt != partNone {
		twelve = true
	}
	k += n
	if !explicit {
		// A bare number is an hour only after « à », "at", « vers »: "at 9",
		// « à 9 », not « 2 personnes ».
		if i == 0 || !timeTriggers[p.toks[i-1].s] || p.toks[i-1].used || p.toks[i].glued || !p.freeAfter(k) || h == 0 || h > 23 {
			return 0
		}
		twelve = true
	}
	if p.isDuration(i) {
		return p.use(i, k-i) // « dans 2 h »: not a time of day
	}
	if min < 0 {
		// « 10 h moins quart »
		h--
		min += 60
	}
	if h == 24 {
		h = 0
	}
	if h > 23 || (twelve && pt != partNone && h > 12) {
		return 0
	}
	switch {
	case pt != partNone:
		h = applyPart(h, pt)
	default:
		if hp := p.hint(i, k); hp != partNone && hp != partMorning {
			h = applyPart(h, hp)
		} else if hp == partNone && twelve && h >= 1 && h <= 7 {
			// "at 3", "3:30": offices are closed at 3 in the morning
			h += 12
		}
	}
	start := i
	if i > 0 && timeTriggers[p.toks[i-1].s] && !p.toks[i-1].used {
		start = i - 1
	}
	p.addTime(start, k, prioExplicit, h, min)
	return p.use(i, k-i)
}

// minuteWords reads minutes said in words after « h » or « heures »:
// « et demie », « et quart », « moins quart », « moins le quart », « moins
// dix », « trente », « quarante-cinq ».
func (p *dtParser) minuteWords(k int) (int, int) {
	switch w := p.word(k); w {
	case "et", "and":
		switch p.word(k + 1) {
		case "demie", "demi", "half":
			return 30, 2
		case "quart", "quarter":
			return 15, 2
		}
	case "demie", "demi":
		return 30, 1
	case "moins":
		j := k + 1
		if p.word(j) == "le" {
			j++
		}
		if p.word(j) == "quart" {
			return -15, j + 1 - k
		}
		if m, ok := minuteWords[p.word(j)]; ok {
			return -m, j + 1 - k
		}
		if m := p.num(j); m > 0 && m < 30 {
			return -m, j + 1 - k
		}
	default:
		if m, ok := minuteWords[w]; ok {
			if m == 40 || m == 50 || m == 20 {
				if v, ok := map[string]int{"cinq": 5, "five": 5}[p.word(k+1)]; ok {
					return m + v, 2
				}
			}
			return m, 1
		}
	}
	return 0, 0
}

// noon: « midi », « minuit », "noon", "midnight", « midi et demi », « midi
// trente », « midi 30 », "12 noon".
func (p *dtParser) noon(i int) int {
	h := -1
	switch p.word(i) {
	case "midi", "noon", "mid":
		if p.word(i) == "mid" && p.word(i+1) != "day" {
			return 0
		}
		h = 12
	case "minuit", "midnight":
		h = 0
	default:
		return 0
	}
	if i > 0 && (p.toks[i-1].s == "apres" || p.toks[i-1].s == "avant") {
		return 0 // part of « après-midi »
	}
	k := i + 1
	if p.word(i) == "mid" {
		k++
	}
	min := 0
	if m := p.num(k); m >= 0 && m < 60 && p.toks[k].width == 2 && !p.punctBefore(k) {
		min = m
		k++
	} else if m, n := p.minuteWords(k); n > 0 {
		min = m
		k += n
	}
	if min < 0 {
		h = (h + 23) % 24
		min += 60
	}
	p.addTime(i, k, prioExplicit, h, min)
	return p.use(i, k-i)
}

// partTime: a part of the day alone, read as its conventional time:
// morning 09:00, afternoon 14:00, evening 18:00; « fin d'après-midi » /
// "late afternoon" 16:00, « début d'après-midi » / "early afternoon" 13:00,
// « fin de matinée » / "late morning" 11:00, "early morning" 08:00.
func (p *dtParser) partTime(i int) int {
	k := i
	adj := ""
	switch w := p.word(i); w {
	case "fin", "debut", "late", "early":
		j := i + 1
		if w == "fin" || w == "debut" {
			if p.word(j) != "de" && p.word(j) != "d" {
				return 0
			}
			j++
		}
		if p.partOfDayAt(j) == partNone {
			return 0
		}
		adj, k = w, j
	}
	pt, n := p.partOfDay(k)
	if pt == partNone {
		return 0
	}
	if w := p.word(k); w == "am" || w == "pm" {
		// standalone « en PM », "Thursday pm": only after a space, not glued
		if p.toks[k].glued {
			return 0
		}
	}
	if k > 0 && greetingWords[p.toks[k-1].s] {
		return p.use(k, n) // « bon matin », "good morning", « bonne soirée »
	}
	hm := 0
	switch pt {
	case partMorning:
		hm = morningHM
		if adj == "fin" || adj == "late" {
			hm = 11 * 60
		} else if adj == "early" || adj == "debut" {
			hm = 8 * 60
		}
	case partAfternoon:
		hm = afternoonHM
		if adj == "fin" || adj == "late" {
			hm = 16 * 60
		} else if adj == "early" || adj == "debut" {
			hm = 13 * 60
		}
	case partEvening:
		hm = eveningHM
	}
	end := k + n
	p.addTime(i, end, prioPart, hm/60, hm%60)
	return p.use(i, end-i)
}
