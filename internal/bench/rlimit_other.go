//go:build !unix

package bench

// OpenFiles reports the process's limit of open files (unknown here).
type OpenFiles struct {
	Limit  uint64 `json:"limit"`
	Needed uint64 `json:"needed"`
	Note   string `json:"note,omitempty"`
}

func raiseOpenFiles(needed int) OpenFiles {
	return OpenFiles{Needed: uint64(needed), Note: "the open-files limit is not checked on this system"}
}
