package catalog

import (
	"strconv"
	"time"
)

// DayHours is what a point does on one civil date, in its own time zone.
type DayHours struct {
	Date      time.Time  // midnight, in the point's zone
	Intervals []Interval // empty when closed
	Closed    bool
	Holiday   bool // closed for a public holiday
	Special   bool // an exception changes the usual hours
	Reason    Text // the holiday's name or the exception's reason
}

// Status says whether a point is open at an instant and when it opens next.
type Status struct {
	Open     bool
	Until    time.Time // when open: when it closes
	NextOpen time.Time // when closed: the next opening (zero if none in 60 days)
	Today    DayHours
	Local    time.Time // the instant, in the point's zone
}

// Schedule evaluates a service point's hours in its own time zone, with its
// exceptions and its organization's holiday calendar. It is immutable.
type Schedule struct {
	point      ServicePoint
	loc        *time.Location
	rules      HolidayRules
	exceptions map[string]Exception
}

// NewSchedule builds the schedule of a point; rules are its organization's.
func NewSchedule(p ServicePoint, rules HolidayRules) Schedule {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		loc, _ = time.LoadLocation("America/Toronto")
	}
	ex := map[string]Exception{}
	for _, e := range p.Exceptions {
		ex[e.Date] = e
	}
	return Schedule{point: p, loc: loc, rules: rules, exceptions: ex}
}

// Location is the point's time zone.
func (s Schedule) Location() *time.Location { return s.loc }

// Day returns the hours of the civil date of t in the point's zone:
// a dated exception first, then a holiday, then the weekly hours.
func (s Schedule) Day(t time.Time) DayHours {
	t = t.In(s.loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.loc)
	key := day.Format(time.DateOnly)
	d := DayHours{Date: day}
	if e, ok := s.exceptions[key]; ok {
		d.Special, d.Reason = true, e.Reason
		if !e.Closed {
			d.Intervals = e.Intervals
		}
		d.Closed = len(d.Intervals) == 0
		return d
	}
	weekly := s.point.Hours[day.Weekday()]
	if s.point.Holidays != "none" && len(weekly) > 0 {
		if h, ok := QuebecHolidaysWith(s.rules, day.Year())[key]; ok {
			d.Closed, d.Holiday, d.Reason = true, true, h.Name
			return d
		}
	}
	d.Intervals = weekly
	d.Closed = len(weekly) == 0
	return d
}

// at returns the instant of "HH:MM" on a day, in the point's zone (a time
// that does not exist because of a daylight-saving jump moves forward).
func (s Schedule) at(day time.Time, hhmm string) time.Time {
	h, m := clock(hhmm)
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, s.loc)
}

// clock parses "HH:MM" (validated when data is loaded).
func clock(hhmm string) (int, int) {
	if len(hhmm) != 5 {
		return 0, 0
	}
	h, _ := strconv.Atoi(hhmm[:2])
	m, _ := strconv.Atoi(hhmm[3:])
	return h, m
}

// Status tells whether the point is open at now, until when, or when it
// next opens (looking up to 60 days ahead).
func (s Schedule) Status(now time.Time) Status {
	local := now.In(s.loc)
	st := Status{Today: s.Day(local), Local: local}
	for _, iv := range st.Today.Intervals {
		open, close := s.at(st.Today.Date, iv.Open), s.at(st.Today.Date, iv.Close)
		if !now.Before(open) && now.Before(close) {
			st.Open, st.Until = true, close
			return st
		}
	}
	for i := 0; i <= 60; i++ {
		d := s.Day(st.Today.Date.AddDate(0, 0, i))
		for _, iv := range d.Intervals {
			if open := s.at(d.Date, iv.Open); open.After(now) {
				st.NextOpen = open
				return st
			}
		}
	}
	return st
}

// Week returns seven days of hours starting with the day of from.
func (s Schedule) Week(from time.Time) []DayHours {
	first := s.Day(from).Date
	out := make([]DayHours, 7)
	for i := range out {
		out[i] = s.Day(first.AddDate(0, 0, i))
	}
	return out
}

// Closures lists the days in [from, from+days) when the point is closed or
// on special hours although it usually opens: holidays and exceptions.
func (s Schedule) Closures(from time.Time, days int) []DayHours {
	first := s.Day(from).Date
	var out []DayHours
	for i := 0; i < days; i++ {
		d := s.Day(first.AddDate(0, 0, i))
		usual := len(s.point.Hours[d.Date.Weekday()]) > 0
		if d.Holiday || (d.Special && (usual || !d.Closed)) {
			out = append(out, d)
		}
	}
	return out
}

// Span is an absolute opening interval.
type Span struct{ Start, End time.Time }

// Spans returns the opening intervals of a day as instants.
func (s Schedule) Spans(d DayHours) []Span {
	out := make([]Span, 0, len(d.Intervals))
	for _, iv := range d.Intervals {
		out = append(out, Span{s.at(d.Date, iv.Open), s.at(d.Date, iv.Close)})
	}
	return out
}

// Counters returns how many counters serve a service at the point (0 when
// the point does not offer it).
func (p ServicePoint) Counters(serviceID string) int {
	for _, o := range p.Offers {
		if o.ServiceID == serviceID {
			return o.Counters
		}
	}
	return 0
}
