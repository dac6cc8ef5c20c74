package catalog

import (
	"testing"
	"time"
)

func weekdays(iv ...Interval) [7][]Interval {
	var h [7][]Interval
	for d := time.Monday; d <= time.Friday; d++ {
		h[d] = iv
	}
	return h
}

func TestScheduleStatus(t *testing.T) {
	toronto, _ := time.LoadLocation("America/Toronto")
	p := ServicePoint{ID: "p", TimeZone: "America/Toronto",
		Hours: weekdays(Interval{"08:30", "12:00"}, Interval{"13:00", "16:30"}),
		Exceptions: []Exception{
			{Date: "2026-12-29", Closed: true, Reason: Text{FR: "Inventaire", EN: "Inventory"}},
			{Date: "2026-12-30", Intervals: []Interval{{"10:00", "12:00"}}},
		},
	}
	s := NewSchedule(p, HolidayRules{})
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, toronto) }
	tests := []struct {
		name     string
		now      time.Time
		open     bool
		until    time.Time
		nextOpen time.Time
	}{
		{"morning", at(2026, 12, 3, 9, 0), true, at(2026, 12, 3, 12, 0), time.Time{}},
		{"lunch break", at(2026, 12, 3, 12, 15), false, time.Time{}, at(2026, 12, 3, 13, 0)},
		{"closing time is closed", at(2026, 12, 3, 16, 30), false, time.Time{}, at(2026, 12, 4, 8, 30)},
		{"friday evening to monday", at(2026, 12, 4, 18, 0), false, time.Time{}, at(2026, 12, 7, 8, 30)},
		{"christmas holidays then exceptions", at(2026, 12, 23, 17, 0), false, time.Time{}, at(2026, 12, 28, 8, 30)},
		{"closed by exception", at(2026, 12, 29, 9, 0), false, time.Time{}, at(2026, 12, 30, 10, 0)},
		{"reduced hours", at(2026, 12, 30, 11, 0), true, at(2026, 12, 30, 12, 0), time.Time{}},
		{"after new year", at(2026, 12, 30, 13, 0), false, time.Time{}, at(2027, 1, 4, 8, 30)},
		{"good friday", at(2026, 4, 3, 10, 0), false, time.Time{}, at(2026, 4, 7, 8, 30)},
		{"from UTC", time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC), true, at(2026, 12, 3, 12, 0), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.Status(tt.now)
			if st.Open != tt.open || !st.Until.Equal(tt.until) || !st.NextOpen.Equal(tt.nextOpen) {
				t.Fatalf("got open=%v until=%v next=%v; want open=%v until=%v next=%v",
					st.Open, st.Until, st.NextOpen, tt.open, tt.until, tt.nextOpen)
			}
		})
	}
}

func TestScheduleAcrossDaylightSaving(t *testing.T) {
	// 8 March 2026: clocks go forward in Montréal; 1 November: back.
	var h [7][]Interval
	for d := range h {
		h[d] = []Interval{{"00:00", "23:59"}}
	}
	p := ServicePoint{TimeZone: "America/Toronto", Hours: h, Holidays: "none"}
	s := NewSchedule(p, HolidayRules{})
	toronto, _ := time.LoadLocation("America/Toronto")
	spring := s.Day(time.Date(2026, 3, 8, 12, 0, 0, 0, toronto))
	open, close := s.at(spring.Date, "00:00"), s.at(spring.Date, "23:59")
	if got := close.Sub(open); got != 22*time.Hour+59*time.Minute {
		t.Errorf("spring-forward day lasts %v, want 22h59m", got)
	}
	fall := s.Day(time.Date(2026, 11, 1, 12, 0, 0, 0, toronto))
	if got := s.at(fall.Date, "23:59").Sub(s.at(fall.Date, "00:00")); got != 24*time.Hour+59*time.Minute {
		t.Errorf("fall-back day lasts %v, want 24h59m", got)
	}
	// Halifax is an hour ahead of Montréal: a point there opening at 08:30
	// is open at 07:45 Montréal time.
	hp := ServicePoint{TimeZone: "America/Halifax", Hours: weekdays(Interval{"08:30", "16:30"})}
	if !NewSchedule(hp, HolidayRules{}).Status(time.Date(2026, 12, 3, 7, 45, 0, 0, toronto)).Open {
		t.Error("Halifax point not open at 08:45 local")
	}
}

func TestClosures(t *testing.T) {
	p := ServicePoint{TimeZone: "America/Toronto", Hours: weekdays(Interval{"08:30", "16:30"}),
		Exceptions: []Exception{{Date: "2026-12-29", Closed: true}}}
	toronto, _ := time.LoadLocation("America/Toronto")
	var got []string
	for _, d := range NewSchedule(p, HolidayRules{}).Closures(time.Date(2026, 12, 20, 10, 0, 0, 0, toronto), 14) {
		got = append(got, d.Date.Format(time.DateOnly))
	}
	want := []string{"2026-12-24", "2026-12-25", "2026-12-29", "2026-12-31", "2027-01-01"}
	if len(got) != len(want) {
		t.Fatalf("closures %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("closures %v, want %v", got, want)
		}
	}
}
