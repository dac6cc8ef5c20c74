// Package cli is the `guichet` command line: it parses the command and its
// flags, sets up logging and calls the application. main only hands it the
// arguments, the standard streams and a context cancelled by SIGINT/SIGTERM.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/guichet-qc/guichet/internal/config"
)

// Version is set at build time with -ldflags "-X …/cli.Version=v1.2.3".
var Version = "dev"

// Env carries what a command may use of its surroundings.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         config.Env
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web site, the API and the background workers (the default)", serve},
		{"migrate", "apply the database migrations and exit", migrate},
		{"audit", "verify the audit log offline, or print an entry's inclusion proof", auditCmd},
		{"dossier", "re-encrypt the citizens' files under the current key, or make a new key", dossierCmd},
		{"import", "load official open data: postal-code areas, municipalities, health facilities", importCmd},
		{"bench", "measure bookings per second over HTTP beside the database's own ceiling", benchCmd},
		{"users", "create the first administrator and agent accounts", usersCmd},
		{"oidc", "manage the services that sign people in with Guichet (OpenID Connect clients)", oidcCmd},
		{"assistant", "the conversational assistant from a terminal: parse, chat, eval", assistantCmd},
		{"version", "print the version", func(_ context.Context, env Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "guichet", Version)
			return nil
		}},
	}
}

// errUsage means the message was already printed; exit with status 2.
var errUsage = errors.New("usage")

// Run executes the command line and returns the process exit status.
func Run(ctx context.Context, args []string, env Env) int {
	name := "serve"
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help"):
		usage(env.Stdout)
		return 0
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		name, args = args[0], args[1:]
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, env, args)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintln(env.Stderr, "guichet "+name+": "+err.Error())
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "guichet: unknown command %q\n\n", name)
	usage(env.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Guichet — Québec's digital public services, in one program.

Usage: guichet [command] [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "guichet COMMAND --help" for the flags of a command.
With no command, guichet serves on http://127.0.0.1:8080 with a SQLite
database in ./guichet-data, loading demonstration data on first start.
`)
}

// flagSet returns a flag set whose --help prints a plain description.
func flagSet(env Env, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: guichet %s\n\n%s\n\nFlags:\n", synopsis, description)
		fs.PrintDefaults()
	}
	return fs
}

// newLogger builds the one logger of the process.
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// flagError separates flag-syntax errors (already printed with the usage by
// the flag package) from configuration errors (one line, printed by Run).
func flagError(err error) error {
	var cfgErr *config.Error
	if errors.Is(err, flag.ErrHelp) || !errors.As(err, &cfgErr) {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return err
}
