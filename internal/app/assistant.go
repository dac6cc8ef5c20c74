package app

import (
	"context"
	"time"

	"github.com/guichet-qc/guichet/internal/assistant"
	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// startAssistant trains the language understanding on the catalogue and
// starts the conversation engine, with a daily purge of the transcripts
// past their retention time.
func (a *App) startAssistant() error {
	parser, err := assistant.NewParser(assistant.CatalogOf(a.catalog))
	if err != nil {
		return err
	}
	a.catalog.OnChange(func() { parser.UseCatalog(assistant.CatalogOf(a.catalog)) })
	a.assistant = dialogue.New(a.db, a.catalog, a.booking, parser, dialogue.Options{Logger: a.log,
		Link: func(path string) string { return a.URL() + path }, ManageLink: a.manageURL})
	a.every(time.Hour, func(ctx context.Context) {
		if n, err := a.assistant.Purge(ctx); err != nil {
			a.log.Warn("assistant purge failed", "err", err)
		} else if n > 0 {
			a.log.Info("assistant transcripts deleted after their retention time", "conversations", n)
		}
	})
	return nil
}

// every runs job at each interval until the application stops, each run
// bounded by a minute.
func (a *App) every(interval time.Duration, job func(ctx context.Context)) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-a.bg.Done():
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(a.bg, time.Minute)
				job(ctx)
				cancel()
			}
		}
	}()
}

// Assistant is the application's conversation engine.
func (a *App) Assistant() *dialogue.Engine { return a.assistant }

// demoConversation hands over, once, a demonstration conversation to the
// agents, so that their conversation page has an example to show.
func (a *App) demoConversation(ctx context.Context) (string, error) {
	if !a.demoLoaded(ctx) {
		return "", nil
	}
	var id string
	err := a.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = 'demo_conversation'`).Scan(&id)
	})
	if err == nil || !errs.Is(err, errs.NotFound) {
		return id, err
	}
	id, _, err = a.assistant.Start(ctx, "fr")
	if err != nil {
		return "", err
	}
	if _, err := a.assistant.Send(ctx, id, dialogue.Input{Text: "Je voudrais parler à une personne, s’il vous plaît."}); err != nil {
		return "", err
	}
	if err := a.assistant.HandOver(ctx, id); err != nil {
		return "", err
	}
	return id, a.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES ('demo_conversation', ?) ON CONFLICT (name) DO NOTHING`, id)
		return err
	})
}
