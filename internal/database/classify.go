package database

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/guichet-qc/guichet/internal/errs"
)

// classify turns driver errors into coded errors, once, at the boundary:
// unique and check violations become conflicts, foreign-key violations
// invalid input, lost connections unavailability. Domain code never looks
// at driver errors or their text.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var coded *errs.Error
	if errors.As(err, &coded) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errs.Wrap(err, errs.Unavailable, "error.unavailable")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505", "23P01": // unique_violation, exclusion_violation
			return errs.Wrap(err, errs.Conflict, "error.conflict")
		case "23514": // check_violation
			return errs.Wrap(err, errs.Conflict, "error.conflict")
		case "23503", "23502", "22P02", "22001": // fk, not null, bad text repr, too long
			return errs.Wrap(err, errs.Invalid, "error.invalid")
		case "40001", "40P01", "55P03": // serialization, deadlock, lock not available
			return errs.Wrap(err, errs.Conflict, "error.retry")
		case "57P01", "57P02", "57P03", "53300": // shutdown, too many connections
			return errs.Wrap(err, errs.Unavailable, "error.unavailable")
		}
		return errs.Wrap(err, errs.Internal, "error.internal")
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return errs.Wrap(err, errs.Unavailable, "error.unavailable")
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_CHECK:
			return errs.Wrap(err, errs.Conflict, "error.conflict")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return errs.Wrap(err, errs.Invalid, "error.invalid")
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return errs.Wrap(err, errs.Unavailable, "error.unavailable")
		}
		return errs.Wrap(err, errs.Internal, "error.internal")
	}
	return errs.Wrap(err, errs.Internal, "error.internal")
}
