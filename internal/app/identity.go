package app

import (
	"context"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/notify"
)

// startIdentity starts the authentication service, with an hourly purge of
// ended sessions and throttling windows.
func (a *App) startIdentity() error {
	key, err := identity.LoadOrCreateSealKey(a.cfg.DataDir)
	if err != nil {
		return err
	}
	a.identity, err = identity.New(a.db, identity.Options{Logger: a.log, SealKey: key,
		Mailer: identityMailer{nudge: a.outbox.Nudge}, Link: func(p string) string { return a.URL() + p },
		PointOrganization: func(id string) (string, bool) {
			p, _, err := a.catalog.Point(id)
			return p.OrganizationID, err == nil
		},
		OnSessionEnded: func(ctx context.Context, ref, accountID string) {
			for _, f := range a.sessionEnded {
				f(ctx, ref, accountID)
			}
		}})
	if err != nil {
		return err
	}
	a.every(time.Hour, func(ctx context.Context) {
		if err := a.identity.PurgeSessions(ctx); err != nil {
			a.log.Warn("purge of ended sessions failed", "err", err)
		}
		if _, err := a.identity.PurgeThrottle(ctx); err != nil {
			a.log.Warn("purge of throttling windows failed", "err", err)
		}
	})
	return nil
}

// Identity is the application's authentication service.
func (a *App) Identity() *identity.Service { return a.identity }

// identityMailer writes the authentication service's messages into the
// notification outbox, in the person's language.
type identityMailer struct{ nudge func() }

func (m identityMailer) Mail(ctx context.Context, tx *database.Tx, im identity.Mail) error {
	l := i18n.Lang(im.Lang)
	key := "identity.mail." + strings.TrimPrefix(im.Kind, "identity.")
	var args []any
	if im.Link != "" {
		args = append(args, im.Link)
	}
	for _, v := range im.Vars {
		if s, ok := v.(string); ok {
			args = append(args, i18n.T(l, "identity.factor."+s))
		}
	}
	_, err := notify.Enqueue(ctx, tx, notify.Message{Kind: im.Kind, To: im.To, Lang: im.Lang,
		Subject: i18n.T(l, key+".subject"), Text: i18n.T(l, key+".body", args...)})
	if err == nil && m.nudge != nil {
		m.nudge() // the outbox's next poll sends it if this runs before the commit
	}
	return err
}
