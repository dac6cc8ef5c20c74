package catalog

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// QuebecHolidays returns the days Québec public bodies close in a year,
// besides weekends: 1 and 2 January, Good Friday, Easter Monday, National
// Patriots' Day (the Monday before 25 May), 24 June, 1 July, Labour Day,
// Thanksgiving, and 24, 25, 26 and 31 December. When 24 June or 1 July falls
// on a Sunday, the holiday is the Monday after.
func QuebecHolidays(year int) []Holiday {
	easter := Easter(year)
	d := func(m time.Month, day int) time.Time { return time.Date(year, m, day, 0, 0, 0, 0, time.UTC) }
	sundayToMonday := func(t time.Time) time.Time {
		if t.Weekday() == time.Sunday {
			return t.AddDate(0, 0, 1)
		}
		return t
	}
	patriots := d(time.May, 24)
	for patriots.Weekday() != time.Monday {
		patriots = patriots.AddDate(0, 0, -1)
	}
	list := []struct {
		t      time.Time
		fr, en string
	}{
		{d(time.January, 1), "Jour de l’An", "New Year’s Day"},
		{d(time.January, 2), "Lendemain du jour de l’An", "Day after New Year’s Day"},
		{easter.AddDate(0, 0, -2), "Vendredi saint", "Good Friday"},
		{easter.AddDate(0, 0, 1), "Lundi de Pâques", "Easter Monday"},
		{patriots, "Journée nationale des patriotes", "National Patriots’ Day"},
		{sundayToMonday(d(time.June, 24)), "Fête nationale du Québec", "Québec’s National Holiday"},
		{sundayToMonday(d(time.July, 1)), "Fête du Canada", "Canada Day"},
		{nthWeekday(year, time.September, time.Monday, 1), "Fête du Travail", "Labour Day"},
		{nthWeekday(year, time.October, time.Monday, 2), "Action de grâce", "Thanksgiving"},
		{d(time.December, 24), "Veille de Noël", "Christmas Eve"},
		{d(time.December, 25), "Noël", "Christmas Day"},
		{d(time.December, 26), "Lendemain de Noël", "Boxing Day"},
		{d(time.December, 31), "Veille du jour de l’An", "New Year’s Eve"},
	}
	out := make([]Holiday, 0, len(list))
	for _, h := range list {
		out = append(out, Holiday{Date: h.t.Format(time.DateOnly), Name: Text{FR: h.fr, EN: h.en}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// Easter returns Easter Sunday of a Gregorian year (the anonymous
// Gregorian algorithm, Meeus/Jones/Butcher).
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

func nthWeekday(year int, m time.Month, wd time.Weekday, n int) time.Time {
	t := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
	for t.Weekday() != wd {
		t = t.AddDate(0, 0, 1)
	}
	return t.AddDate(0, 0, 7*(n-1))
}

// QuebecHolidaysWith returns a year's holidays with an organization's rules
// applied, by date.
func QuebecHolidaysWith(r HolidayRules, year int) map[string]Holiday {
	m := map[string]Holiday{}
	for _, h := range QuebecHolidays(year) {
		m[h.Date] = h
	}
	prefix := fmt.Sprintf("%04d-", year)
	for _, h := range r.Extra {
		if strings.HasPrefix(h.Date, prefix) {
			m[h.Date] = h
		}
	}
	for _, d := range r.OpenOn {
		delete(m, d)
	}
	return m
}
