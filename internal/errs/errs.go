// Package errs defines the one coded error type of Guichet.
//
// Domain packages return *Error values carrying a Code and a message key
// (looked up in the i18n catalogues) so that the HTTP layer can map the code
// to a status in one place and show the user a safe, localized message.
// The wrapped cause is for logs only and is never shown to users.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers and for the HTTP mapping.
type Code string

// The codes; the HTTP layer maps each to exactly one status.
const (
	Invalid      Code = "invalid"      // the request is malformed or breaks a rule (422/400)
	NotFound     Code = "not_found"    // the thing does not exist (404)
	Conflict     Code = "conflict"     // the state forbids it: full slot, duplicate (409)
	Unauthorized Code = "unauthorized" // not signed in, or bad credentials (401)
	Forbidden    Code = "forbidden"    // signed in but not allowed (403)
	TooMany      Code = "too_many"     // rate limited (429)
	Unavailable  Code = "unavailable"  // a dependency is down, try later (503)
	Internal     Code = "internal"     // a bug or an unexpected failure (500)
)

// Error is the coded error. Key names a message in the i18n catalogues;
// Args fill its placeholders. Field, when set, names the input at fault.
type Error struct {
	Code  Code
	Key   string
	Args  []any
	Field string
	Err   error // cause, for logs only
}

func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Key != "" {
		msg += ": " + e.Key
	}
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error with a code, a message key and its arguments.
func E(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Wrap builds an error with a cause kept for the logs.
func Wrap(err error, code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args, Err: err}
}

// Internalf wraps an unexpected failure; users see only a generic message.
func Internalf(format string, args ...any) *Error {
	return &Error{Code: Internal, Key: "error.internal", Err: fmt.Errorf(format, args...)}
}

// OnField returns a copy of e that names the input field at fault.
func (e *Error) OnField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// CodeOf returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, or an internal error wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Key: "error.internal", Err: err}
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
