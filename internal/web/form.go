package web

import (
	"errors"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
)

// form is what a form page shows again after a failed post: what was typed
// (never a password) and the errors, in a summary and by field.
type form struct {
	Values  map[string]string
	ByField map[string]string
	Errors  []fieldError
	Problem string // an error of the whole form (summary only)
}

func newForm() *form { return &form{Values: map[string]string{}, ByField: map[string]string{}} }

// fail records err on the form when it concerns the person's input (an
// invalid field, wrong credentials, too many tries) and reports whether it
// did; other errors are the caller's to show as an error page.
func (f *form) fail(l i18n.Lang, err error, fallbackField string) bool {
	var many identity.Problems
	if errors.As(err, &many) {
		for _, e := range many {
			f.add(e.Field, httpx.Message(l, e))
		}
		return true
	}
	e := errs.As(err)
	switch e.Code {
	case errs.Invalid, errs.Unauthorized, errs.TooMany, errs.Forbidden, errs.Conflict, errs.NotFound:
	default:
		return false
	}
	field := e.Field
	if field == "" {
		field = fallbackField
	}
	if field == "" {
		f.Problem = httpx.Message(l, e)
		return true
	}
	f.add(field, httpx.Message(l, e))
	return true
}

func (f *form) add(field, msg string) {
	if _, dup := f.ByField[field]; !dup {
		f.ByField[field] = msg
	}
	f.Errors = append(f.Errors, fieldError{ID: field, Message: msg})
}

// Failed tells whether the form has errors.
func (f *form) Failed() bool { return len(f.Errors) > 0 || f.Problem != "" }

// input is one field of a form, for the "input" template.
type input struct {
	ID, Type, Autocomplete, Label, Hint, Value, Error string
}

// Describedby lists the ids of the hint and error of the field.
func (i input) Describedby() string {
	s := ""
	if i.Hint != "" {
		s = i.ID + "-hint"
	}
	if i.Error != "" {
		if s != "" {
			s += " "
		}
		s += i.ID + "-error"
	}
	return s
}

// fieldOf builds an input from a form (a template function): id, type,
// autocomplete token, label and, optionally, a hint. Passwords are never
// filled in again.
func fieldOf(f *form, id, typ, autocomplete, label string, hint ...string) input {
	in := input{ID: id, Type: typ, Autocomplete: autocomplete, Label: label}
	if len(hint) > 0 {
		in.Hint = hint[0]
	}
	if f != nil {
		if typ != "password" {
			in.Value = f.Values[id]
		}
		in.Error = f.ByField[id]
	}
	return in
}

// hidden is a hidden field of a form.
type hidden struct{ Name, Value string }

// link is a link under a form.
type link struct{ URL, Text string }

// formPage is a page made of one form: most account pages are one.
type formPage struct {
	Heading, Intro string
	Notice         string // a banner saying what just happened (role=status)
	Form           *form
	Action         string
	Hidden         []hidden
	Fields         []input
	Submit         string
	Links          []link
	Passkey        *passkeyButton // a passkey ceremony offered beside the form
}

// fields builds the inputs of a form page from (id, type, autocomplete,
// label key[, hint key]) rows.
func fields(l i18n.Lang, f *form, rows ...[]string) []input {
	out := make([]input, 0, len(rows))
	for _, r := range rows {
		var hint []string
		if len(r) > 4 {
			hint = []string{i18n.T(l, r[4])}
		}
		out = append(out, fieldOf(f, r[0], r[1], r[2], i18n.T(l, r[3]), hint...))
	}
	return out
}
