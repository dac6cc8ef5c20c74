package cli

import (
	"context"
	"strconv"

	"github.com/guichet-qc/guichet/internal/app"
	"github.com/guichet-qc/guichet/internal/config"
)

func serve(ctx context.Context, env Env, args []string) error {
	fs := flagSet(env, "serve", "serve [flags]",
		"Serves the web site in French and English, the JSON API and the background\n"+
			"workers. On first start with an empty database it creates the tables and\n"+
			"loads the demonstration data set (unless --no-demo). Stop it with Ctrl+C:\n"+
			"requests in flight finish and the audit log signs a last checkpoint.\n"+
			"Every flag can also be set by the environment variable shown.")
	cfg, err := config.Parse(fs, args, env.Getenv)
	if err != nil {
		return flagError(err)
	}
	log := newLogger(env.Stderr, cfg.LogFormat, cfg.LogLevel)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Run(ctx)
}

func migrate(ctx context.Context, env Env, args []string) error {
	fs := flagSet(env, "migrate", "migrate [--db DSN]",
		"Creates or updates the database tables and exits. guichet serve also does it\n"+
			"at start; run this before starting several instances of a new version.")
	cfg, err := config.Parse(fs, args, env.Getenv)
	if err != nil {
		return flagError(err)
	}
	n, v, err := app.Migrate(ctx, cfg.DB)
	if err != nil {
		return err
	}
	_, werr := env.Stdout.Write([]byte(migrateSummary(n, v)))
	return werr
}

func migrateSummary(applied, version int) string {
	if applied == 0 {
		return "The database is up to date (schema version " + itoa(version) + ").\n"
	}
	return "Applied " + itoa(applied) + " migration(s); schema version " + itoa(version) + ".\n"
}

func itoa(n int) string { return strconv.Itoa(n) }
