package app

import (
	"context"
	"time"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/web"
)

// montreal is the time zone of the platform's own pages (service points
// have their own).
var montreal = mustLocation("America/Toronto")

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // tzdata is embedded: cannot happen
	}
	return l
}

// transparency feeds the public transparency page from the audit log.
type transparency struct {
	log       *audit.Log
	publicKey string
}

func (t transparency) Transparency(ctx context.Context) (web.Transparency, error) {
	out := web.Transparency{PublicKey: t.publicKey}
	c, err := t.log.Latest(ctx)
	switch {
	case errs.Is(err, errs.NotFound):
		return out, nil
	case err != nil:
		return out, err
	}
	out.Checkpoint = &web.CheckpointView{Size: c.TreeSize, Note: c.Note, SignedAt: c.SignedAt.In(montreal)}
	return out, nil
}
