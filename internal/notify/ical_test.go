package notify

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests do not depend on the host's zone files
)

func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func TestCalendarGolden(t *testing.T) {
	loc := mustLoad(t, "America/Toronto")
	got := string(Calendar(Event{
		UID:         "RV-7KQ2ZP@guichet.example",
		Sequence:    2,
		Method:      "REQUEST",
		Start:       time.Date(2026, 3, 8, 10, 0, 0, 0, loc),
		End:         time.Date(2026, 3, 8, 10, 30, 0, 0, loc),
		TimeZone:    "America/Toronto",
		Summary:     "Rendez-vous : renouvellement du permis; pièce d'identité requise",
		Location:    "Comptoir de Gatineau, 170 rue Hôtel-de-Ville, Gatineau (Québec)",
		Description: "Apportez votre carte.\nNuméro : RV-7KQ2ZP\\fin",
		URL:         "https://guichet.example/rendez-vous/RV-7KQ2ZP?a=1,2",
		Organizer:   "ne-pas-repondre@guichet.example",
		Stamp:       time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}))
	want := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"PRODID:-//Guichet//Guichet//FR",
		"VERSION:2.0",
		"CALSCALE:GREGORIAN",
		"METHOD:REQUEST",
		"BEGIN:VTIMEZONE",
		"TZID:America/Toronto",
		"BEGIN:DAYLIGHT",
		"DTSTART:20250309T020000",
		"TZOFFSETFROM:-0500",
		"TZOFFSETTO:-0400",
		"TZNAME:EDT",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
		"END:DAYLIGHT",
		"BEGIN:STANDARD",
		"DTSTART:20251102T020000",
		"TZOFFSETFROM:-0400",
		"TZOFFSETTO:-0500",
		"TZNAME:EST",
		"RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
		"END:STANDARD",
		"END:VTIMEZONE",
		"BEGIN:VEVENT",
		"UID:RV-7KQ2ZP@guichet.example",
		"DTSTAMP:20260301T120000Z",
		"DTSTART;TZID=America/Toronto:20260308T100000",
		"DTEND;TZID=America/Toronto:20260308T103000",
		"SEQUENCE:2",
		"STATUS:CONFIRMED",
		"SUMMARY:Rendez-vous : renouvellement du permis\\; pièce d'identité requise", // 75 octets
		"LOCATION:Comptoir de Gatineau\\, 170 rue Hôtel-de-Ville\\, Gatineau (Québec",
		" )",
		"DESCRIPTION:Apportez votre carte.\\nNuméro : RV-7KQ2ZP\\\\fin",
		"URL:https://guichet.example/rendez-vous/RV-7KQ2ZP?a=1,2",
		"ORGANIZER:mailto:ne-pas-repondre@guichet.example",
		"TRANSP:OPAQUE",
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	}, "\r\n")
	if got != want {
		t.Fatalf("Calendar:\n%s\nwant:\n%s", got, want)
	}
}

func TestCalendarCancelAndNoDST(t *testing.T) {
	loc := mustLoad(t, "America/Regina")
	got := string(Calendar(Event{
		UID: "x", Sequence: 3, Method: "CANCEL", TimeZone: "America/Regina",
		Start: time.Date(2026, 7, 1, 9, 0, 0, 0, loc), End: time.Date(2026, 7, 1, 9, 15, 0, 0, loc),
		Stamp: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
	}))
	tz := "BEGIN:VTIMEZONE\r\nTZID:America/Regina\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:-0600\r\nTZOFFSETTO:-0600\r\nTZNAME:CST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	for _, want := range []string{"METHOD:CANCEL\r\n", tz, "STATUS:CANCELLED\r\n", "SEQUENCE:3\r\n", "DTSTART;TZID=America/Regina:20260701T090000\r\n"} {
		if !strings.Contains(got, want) {
			t.Fatalf("calendar lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "DAYLIGHT") {
		t.Fatalf("DAYLIGHT in a zone without daylight time:\n%s", got)
	}
}

// TestCalendarParses checks every calendar against an independent reading:
// folding, balanced components, and the local start and end times resolved
// through the VTIMEZONE back to the event's instants, including events that
// span a change of daylight time.
func TestCalendarParses(t *testing.T) {
	long := strings.Repeat("Évaluation très détaillée — ", 12)
	tests := []struct {
		zone       string
		start, end [5]int // year, month, day, hour, minute (local)
	}{
		{"America/Toronto", [5]int{2026, 3, 8, 10, 0}, [5]int{2026, 3, 8, 11, 0}},   // spring forward Sunday
		{"America/Toronto", [5]int{2026, 3, 7, 23, 0}, [5]int{2026, 3, 8, 4, 0}},    // across the jump
		{"America/Toronto", [5]int{2026, 10, 31, 23, 0}, [5]int{2026, 11, 1, 4, 0}}, // across the fall back
		{"America/Toronto", [5]int{2026, 11, 1, 10, 0}, [5]int{2026, 11, 1, 10, 30}},
		{"America/Toronto", [5]int{2026, 1, 15, 9, 0}, [5]int{2026, 1, 15, 9, 30}}, // before the year's first change
		{"America/Toronto", [5]int{2026, 12, 31, 23, 0}, [5]int{2027, 1, 1, 1, 0}}, // into the next year
		{"America/Toronto", [5]int{2007, 3, 10, 23, 0}, [5]int{2007, 3, 11, 4, 0}}, // rules changed in 2007: explicit transitions
		{"America/Toronto", [5]int{2006, 4, 2, 10, 0}, [5]int{2006, 10, 29, 10, 0}},
		{"America/Halifax", [5]int{2026, 3, 8, 10, 0}, [5]int{2026, 3, 8, 11, 0}},
		{"America/Halifax", [5]int{2026, 11, 1, 3, 0}, [5]int{2026, 11, 1, 4, 0}},
		{"America/Regina", [5]int{2026, 3, 8, 10, 0}, [5]int{2026, 3, 8, 11, 0}},
		{"Europe/Paris", [5]int{2026, 3, 29, 10, 0}, [5]int{2026, 3, 29, 11, 0}},
		{"America/St_Johns", [5]int{2026, 11, 1, 10, 0}, [5]int{2026, 11, 1, 11, 0}},
		{"Australia/Lord_Howe", [5]int{2026, 4, 5, 10, 0}, [5]int{2026, 4, 5, 11, 0}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d-%02d-%02d", tt.zone, tt.start[0], tt.start[1], tt.start[2]), func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			at := func(v [5]int) time.Time { return time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], 0, 0, loc) }
			ev := Event{UID: "u", Method: "REQUEST", TimeZone: tt.zone, Start: at(tt.start), End: at(tt.end),
				Summary: long, Description: long, Stamp: time.Unix(0, 0)}
			props := parseICS(t, Calendar(ev))
			for _, p := range []struct {
				name string
				want time.Time
			}{{"DTSTART", ev.Start}, {"DTEND", ev.End}} {
				v := props.event[p.name]
				if v.params != "TZID="+tt.zone {
					t.Fatalf("%s params %q", p.name, v.params)
				}
				if want := p.want.In(loc).Format(localForm); v.value != want {
					t.Fatalf("%s = %s; want %s", p.name, v.value, want)
				}
				if got := props.zone.resolve(t, v.value); !got.Equal(p.want) {
					t.Fatalf("%s %s resolves to %v; want %v", p.name, v.value, got.UTC(), p.want.UTC())
				}
			}
			if props.event["SUMMARY"].value != escapeText(long) {
				t.Fatalf("SUMMARY did not survive folding: %q", props.event["SUMMARY"].value)
			}
		})
	}
}

type icsProp struct{ params, value string }

type icsFile struct {
	event map[string]icsProp
	zone  icsZone
}

// parseICS reads a calendar as a client would, failing on malformed output.
func parseICS(t *testing.T, b []byte) icsFile {
	t.Helper()
	s := string(b)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatal("calendar does not end with CRLF")
	}
	physical := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	for _, l := range physical {
		if len(l) > 75 {
			t.Fatalf("line of %d octets: %q", len(l), l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("bare CR or LF in %q", l)
		}
		if !utf8Valid(l) {
			t.Fatalf("line splits a UTF-8 sequence: %q", l)
		}
	}
	var lines []string
	for _, l := range physical {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	f := icsFile{event: map[string]icsProp{}}
	var stack []string
	var obs *icsObservance
	for _, l := range lines {
		nameParams, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("no colon in %q", l)
		}
		name, params, _ := strings.Cut(nameParams, ";")
		switch name {
		case "BEGIN":
			stack = append(stack, value)
			if value == "STANDARD" || value == "DAYLIGHT" {
				obs = &icsObservance{}
			}
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				t.Fatalf("END:%s does not close %v", value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "STANDARD" || value == "DAYLIGHT" {
				f.zone.obs = append(f.zone.obs, *obs)
			}
			continue
		}
		if len(stack) == 0 {
			t.Fatalf("%q outside VCALENDAR", l)
		}
		switch stack[len(stack)-1] {
		case "VEVENT":
			f.event[name] = icsProp{params, value}
		case "STANDARD", "DAYLIGHT":
			switch name {
			case "DTSTART":
				obs.start = value
			case "TZOFFSETFROM":
				obs.from = parseOffset(t, value)
			case "TZOFFSETTO":
				obs.to = parseOffset(t, value)
			case "RRULE":
				obs.rrule = value
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed %v", stack)
	}
	return f
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

func parseOffset(t *testing.T, s string) int {
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	sec := 0
	if len(s) == 7 {
		sec, _ = strconv.Atoi(s[5:7])
	}
	return sign * (h*3600 + m*60 + sec)
}

type icsObservance struct {
	start    string
	from, to int
	rrule    string
}

type icsZone struct{ obs []icsObservance }

type onset struct {
	at time.Time
	to int
}

// onsets lists the instants each observance begins, up to 2030.
func (z icsZone) onsets(t *testing.T) []onset {
	var list []onset
	for _, o := range z.obs {
		first, err := time.ParseInLocation(localForm, o.start, time.FixedZone("", o.from))
		if err != nil {
			t.Fatalf("observance DTSTART %q: %v", o.start, err)
		}
		list = append(list, onset{first, o.to})
		if o.rrule == "" {
			continue
		}
		var month, nth int
		var day string
		for _, part := range strings.Split(o.rrule, ";") {
			k, v, _ := strings.Cut(part, "=")
			switch k {
			case "FREQ":
				if v != "YEARLY" {
					t.Fatalf("RRULE %q", o.rrule)
				}
			case "BYMONTH":
				month, _ = strconv.Atoi(v)
			case "BYDAY":
				nth, _ = strconv.Atoi(v[:len(v)-2])
				day = v[len(v)-2:]
			}
		}
		wd := map[string]time.Weekday{"SU": 0, "MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6}[day]
		for y := first.Year() + 1; y <= 2030; y++ {
			var dates []int
			for d := 1; d <= 31; d++ {
				tm := time.Date(y, time.Month(month), d, 0, 0, 0, 0, time.UTC)
				if tm.Month() == time.Month(month) && tm.Weekday() == wd {
					dates = append(dates, d)
				}
			}
			d := dates[len(dates)-1]
			if nth > 0 {
				d = dates[nth-1]
			}
			at := time.Date(y, time.Month(month), d, first.Hour(), first.Minute(), first.Second(), 0, first.Location())
			list = append(list, onset{at, o.to})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].at.Before(list[j].at) })
	return list
}

// resolve turns a local time of the zone into an instant.
func (z icsZone) resolve(t *testing.T, local string) time.Time {
	t.Helper()
	list := z.onsets(t)
	offsetAt := func(u time.Time) (int, bool) {
		off, ok := 0, false
		for _, o := range list {
			if o.at.After(u) {
				break
			}
			off, ok = o.to, true
		}
		return off, ok
	}
	for _, o := range list {
		u, err := time.ParseInLocation(localForm, local, time.FixedZone("", o.to))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := offsetAt(u); ok && got == o.to {
			return u
		}
	}
	t.Fatalf("local time %s is not covered by the VTIMEZONE", local)
	return time.Time{}
}

func TestFoldNeverSplitsUTF8(t *testing.T) {
	for n := range 80 {
		var w icalWriter
		w.line("SUMMARY:" + strings.Repeat("a", n) + strings.Repeat("é€😀", 30))
		for _, l := range strings.Split(strings.TrimSuffix(w.b.String(), "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8Valid(l) {
				t.Fatalf("n=%d: bad physical line %q (%d octets)", n, l, len(l))
			}
		}
	}
}
