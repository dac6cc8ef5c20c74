// Package catalog holds what a citizen looks for first: organizations, the
// services they offer (how to do each one, online first), the service points
// where they are offered, their hours and closures, and search and "nearest
// point that offers it" over all of it.
package catalog

import (
	"github.com/guichet-qc/guichet/internal/i18n"
)

// Text is a message in both languages. French is never empty.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// In returns the text in lang (French when the English text is missing).
func (t Text) In(l i18n.Lang) string {
	if l == i18n.EN && t.EN != "" {
		return t.EN
	}
	return t.FR
}

// Words is a list of words or phrases per language (keywords, synonyms).
type Words struct {
	FR []string `json:"fr,omitempty"`
	EN []string `json:"en,omitempty"`
}

// Organization is a public body offering services (RAMQ, SAAQ, …).
type Organization struct {
	ID      string `json:"id"`
	Name    Text   `json:"name"`
	Acronym string `json:"acronym,omitempty"`
	Website string `json:"website,omitempty"`
	Phone   string `json:"phone,omitempty"`
	// HolidayRules adjusts the Québec public-body holiday calendar for
	// this organization.
	HolidayRules HolidayRules `json:"holiday_rules,omitzero"`
}

// HolidayRules adjust the standard calendar of public-body holidays.
type HolidayRules struct {
	Extra  []Holiday `json:"extra,omitempty"`   // more closing days
	OpenOn []string  `json:"open_on,omitempty"` // YYYY-MM-DD standard holidays on which it opens
}

// Holiday is a closing day.
type Holiday struct {
	Date string `json:"date"` // YYYY-MM-DD
	Name Text   `json:"name"`
}

// Assurance levels an online procedure may require (see the identity capability).
const (
	LoALow         = "loa1" // password
	LoASubstantial = "loa2" // multi-factor
	LoAHigh        = "loa3" // identity verified
)

// Channel describes one way of doing a service.
type Channel struct {
	Available bool   `json:"available"`
	URL       string `json:"url,omitempty"`   // online: where to do it
	Phone     string `json:"phone,omitempty"` // by phone
	Note      Text   `json:"note,omitempty"`  // what to expect on this channel
}

// Service is something a citizen can get done.
type Service struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organization"`
	Name           Text   `json:"name"`
	Summary        Text   `json:"summary"`
	// How to do it, online first.
	Online   Channel `json:"online"`
	InPerson Channel `json:"in_person"`
	ByPhone  Channel `json:"by_phone"`
	ByMail   Channel `json:"by_mail"`
	// OnlineAssurance is the level of assurance the online procedure needs.
	OnlineAssurance string `json:"online_assurance,omitempty"`
	Documents       []Text `json:"documents,omitempty"`
	// AppointmentRequired tells whether in-person service needs a booking.
	AppointmentRequired bool `json:"appointment_required"`
	DurationMinutes     int  `json:"duration_minutes,omitempty"`
	// BufferMinutes is the time a counter needs between two appointments.
	BufferMinutes int    `json:"buffer_minutes,omitempty"`
	Keywords      Words  `json:"keywords,omitempty"`
	Synonyms      Words  `json:"synonyms,omitempty"`
	Fee           string `json:"fee,omitempty"` // free text, e.g. "94,50 $" — kept as published
}

// Coordinate precision of a service point.
const (
	PrecisionExact       = "exact"       // surveyed or geocoded address
	PrecisionApproximate = "approximate" // street or town level
	PrecisionArea        = "area"        // centroid of a postal area
)

// Interval is an opening interval in local time, "HH:MM" to "HH:MM".
type Interval struct {
	Open  string `json:"open"`
	Close string `json:"close"`
}

// Exception changes the hours of one date: closed, or other intervals.
type Exception struct {
	Date      string     `json:"date"` // YYYY-MM-DD, in the point's zone
	Closed    bool       `json:"closed"`
	Intervals []Interval `json:"intervals,omitempty"`
	Reason    Text       `json:"reason,omitempty"`
}

// Offer is a service offered at a point, with the counters serving it.
type Offer struct {
	ServiceID string `json:"service"`
	Counters  int    `json:"counters"`
}

// ServicePoint is a place where services are offered in person.
type ServicePoint struct {
	ID             string  `json:"id"`
	OrganizationID string  `json:"organization"`
	Name           Text    `json:"name"`
	Address        string  `json:"address"` // street address, as written locally
	Municipality   string  `json:"municipality"`
	PostalCode     string  `json:"postal_code"` // A1A 1A1
	Lat            float64 `json:"lat"`
	Lon            float64 `json:"lon"`
	Precision      string  `json:"precision"`
	Phone          string  `json:"phone,omitempty"`
	TimeZone       string  `json:"time_zone"` // IANA, e.g. America/Toronto
	// Hours holds the weekly intervals, index 0 = Sunday … 6 = Saturday;
	// a break is the gap between two intervals.
	Hours      [7][]Interval `json:"hours"`
	Exceptions []Exception   `json:"exceptions,omitempty"`
	// Holidays says which holidays close the point: "" for its
	// organization's calendar, "none" for a point open on holidays (an
	// emergency department).
	Holidays string  `json:"holidays,omitempty"`
	Offers   []Offer `json:"offers"`
	// Source says where the record comes from: "demo", "odhf", …
	Source string `json:"source"`
}

// Offers reports whether the point offers the service.
func (p ServicePoint) OffersService(id string) bool {
	for _, o := range p.Offers {
		if o.ServiceID == id {
			return true
		}
	}
	return false
}
