package web

import (
	"net/http"
	"strings"
)

// contactForm is what a booking form asks of the citizen — name, e-mail
// address, phone number — with the message of the field at fault. The
// citizen's booking, the agent's booking and the waiting list embed it;
// templates/_contact.html shows it.
type contactForm struct {
	Name, Email, Phone          string
	ErrName, ErrEmail, ErrPhone string
	NameLabel, Legend, Hint     string // in the page's language
	// ForAgent: an agent types for a citizen, so the browser must not
	// offer to fill in the agent's own details.
	ForAgent bool
}

// citizenFields maps the booking service's field names to the inputs.
var citizenFields = map[string]string{"citizen.name": "name", "citizen.email": "email", "citizen.phone": "phone"}

// read takes what was typed.
func (c *contactForm) read(r *http.Request) {
	c.Name = r.PostFormValue("name")
	c.Email = strings.TrimSpace(r.PostFormValue("email"))
	c.Phone = strings.TrimSpace(r.PostFormValue("phone"))
}

// fault puts an error of the booking service on its input and returns the
// error summary's line; ok is false when the field is not a contact field.
func (c *contactForm) fault(field, msg string) (line fieldError, ok bool) {
	switch citizenFields[field] {
	case "name":
		c.ErrName = msg
	case "email":
		c.ErrEmail = msg
	case "phone":
		c.ErrPhone = msg
	default:
		return fieldError{}, false
	}
	return fieldError{ID: citizenFields[field], Message: msg}, true
}
