package i18n

import (
	"html/template"
	"math"
	"strings"
	"testing"
	"time"
)

// The expected strings below spell U+00A0 as \u00a0 so the exact bytes are
// visible; an ordinary space in an expectation is an ordinary space.

func toronto(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDates(t *testing.T) {
	loc := toronto(t)
	dec1 := time.Date(2026, time.December, 1, 10, 0, 0, 0, loc)
	dec3 := time.Date(2026, time.December, 3, 10, 0, 0, 0, loc)
	aug1 := time.Date(2027, time.August, 1, 0, 0, 0, 0, loc)
	// 2026-12-04 02:00 UTC is still December 3 in Toronto.
	lateUTC := time.Date(2026, time.December, 4, 2, 0, 0, 0, time.UTC).In(loc)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"fr Date 1", FR.Date(dec1), "1er\u00a0décembre\u00a02026"},
		{"fr Date 3", FR.Date(dec3), "3\u00a0décembre\u00a02026"},
		{"fr Date août", FR.Date(aug1), "1er\u00a0août\u00a02027"},
		{"fr Date zone", FR.Date(lateUTC), "3\u00a0décembre\u00a02026"},
		{"en Date 1", EN.Date(dec1), "December 1, 2026"},
		{"en Date 3", EN.Date(dec3), "December 3, 2026"},
		{"fr OnDate 1", FR.OnDate(dec1), "le 1er\u00a0décembre\u00a02026"},
		{"fr OnDate 3", FR.OnDate(dec3), "le 3\u00a0décembre\u00a02026"},
		{"en OnDate", EN.OnDate(dec3), "December 3, 2026"},
		{"fr WeekdayDate", FR.WeekdayDate(dec3), "jeudi 3\u00a0décembre\u00a02026"},
		{"fr WeekdayDate 1", FR.WeekdayDate(dec1), "mardi 1er\u00a0décembre\u00a02026"},
		{"en WeekdayDate", EN.WeekdayDate(dec3), "Thursday, December 3, 2026"},
		{"fr Weekday", FR.Weekday(time.Sunday), "dimanche"},
		{"en Weekday", EN.Weekday(time.Sunday), "Sunday"},
		{"fr Month", FR.Month(time.February), "février"},
		{"en Month", EN.Month(time.February), "February"},
		{"unknown lang", Lang("").Date(dec3), "3\u00a0décembre\u00a02026"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if w := FR.Weekday(d); w == "" || w != strings.ToLower(w) {
			t.Errorf("FR.Weekday(%v) = %q", d, w)
		}
	}
	for m := time.January; m <= time.December; m++ {
		if s := FR.Month(m); s == "" || s != strings.ToLower(s) {
			t.Errorf("FR.Month(%v) = %q", m, s)
		}
	}
}

func TestTimes(t *testing.T) {
	loc := toronto(t)
	at := func(h, m int) time.Time { return time.Date(2026, time.December, 3, h, m, 59, 0, loc) }
	tests := []struct {
		h, m   int
		fr, en string
	}{
		{14, 30, "14\u00a0h\u00a030", "2:30 p.m."},
		{9, 0, "9\u00a0h", "9 a.m."},
		{0, 5, "0\u00a0h\u00a005", "12:05 a.m."},
		{0, 0, "0\u00a0h", "12 a.m."},
		{12, 0, "12\u00a0h", "12 p.m."},
		{12, 45, "12\u00a0h\u00a045", "12:45 p.m."},
		{23, 59, "23\u00a0h\u00a059", "11:59 p.m."},
		{11, 7, "11\u00a0h\u00a007", "11:07 a.m."},
	}
	for _, tt := range tests {
		if got := FR.Time(at(tt.h, tt.m)); got != tt.fr {
			t.Errorf("FR.Time(%02d:%02d) = %q, want %q", tt.h, tt.m, got, tt.fr)
		}
		if got := EN.Time(at(tt.h, tt.m)); got != tt.en {
			t.Errorf("EN.Time(%02d:%02d) = %q, want %q", tt.h, tt.m, got, tt.en)
		}
	}
	// The zone of the time.Time given is used: 19:30 UTC is 14:30 in Toronto.
	utc := time.Date(2026, time.December, 3, 19, 30, 0, 0, time.UTC)
	if got := FR.Time(utc.In(loc)); got != "14\u00a0h\u00a030" {
		t.Errorf("FR.Time(zone) = %q", got)
	}
	a, b := at(9, 0), at(12, 0)
	if got, want := FR.TimeRange(a, b), "9\u00a0h à 12\u00a0h"; got != want {
		t.Errorf("FR.TimeRange = %q, want %q", got, want)
	}
	if got, want := EN.TimeRange(a, b), "9 a.m. to 12 p.m."; got != want {
		t.Errorf("EN.TimeRange = %q, want %q", got, want)
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		cents  int64
		fr, en string
	}{
		{123450, "1\u00a0234,50\u00a0$", "$1,234.50"},
		{5, "0,05\u00a0$", "$0.05"},
		{0, "0,00\u00a0$", "$0.00"},
		{-1200, "-12,00\u00a0$", "-$12.00"},
		{-5, "-0,05\u00a0$", "-$0.05"},
		{99999, "999,99\u00a0$", "$999.99"},
		{100000, "1\u00a0000,00\u00a0$", "$1,000.00"},
		{123456789, "1\u00a0234\u00a0567,89\u00a0$", "$1,234,567.89"},
		{math.MinInt64, "-92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758,08\u00a0$", "-$92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		if got := FR.Money(tt.cents); got != tt.fr {
			t.Errorf("FR.Money(%d) = %q, want %q", tt.cents, got, tt.fr)
		}
		if got := EN.Money(tt.cents); got != tt.en {
			t.Errorf("EN.Money(%d) = %q, want %q", tt.cents, got, tt.en)
		}
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		n      int64
		fr, en string
	}{
		{1234567, "1\u00a0234\u00a0567", "1,234,567"},
		{0, "0", "0"},
		{999, "999", "999"},
		{1000, "1\u00a0000", "1,000"},
		{-1234, "-1\u00a0234", "-1,234"},
		{123456, "123\u00a0456", "123,456"},
		{math.MinInt64, "-9\u00a0223\u00a0372\u00a0036\u00a0854\u00a0775\u00a0808", "-9,223,372,036,854,775,808"},
	}
	for _, tt := range tests {
		if got := FR.Number(tt.n); got != tt.fr {
			t.Errorf("FR.Number(%d) = %q, want %q", tt.n, got, tt.fr)
		}
		if got := EN.Number(tt.n); got != tt.en {
			t.Errorf("EN.Number(%d) = %q, want %q", tt.n, got, tt.en)
		}
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		f      float64
		digits int
		fr, en string
	}{
		{3.5, 1, "3,5", "3.5"},
		{2.345, 1, "2,3", "2.3"},
		{2.25, 1, "2,2", "2.2"},    // exact tie: to even
		{2.35, 1, "2,4", "2.4"},    // 2.35 is stored slightly above
		{2.675, 2, "2,67", "2.67"}, // stored as 2.67499…
		{3, 2, "3,00", "3.00"},
		{3.7, 0, "4", "4"},
		{3.7, -1, "4", "4"},
		{1234.5, 1, "1\u00a0234,5", "1,234.5"},
		{-1234.5, 1, "-1\u00a0234,5", "-1,234.5"},
		{-0.01, 1, "0,0", "0.0"}, // no "-0,0"
		{math.Copysign(0, -1), 0, "0", "0"},
		{math.NaN(), 1, "NaN", "NaN"},
		{math.Inf(-1), 1, "-Inf", "-Inf"},
	}
	for _, tt := range tests {
		if got := FR.Decimal(tt.f, tt.digits); got != tt.fr {
			t.Errorf("FR.Decimal(%v, %d) = %q, want %q", tt.f, tt.digits, got, tt.fr)
		}
		if got := EN.Decimal(tt.f, tt.digits); got != tt.en {
			t.Errorf("EN.Decimal(%v, %d) = %q, want %q", tt.f, tt.digits, got, tt.en)
		}
	}
}

func TestFuncMap(t *testing.T) {
	loc := toronto(t)
	const src = `{{t "no.such.key"}}|{{date .When}}|{{onDate .When}}|{{weekdayDate .When}}|` +
		`{{time .When}}|{{timeRange .When .End}}|{{money .Cents}}|{{number .N}}|{{decimal .F 1}}`
	data := struct {
		When, End time.Time
		Cents, N  int64
		F         float64
	}{
		When:  time.Date(2026, time.December, 3, 9, 0, 0, 0, loc),
		End:   time.Date(2026, time.December, 3, 12, 0, 0, 0, loc),
		Cents: 123450, N: 1234567, F: 3.5,
	}
	tests := []struct {
		l    Lang
		want string
	}{
		{FR, "no.such.key|3\u00a0décembre\u00a02026|le 3\u00a0décembre\u00a02026|jeudi 3\u00a0décembre\u00a02026|" +
			"9\u00a0h|9\u00a0h à 12\u00a0h|1\u00a0234,50\u00a0$|1\u00a0234\u00a0567|3,5"},
		{EN, "no.such.key|December 3, 2026|December 3, 2026|Thursday, December 3, 2026|" +
			"9 a.m.|9 a.m. to 12 p.m.|$1,234.50|1,234,567|3.5"},
	}
	for _, tt := range tests {
		tmpl := template.Must(template.New("").Funcs(FuncMap(tt.l)).Parse(src))
		var b strings.Builder
		if err := tmpl.Execute(&b, data); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s template = %q\nwant %q", tt.l, b.String(), tt.want)
		}
	}
}
