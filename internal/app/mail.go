package app

import (
	"context"
	"os"
	"strings"

	"github.com/guichet-qc/guichet/internal/notify"
	"github.com/guichet-qc/guichet/internal/web"
)

// startOutbox starts the worker that sends the citizens' messages: through
// the configured mail relay, or, without one, into the development mailbox
// (the messages are kept and shown on a page in demonstration mode).
func (a *App) startOutbox() error {
	var sender notify.Sender = notify.Mailbox{}
	if a.cfg.SMTPAddr != "" {
		smtp := &notify.SMTP{Addr: a.cfg.SMTPAddr, Username: a.cfg.SMTPUsername, From: a.cfg.MailFrom}
		if a.cfg.SMTPPasswordFile != "" {
			b, err := os.ReadFile(a.cfg.SMTPPasswordFile)
			if err != nil {
				return err
			}
			smtp.Password = strings.TrimSpace(string(b))
		}
		sender = smtp
	}
	a.outbox = notify.NewOutbox(a.db, sender, notify.Options{Logger: a.log})
	a.outbox.Start(context.Background())
	return nil
}

// devMailbox tells whether the development mailbox page is served: only on
// a demonstration platform that sends no real mail.
func (a *App) devMailbox() bool { return a.cfg.SMTPAddr == "" && !a.cfg.NoDemo }

// mailboxSource feeds the development mailbox page, when there is one.
func (a *App) mailboxSource() web.MailboxSource {
	if !a.devMailbox() {
		return nil
	}
	return func(ctx context.Context, limit int) ([]notify.Message, error) { return notify.Recent(ctx, a.db, limit) }
}
