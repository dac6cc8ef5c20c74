package catalog

import (
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25", 2000: "2000-04-23"} {
		if got := Easter(year).Format(time.DateOnly); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestQuebecHolidays(t *testing.T) {
	dates := func(y int) map[string]string {
		m := map[string]string{}
		for _, h := range QuebecHolidays(y) {
			m[h.Date] = h.Name.FR
		}
		return m
	}
	h26 := dates(2026)
	for date, name := range map[string]string{
		"2026-01-01": "Jour de l’An", "2026-01-02": "Lendemain du jour de l’An",
		"2026-04-03": "Vendredi saint", "2026-04-06": "Lundi de Pâques",
		"2026-05-18": "Journée nationale des patriotes", "2026-06-24": "Fête nationale du Québec",
		"2026-07-01": "Fête du Canada", "2026-09-07": "Fête du Travail", "2026-10-12": "Action de grâce",
		"2026-12-24": "Veille de Noël", "2026-12-25": "Noël", "2026-12-26": "Lendemain de Noël", "2026-12-31": "Veille du jour de l’An",
	} {
		if h26[date] != name {
			t.Errorf("2026: %s = %q, want %q", date, h26[date], name)
		}
	}
	if len(h26) != 13 {
		t.Errorf("2026 has %d holidays, want 13", len(h26))
	}
	// 2029: 24 June and 1 July fall on a Sunday, so the Mondays are off;
	// 25 May 2029 is a Friday, so Patriots' Day is 21 May.
	h29 := dates(2029)
	for _, d := range []string{"2029-06-25", "2029-07-02", "2029-05-21"} {
		if _, ok := h29[d]; !ok {
			t.Errorf("2029 lacks %s", d)
		}
	}
	// 25 May 2026 is a Monday: Patriots' Day is the Monday before, 18 May.
	if _, ok := h26["2026-05-25"]; ok {
		t.Error("2026-05-25 should not be Patriots' Day")
	}
}

func TestHolidayRulesOverride(t *testing.T) {
	r := HolidayRules{Extra: []Holiday{{Date: "2026-08-03", Name: Text{FR: "Fermeture estivale", EN: "Summer closure"}}}, OpenOn: []string{"2026-12-24"}}
	m := QuebecHolidaysWith(r, 2026)
	if _, ok := m["2026-08-03"]; !ok {
		t.Error("extra closing day missing")
	}
	if _, ok := m["2026-12-24"]; ok {
		t.Error("open-on day still a holiday")
	}
	if _, ok := m["2026-12-25"]; !ok {
		t.Error("standard holiday lost")
	}
}
