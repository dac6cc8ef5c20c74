package i18n

import (
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// nbsp is the NO-BREAK SPACE (U+00A0) used in French forms wherever a line
// must not break.
const nbsp = "\u00a0"

var (
	frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin",
		"juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	frWeekdays = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi",
		"vendredi", "samedi"}
)

// Month returns the name of m: lower-case in French ("décembre"),
// capitalized in English ("December").
func (l Lang) Month(m time.Month) string {
	if l.norm() == FR && m >= time.January && m <= time.December {
		return frMonths[m-1]
	}
	return m.String()
}

// Weekday returns the name of d: lower-case in French ("jeudi"),
// capitalized in English ("Thursday").
func (l Lang) Weekday(d time.Weekday) string {
	if l.norm() == FR && d >= time.Sunday && d <= time.Saturday {
		return frWeekdays[d]
	}
	return d.String()
}

// Date formats the calendar date of t: "1er décembre 2026" or
// "3 décembre 2026" (joined by U+00A0) in French, "December 3, 2026" in
// English.
func (l Lang) Date(t time.Time) string {
	y, m, d := t.Date()
	if l.norm() == EN {
		return l.Month(m) + " " + strconv.Itoa(d) + ", " + strconv.Itoa(y)
	}
	day := strconv.Itoa(d)
	if d == 1 {
		day = "1er"
	}
	return day + nbsp + l.Month(m) + nbsp + strconv.Itoa(y)
}

// OnDate formats t as the complement of a sentence ("on December 3"):
// "le 3 décembre 2026" in French, "December 3, 2026" in English.
func (l Lang) OnDate(t time.Time) string {
	if l.norm() == EN {
		return l.Date(t)
	}
	return "le " + l.Date(t)
}

// WeekdayDate formats t with its weekday: "jeudi 3 décembre 2026" in
// French, "Thursday, December 3, 2026" in English.
func (l Lang) WeekdayDate(t time.Time) string {
	if l.norm() == EN {
		return l.Weekday(t.Weekday()) + ", " + l.Date(t)
	}
	return l.Weekday(t.Weekday()) + " " + l.Date(t)
}

// Time formats the clock time of t (seconds truncated): "14 h 30", "9 h",
// "0 h 05" in French (24-hour clock, U+00A0 around "h"); "2:30 p.m.",
// "9 a.m.", "12 p.m." (noon), "12 a.m." (midnight), "12:05 a.m." in
// English.
func (l Lang) Time(t time.Time) string {
	h, m := t.Hour(), t.Minute()
	if l.norm() == FR {
		s := strconv.Itoa(h) + nbsp + "h"
		if m != 0 {
			s += nbsp + twoDigits(m)
		}
		return s
	}
	suffix := " a.m."
	if h >= 12 {
		suffix = " p.m."
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	s := strconv.Itoa(h12)
	if m != 0 {
		s += ":" + twoDigits(m)
	}
	return s + suffix
}

// TimeRange formats the interval from a to b: "9 h à 12 h" in French,
// "9 a.m. to 12 p.m." in English. Each end is shown in its own location.
func (l Lang) TimeRange(a, b time.Time) string {
	if l.norm() == EN {
		return l.Time(a) + " to " + l.Time(b)
	}
	return l.Time(a) + " à " + l.Time(b)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Money formats an amount in cents of Canadian dollars: "1 234,50 $",
// "0,05 $", "-12,00 $" in French (U+00A0 groups thousands and precedes the
// sign); "$1,234.50", "-$12.00" in English.
func (l Lang) Money(cents int64) string {
	u := uint64(cents)
	if cents < 0 {
		u = -u // two's complement: exact even for math.MinInt64
	}
	sign := ""
	if cents < 0 {
		sign = "-"
	}
	whole := l.group(strconv.FormatUint(u/100, 10))
	frac := strconv.FormatUint(u%100, 10)
	if len(frac) < 2 {
		frac = "0" + frac
	}
	if l.norm() == EN {
		return sign + "$" + whole + "." + frac
	}
	return sign + whole + "," + frac + nbsp + "$"
}

// Number formats an integer with grouped thousands: "1 234 567" (U+00A0)
// in French, "1,234,567" in English.
func (l Lang) Number(n int64) string {
	u := uint64(n)
	if n < 0 {
		return "-" + l.group(strconv.FormatUint(-u, 10))
	}
	return l.group(strconv.FormatUint(u, 10))
}

// Decimal formats f with exactly digits decimals (0 when negative), a
// decimal comma in French and a point in English, thousands grouped as in
// [Lang.Number]: Decimal(3.5, 1) is "3,5" / "3.5".
//
// Rounding is that of strconv.FormatFloat: the exact binary value of f is
// rounded to nearest, ties to even. So Decimal(2.345, 1) is "2,3" and
// Decimal(2.25, 1) is "2,2" (2.25 is exact, a tie), while Decimal(2.675, 2)
// is "2,67" because 2.675 is stored as 2.67499999…. A result that rounds to
// zero carries no minus sign. NaN and infinities are written as strconv
// does ("NaN", "+Inf", "-Inf").
func (l Lang) Decimal(f float64, digits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	digits = max(digits, 0)
	s := strconv.FormatFloat(f, 'f', digits, 64)
	sign := ""
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		s = rest
		if strings.Trim(s, "0.") != "" {
			sign = "-"
		}
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	out := sign + l.group(whole)
	if hasFrac {
		if l.norm() == EN {
			out += "." + frac
		} else {
			out += "," + frac
		}
	}
	return out
}

// group inserts the thousands separator of l into a string of digits.
func (l Lang) group(digits string) string {
	sep := nbsp
	if l.norm() == EN {
		sep = ","
	}
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteString(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// FuncMap returns the template functions bound to l:
//
//	t            {{t "key" arg…}}        message (see [T])
//	date         {{date .When}}          [Lang.Date]
//	onDate       {{onDate .When}}        [Lang.OnDate]
//	weekdayDate  {{weekdayDate .When}}   [Lang.WeekdayDate]
//	time         {{time .When}}          [Lang.Time]
//	timeRange    {{timeRange .A .B}}     [Lang.TimeRange]
//	money        {{money .Cents}}        [Lang.Money] (int64)
//	number       {{number .N}}           [Lang.Number] (int64)
//	decimal      {{decimal .F 1}}        [Lang.Decimal]
//
// Results are plain strings, escaped by html/template as usual.
func FuncMap(l Lang) template.FuncMap {
	l = l.norm()
	return template.FuncMap{
		"t":           func(key string, args ...any) string { return T(l, key, args...) },
		"date":        l.Date,
		"onDate":      l.OnDate,
		"weekdayDate": l.WeekdayDate,
		"time":        l.Time,
		"timeRange":   l.TimeRange,
		"money":       l.Money,
		"number":      l.Number,
		"decimal":     l.Decimal,
	}
}
