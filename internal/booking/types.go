// Package booking is appointments at service points: availability computed
// from the catalogue's hours, booking with capacity enforced by the
// database, cancel and reschedule with a manage token, idempotent retries,
// and a record of every change in the audit log and the events table.
package booking

import (
	"time"
)

// Status of an appointment.
type Status string

// Appointment statuses.
const (
	Booked    Status = "booked"
	Cancelled Status = "cancelled"
	CheckedIn Status = "checked_in"
	NoShow    Status = "no_show"
	Served    Status = "served"
)

// Channels through which a booking is made or changed.
const (
	ChannelWeb       = "web"
	ChannelAPI       = "api"
	ChannelAssistant = "assistant"
	ChannelCounter   = "counter"
	ChannelPhone     = "phone"
)

// Citizen is who the appointment is for. Name plus an e-mail address
// and/or a phone number.
type Citizen struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Appointment is a booked (or formerly booked) place.
type Appointment struct {
	ID        int64
	Reference string
	PointID   string
	ServiceID string
	Start     time.Time
	End       time.Time
	Status    Status
	Citizen   Citizen
	Lang      string
	Channel   string
	CreatedAt time.Time
	UpdatedAt time.Time
	nonce     string
}

// Slot is a bookable time with the places left.
type Slot struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Remaining int       `json:"remaining"`
}

// Request asks for an appointment.
type Request struct {
	PointID   string
	ServiceID string
	Start     time.Time
	Citizen   Citizen
	Lang      string
	Channel   string
	// IdempotencyKey, when set, makes a retry return the original answer;
	// RequestHash identifies the request's content to refuse a key reused
	// for another request.
	IdempotencyKey string
	RequestHash    string
}

// Confirmation is the answer to a booking: the appointment and the token
// that manages it (given to the citizen, never stored).
type Confirmation struct {
	Appointment
	ManageToken string
	Replayed    bool // the answer to an earlier request with the same key
}

// Change describes what happened to an appointment, for notifications.
type Change struct {
	Kind        string // appointment.confirmed, appointment.changed, appointment.cancelled
	Appointment Appointment
	Previous    *Appointment // before a reschedule
	Wait        *WaitEntry   // for waitlist.offered
	ManageToken string       // of the appointment, or of the waiting-list entry
}
