//go:build unix

package bench

import (
	"fmt"
	"syscall"
)

// OpenFiles reports the process's limit of open files, which bounds how
// many connections the clients (and the in-process server) can hold.
type OpenFiles struct {
	Limit  uint64 `json:"limit"`
	Needed uint64 `json:"needed"`
	Note   string `json:"note,omitempty"` // set when the limit could not be raised enough
}

// raiseOpenFiles raises the soft limit of open files up to the hard limit
// when it is below what the run needs.
func raiseOpenFiles(needed int) OpenFiles {
	of := OpenFiles{Needed: uint64(needed)}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		of.Note = "cannot read the open-files limit: " + err.Error()
		return of
	}
	if lim.Cur < of.Needed && lim.Cur < lim.Max {
		want := lim
		want.Cur = min(max(of.Needed, lim.Cur), lim.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			of.Note = "cannot raise the open-files limit: " + err.Error()
		} else {
			lim = want
		}
	}
	of.Limit = lim.Cur
	if of.Limit < of.Needed {
		of.Note = fmt.Sprintf("the open-files limit is %d (hard limit %d) but %d are needed: expect connection errors at the largest number of clients (raise it with ulimit -n)",
			lim.Cur, lim.Max, of.Needed)
	}
	return of
}
