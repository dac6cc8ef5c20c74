package api

import (
	"net/http"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
)

type checkpointJSON struct {
	TreeSize  int64     `json:"tree_size"`
	RootHash  tlog.Hash `json:"root_hash"`
	Note      string    `json:"note"`
	SignedAt  time.Time `json:"signed_at"`
	PublicKey string    `json:"public_key"`
}

func (a *API) checkpoint(w http.ResponseWriter, r *http.Request) error {
	c, err := a.audit.Latest(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, checkpointJSON{
		TreeSize: c.TreeSize, RootHash: c.RootHash, Note: c.Note, SignedAt: c.SignedAt.UTC(), PublicKey: a.auditKey,
	})
	return nil
}

// proofJSON is an inclusion proof without the entry's content: the entry is
// shown only to the people it concerns, who can check it with this proof.
type proofJSON struct {
	Seq        int64       `json:"seq"`
	RecordHash tlog.Hash   `json:"record_hash"`
	TreeSize   int64       `json:"tree_size"`
	Proof      []tlog.Hash `json:"proof"`
	Checkpoint string      `json:"checkpoint"`
}

func (a *API) inclusionProof(w http.ResponseWriter, r *http.Request) error {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq < 0 {
		return errs.E(errs.Invalid, "api.bad_integer", "seq").OnField("seq")
	}
	var size int64
	if v := r.URL.Query().Get("size"); v != "" {
		if size, err = strconv.ParseInt(v, 10, 64); err != nil || size < 1 {
			return errs.E(errs.Invalid, "api.bad_integer", "size").OnField("size")
		}
	}
	p, err := a.audit.InclusionProof(r.Context(), seq, size)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, proofJSON{
		Seq: p.Entry.Seq, RecordHash: p.RecordHash, TreeSize: p.TreeSize, Proof: p.Proof, Checkpoint: p.Checkpoint,
	})
	return nil
}
