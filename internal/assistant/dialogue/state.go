// Package dialogue is the assistant's conversation: a state machine per
// conversation, stored in the database so that any instance can continue
// it, that fills the slots of a booking (service → place → time → name and
// e-mail → confirmation) or of a cancellation, answers questions from the
// catalogue, accepts corrections at any step, and hands over to a person
// on request or after two misunderstandings in a row.
package dialogue

import (
	"time"
)

// Understanding is what the language understanding made of a message.
type Understanding struct {
	Lang       string
	Intent     string
	Confidence float64
	Entities   map[string]string
}

// Understander reads one message (internal/assistant provides it).
type Understander interface {
	Understand(text, langHint string, now time.Time) Understanding
}

// Choice is a proposal the person can pick by number or by label.
type Choice struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Value string `json:"value,omitempty"` // what picking it means (a point id, a start…)
}

// Message is one message of the conversation.
type Message struct {
	Role    string   `json:"role"` // user, assistant, agent
	Text    string   `json:"text"`
	Choices []Choice `json:"choices,omitempty"`
}

// Event reports what a turn did.
type Event struct {
	Type      string `json:"type"` // appointment_booked, appointment_cancelled, appointment_rescheduled, handoff_requested
	Reference string `json:"reference,omitempty"`
}

// Reply is the answer to one message.
type Reply struct {
	Messages []Message         `json:"messages"`
	Intent   string            `json:"intent"`
	Entities map[string]string `json:"entities"`
	Events   []Event           `json:"events"`
	Lang     string            `json:"lang"`
	// Chosen is the id of the proposal the message picked ("" if none).
	Chosen string `json:"chosen,omitempty"`
	// Slots is what the conversation has gathered so far, with the same
	// keys as the entities.
	Slots map[string]string `json:"slots"`
}

// Conversation statuses.
const (
	StatusBot          = "bot"
	StatusWaitingAgent = "waiting_agent"
	StatusAgent        = "agent"
)

// What the assistant is waiting for.
const (
	askNothing   = ""
	askService   = "service"
	askPlace     = "place"
	askPoint     = "point"
	askSlot      = "slot"
	askName      = "name"
	askEmail     = "email"
	askConfirm   = "confirm"
	askReference = "reference"
	askToken     = "token"
	askCancelOK  = "cancel_confirm"
	askHandoff   = "handoff"
)

// State is everything the conversation remembers between turns.
type State struct {
	Lang    string   `json:"lang"`
	Flow    string   `json:"flow,omitempty"` // book, cancel
	Asking  string   `json:"asking,omitempty"`
	Choices []Choice `json:"choices,omitempty"`

	Service       string `json:"service,omitempty"`
	Near          string `json:"near,omitempty"` // municipality or postal code
	Point         string `json:"point,omitempty"`
	Date          string `json:"date,omitempty"` // YYYY-MM-DD
	Time          string `json:"time,omitempty"` // HH:MM
	Start         string `json:"start,omitempty"`
	Name          string `json:"name,omitempty"`
	Email         string `json:"email,omitempty"`
	Reference     string `json:"reference,omitempty"`
	Token         string `json:"token,omitempty"`
	Misunderstood int    `json:"misunderstood,omitempty"`

	// The signed-in citizen, when the channel vouches for them: their
	// appointments are managed without the manage token.
	CitizenName  string `json:"citizen_name,omitempty"`
	CitizenEmail string `json:"citizen_email,omitempty"`

	// LastIntent lets a follow-up (« pis samedi ? ») continue the topic.
	LastIntent string `json:"last_intent,omitempty"`
}

// slotEntities are the gathered slots under the entity keys.
func (st State) slotEntities() map[string]string {
	m := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put("service", st.Service)
	if len(st.Near) == 7 && st.Near[3] == ' ' {
		put("postal_code", st.Near)
	} else {
		put("municipality", st.Near)
	}
	put("date", st.Date)
	put("time", st.Time)
	put("booking_ref", st.Reference)
	return m
}
