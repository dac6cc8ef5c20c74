package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/staff"
)

// staffCmd manages the interim agent accounts; the password comes from
// standard input.
func staffCmd(ctx context.Context, env Env, args []string) error {
	return staffWith(ctx, env, os.Stdin, args)
}

func staffWith(ctx context.Context, env Env, stdin io.Reader, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(env.Stderr, `Usage: guichet staff add [flags]

  add   create an agent account: the person can then sign in to the agent
        screens (/fr/agent) and serve the service points it lists

Run "guichet staff add --help" for the flags.
`)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	dbDefault := config.Defaults().DB
	if v, ok := env.Getenv("GUICHET_DB"); ok {
		dbDefault = v
	}
	fs := flagSet(env, "staff add", "staff add --email E --name N --org ORG --points P1,P2 [--generate] [--db DSN]",
		"Creates an agent account for the interim sign-in of the agent screens.\n"+
			"The agent works only at the service points listed in --points.\n\n"+
			"The password is read from the first line of standard input (at least 12\n"+
			"characters), for example:  printf '%s\\n' \"$PASSWORD\" | guichet staff add …\n"+
			"With --generate, a random password is made and printed once: give it to\n"+
			"the agent; it cannot be shown again.")
	dsn := fs.String("db", dbDefault, "database: a file path, sqlite:PATH or postgres://… (env GUICHET_DB)")
	email := fs.String("email", "", "the agent's e-mail address, used to sign in (required)")
	name := fs.String("name", "", "the agent's name, shown on their screens (required)")
	org := fs.String("org", "", "the organization the agent works for, by id, e.g. saaq (required)")
	points := fs.String("points", "", "the service points the agent works at, by id, separated by commas (required)")
	generate := fs.Bool("generate", false, "generate the password and print it instead of reading it")
	if err := fs.Parse(args[1:]); err != nil {
		return flagError(err)
	}
	var ids []string
	for _, p := range strings.Split(*points, ",") {
		if p = strings.TrimSpace(p); p != "" {
			ids = append(ids, p)
		}
	}
	switch {
	case strings.TrimSpace(*email) == "":
		return errors.New("--email is required: the address the agent signs in with")
	case strings.TrimSpace(*name) == "":
		return errors.New("--name is required")
	case strings.TrimSpace(*org) == "":
		return errors.New("--org is required: the id of the agent's organization")
	case len(ids) == 0:
		return errors.New("--points is required: the ids of the service points, separated by commas")
	}
	var password string
	if *generate {
		password = staff.NewPassword()
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read the password from standard input: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if len(password) < 12 {
			return errors.New("the password read from standard input is shorter than 12 characters (or missing); " +
				"write it on the first line, or use --generate")
		}
	}
	db, err := database.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := checkPoints(ctx, db, strings.TrimSpace(*org), ids); err != nil {
		return err
	}
	a, err := staff.NewStore(db, nil).Create(ctx, staff.Account{Email: *email, Name: strings.TrimSpace(*name),
		OrganizationID: strings.TrimSpace(*org), Points: ids}, password)
	if err != nil {
		if e := errs.As(err); e.Code != errs.Internal {
			return errors.New(i18n.T(i18n.EN, e.Key, e.Args...))
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "Agent account %d created for %s at %s.\n", a.ID, a.Email, strings.Join(a.Points, ", "))
	if *generate {
		fmt.Fprintf(env.Stdout, "Password (shown once): %s\n", password)
	}
	return nil
}

// checkPoints refuses a service point that is not in the catalogue or
// belongs to another organization: an agent serves their own points only.
func checkPoints(ctx context.Context, db *database.DB, org string, ids []string) error {
	return db.Read(ctx, func(tx *database.Tx) error {
		for _, id := range ids {
			var owner string
			err := tx.QueryRow(ctx, `SELECT organization_id FROM catalog_service_points WHERE id = ?`, id).Scan(&owner)
			if errs.Is(err, errs.NotFound) {
				return fmt.Errorf("--points: no service point %q in the catalogue", id)
			}
			if err != nil {
				return err
			}
			if owner != org {
				return fmt.Errorf("--points: service point %q belongs to organization %q, not %q", id, owner, org)
			}
		}
		return nil
	})
}
