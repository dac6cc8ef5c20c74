package app

import (
	"context"

	"github.com/guichet-qc/guichet/internal/catalog/demo"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// seed marks a new database as a demonstration platform unless --no-demo was
// given. Later capabilities (catalogue, service points) load their demo data
// set here, once, into an empty database.
func (a *App) seed(ctx context.Context) error {
	return a.db.Write(ctx, func(tx *database.Tx) error {
		var v string
		err := tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = 'initialized'`).Scan(&v)
		if err == nil {
			return nil
		}
		if !errs.Is(err, errs.NotFound) {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES ('initialized', 'yes')`); err != nil {
			return err
		}
		if a.cfg.NoDemo {
			return nil
		}
		a.log.Info("loading the demonstration data set")
		if _, err = tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES ('demo', 'yes')`); err != nil {
			return err
		}
		return demo.Install(ctx, tx)
	})
}

// demoLoaded tells whether this platform holds demonstration data.
func (a *App) demoLoaded(ctx context.Context) bool {
	var v string
	err := a.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = 'demo'`).Scan(&v)
	})
	return err == nil && v == "yes"
}

// Migrate opens the database at dsn, applies pending migrations and returns
// how many it applied and the schema version (for `guichet migrate`).
func Migrate(ctx context.Context, dsn string) (applied, version int, err error) {
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if applied, err = db.Migrate(ctx); err != nil {
		return applied, 0, err
	}
	version, err = db.Version(ctx)
	return applied, version, err
}
