package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is an appointment as an iCalendar (RFC 5545) invitation.
type Event struct {
	UID         string    // stable across changes of the same appointment
	Sequence    int       // incremented at each change
	Method      string    // "REQUEST" (new or changed) or "CANCEL"
	Status      string    // "CONFIRMED" or "CANCELLED"; default from Method
	Start, End  time.Time // instants; written as local times of TimeZone
	TimeZone    string    // IANA name, e.g. America/Toronto; "" writes UTC times
	Summary     string
	Location    string
	Description string
	URL         string
	Organizer   string    // an address or mailto: URI
	Attendee    string    // optional: an address or mailto: URI
	Stamp       time.Time // DTSTAMP; default now
}

// Calendar writes ev as a VCALENDAR with its METHOD, a VTIMEZONE built from
// Go's time zone data for the event's year, and one VEVENT; lines end with
// CRLF and are folded at 75 octets. A time zone that cannot be loaded gives
// UTC times (the instants stay right).
func Calendar(ev Event) []byte {
	var w icalWriter
	method := strings.ToUpper(ev.Method)
	if method == "" {
		method = "REQUEST"
	}
	status := strings.ToUpper(ev.Status)
	if status == "" {
		status = "CONFIRMED"
		if method == "CANCEL" {
			status = "CANCELLED"
		}
	}
	var loc *time.Location
	if ev.TimeZone != "" {
		if l, err := time.LoadLocation(ev.TimeZone); err == nil && l != time.UTC {
			loc = l
		}
	}
	stamp := ev.Stamp
	if stamp.IsZero() {
		stamp = time.Now()
	}

	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:-//Guichet//Guichet//FR")
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + method)
	if loc != nil {
		vtimezone(&w, loc, ev.TimeZone, ev.Start.In(loc).Year())
	}
	w.line("BEGIN:VEVENT")
	w.line("UID:" + escapeText(ev.UID))
	w.line("DTSTAMP:" + stamp.UTC().Format(utcForm))
	w.line(dateTime("DTSTART", ev.Start, loc, ev.TimeZone))
	w.line(dateTime("DTEND", ev.End, loc, ev.TimeZone))
	w.line(fmt.Sprintf("SEQUENCE:%d", ev.Sequence))
	w.line("STATUS:" + status)
	w.line("SUMMARY:" + escapeText(ev.Summary))
	if ev.Location != "" {
		w.line("LOCATION:" + escapeText(ev.Location))
	}
	if ev.Description != "" {
		w.line("DESCRIPTION:" + escapeText(ev.Description))
	}
	if ev.URL != "" {
		w.line("URL:" + stripControls(ev.URL))
	}
	if ev.Organizer != "" {
		w.line("ORGANIZER:" + mailto(ev.Organizer))
	}
	if ev.Attendee != "" {
		w.line("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:" + mailto(ev.Attendee))
	}
	w.line("TRANSP:OPAQUE")
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return []byte(w.b.String())
}

const (
	localForm = "20060102T150405"
	utcForm   = "20060102T150405Z"
)

func dateTime(name string, t time.Time, loc *time.Location, tzid string) string {
	if loc == nil {
		return name + ":" + t.UTC().Format(utcForm)
	}
	return name + ";TZID=" + tzid + ":" + t.In(loc).Format(localForm)
}

func mailto(s string) string {
	s = stripControls(s)
	if strings.HasPrefix(strings.ToLower(s), "mailto:") {
		return s
	}
	return "mailto:" + s
}

// icalWriter collects content lines, folded, with CRLF.
type icalWriter struct{ b strings.Builder }

// line writes one content line folded at 75 octets: the first piece holds
// up to 75 octets, the next ones a space and up to 74, never splitting a
// UTF-8 sequence.
func (w *icalWriter) line(s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.b.WriteString(s[:cut])
		w.b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	w.b.WriteString(s)
	w.b.WriteString("\r\n")
}

var textEscaper = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// escapeText escapes a TEXT value (RFC 5545 §3.3.11).
func escapeText(s string) string {
	return stripControls(textEscaper.Replace(strings.ToValidUTF8(s, "\uFFFD")))
}

// stripControls drops the control characters a content line cannot hold
// (newlines in TEXT are already escaped).
func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// transition is a change of UTC offset of a zone.
type transition struct {
	at       time.Time // the instant
	from, to int       // offsets in seconds east of UTC
	name     string    // abbreviation after
	dst      bool      // daylight time after
}

// transitions lists the offset changes of loc during a year.
func transitions(loc *time.Location, year int) []transition {
	var list []transition
	endOfYear := time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	t := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(endOfYear) {
			return list
		}
		_, from := end.Add(-time.Second).Zone()
		name, to := end.Zone()
		if from != to {
			list = append(list, transition{at: end, from: from, to: to, name: name, dst: end.IsDST()})
		}
		t = end
	}
}

// rule is a yearly transition on the nth weekday of a month (nth -1 for
// the last) at a wall time of the offset before.
type rule struct {
	month   time.Month
	weekday time.Weekday
	nth     int
	clock   time.Duration // since local midnight, before the change
}

func (r rule) in(year int, from int) time.Time {
	var day int
	if r.nth > 0 {
		first := time.Date(year, r.month, 1, 0, 0, 0, 0, time.UTC).Weekday()
		day = 1 + (int(r.weekday)-int(first)+7)%7 + 7*(r.nth-1)
	} else {
		last := time.Date(year, r.month+1, 0, 0, 0, 0, 0, time.UTC)
		day = last.Day() - (int(last.Weekday())-int(r.weekday)+7)%7
	}
	midnight := time.Date(year, r.month, day, 0, 0, 0, 0, time.FixedZone("", from))
	return midnight.Add(r.clock)
}

func (r rule) rrule() string {
	days := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	return fmt.Sprintf("RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(r.month), r.nth, days[r.weekday])
}

// ruleOf finds a rule giving tr in the years year-1 to year+1, if any.
func ruleOf(loc *time.Location, tr transition, year int) (rule, bool) {
	wall := tr.at.In(time.FixedZone("", tr.from))
	midnight := time.Date(wall.Year(), wall.Month(), wall.Day(), 0, 0, 0, 0, wall.Location())
	base := rule{month: wall.Month(), weekday: wall.Weekday(), clock: wall.Sub(midnight)}
	daysInMonth := time.Date(wall.Year(), wall.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	var candidates []int
	if n := (wall.Day()-1)/7 + 1; n <= 4 {
		candidates = append(candidates, n)
	}
	if wall.Day()+7 > daysInMonth {
		candidates = append(candidates, -1)
	}
	for _, n := range candidates {
		r := base
		r.nth = n
		ok := true
		for y := year - 1; y <= year+1 && ok; y++ {
			ok = hasTransition(transitions(loc, y), r.in(y, tr.from), tr)
		}
		if ok {
			return r, true
		}
	}
	return rule{}, false
}

func hasTransition(list []transition, at time.Time, like transition) bool {
	for _, t := range list {
		if t.at.Equal(at) && t.from == like.from && t.to == like.to && t.dst == like.dst {
			return true
		}
	}
	return false
}

// vtimezone writes the VTIMEZONE of loc around year: the usual pair of
// yearly STANDARD and DAYLIGHT rules when the zone follows one, a single
// STANDARD for a zone without daylight time, and otherwise the actual
// transitions from the year before to the year after.
func vtimezone(w *icalWriter, loc *time.Location, tzid string, year int) {
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + tzid)
	defer w.line("END:VTIMEZONE")
	list := transitions(loc, year)
	if len(list) == 0 {
		start := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
		name, off := start.Zone()
		observance(w, start.IsDST(), "19700101T000000", off, off, name, "")
		return
	}
	if len(list) == 2 && list[0].dst != list[1].dst && list[0].to == list[1].from && list[1].to == list[0].from {
		r0, ok0 := ruleOf(loc, list[0], year)
		r1, ok1 := ruleOf(loc, list[1], year)
		if ok0 && ok1 {
			for i, r := range []rule{r0, r1} {
				tr := list[i]
				start := r.in(year-1, tr.from).Format(localForm)
				observance(w, tr.dst, start, tr.from, tr.to, tr.name, r.rrule())
			}
			return
		}
	}
	start := time.Date(year-1, 1, 1, 0, 0, 0, 0, loc)
	name, off := start.Zone()
	observance(w, start.IsDST(), start.Format(localForm), off, off, name, "")
	for y := year - 1; y <= year+1; y++ {
		for _, tr := range transitions(loc, y) {
			wall := tr.at.In(time.FixedZone("", tr.from)).Format(localForm)
			observance(w, tr.dst, wall, tr.from, tr.to, tr.name, "")
		}
	}
}

func observance(w *icalWriter, dst bool, start string, from, to int, name, rrule string) {
	kind := "STANDARD"
	if dst {
		kind = "DAYLIGHT"
	}
	w.line("BEGIN:" + kind)
	w.line("DTSTART:" + start)
	w.line("TZOFFSETFROM:" + offset(from))
	w.line("TZOFFSETTO:" + offset(to))
	if name != "" {
		w.line("TZNAME:" + escapeText(name))
	}
	if rrule != "" {
		w.line(rrule)
	}
	w.line("END:" + kind)
}

// offset formats seconds east of UTC as ±HHMM or ±HHMMSS.
func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}
