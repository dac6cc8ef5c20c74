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
	"github.com/guichet-qc/guichet/internal/identity"
)

// usersCmd creates the accounts the platform's operator sets up: the first
// administrator, and agents. The password comes from standard input (or is
// generated); every agent enrols a second factor at the first sign-in.
func usersCmd(ctx context.Context, env Env, args []string) error {
	return usersWith(ctx, env, os.Stdin, args)
}

const usersUsage = `Usage: guichet users <command> [flags]

  create-admin   create the platform's first administrator (an agent account
                 with the platform_admin role)
  create-agent   create an agent account for an organization's service points

Each account signs in at /fr/agent/connexion and must add an authenticator
app before anything else. Run "guichet users <command> --help" for the flags.
`

func usersWith(ctx context.Context, env Env, stdin io.Reader, args []string) error {
	if len(args) == 0 || (args[0] != "create-admin" && args[0] != "create-agent") {
		fmt.Fprint(env.Stderr, usersUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	admin := args[0] == "create-admin"
	dbDefault := config.Defaults().DB
	if v, ok := env.Getenv("GUICHET_DB"); ok {
		dbDefault = v
	}
	usage, help := "users create-agent --email E --name N --org ORG --points P1,P2 [--roles R1,R2] [--generate] [--db DSN]",
		"Creates an agent account. The agent works only at the service points listed\n"+
			"in --points, with the roles in --roles (agent, supervisor, org_admin,\n"+
			"privacy_officer; default agent)."
	if admin {
		usage, help = "users create-admin --email E --name N [--generate] [--db DSN]",
			"Creates a platform administrator, to bootstrap a new platform."
	}
	fs := flagSet(env, "users "+args[0], usage, help+"\n\n"+
		"The password is read from the first line of standard input (at least 12\n"+
		"characters, not a common one), for example:\n"+
		"  printf '%s\\n' \"$PASSWORD\" | guichet "+strings.SplitN(usage, " --", 2)[0]+" …\n"+
		"With --generate, a random password is made and printed once: give it to\n"+
		"the person; it cannot be shown again.")
	dsn := fs.String("db", dbDefault, "database: a file path, sqlite:PATH or postgres://… (env GUICHET_DB)")
	email := fs.String("email", "", "the e-mail address the person signs in with (required)")
	name := fs.String("name", "", "the person's name, shown on their screens (required)")
	generate := fs.Bool("generate", false, "generate the password and print it instead of reading it")
	var org, points, roles *string
	if !admin {
		org = fs.String("org", "", "the organization the agent works for, by id, e.g. saaq (required)")
		points = fs.String("points", "", "the service points the agent works at, by id, separated by commas (required)")
		roles = fs.String("roles", "agent", "the agent's roles, separated by commas")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return flagError(err)
	}
	in := identity.NewAgent{Email: *email, GivenName: strings.TrimSpace(*name), Roles: []identity.Role{identity.RolePlatformAdmin}}
	switch {
	case strings.TrimSpace(*email) == "":
		return errors.New("--email is required: the address the person signs in with")
	case in.GivenName == "":
		return errors.New("--name is required")
	}
	if !admin {
		in.OrganizationID, in.Points, in.Roles = strings.TrimSpace(*org), splitList(*points), nil
		for _, r := range splitList(*roles) {
			in.Roles = append(in.Roles, identity.Role(r))
		}
		switch {
		case in.OrganizationID == "":
			return errors.New("--org is required: the id of the agent's organization")
		case len(in.Points) == 0:
			return errors.New("--points is required: the ids of the service points, separated by commas")
		}
	}
	var password string
	if *generate {
		password = identity.NewPassword()
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read the password from standard input: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return errors.New("no password on standard input: write it on the first line, or use --generate")
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
	if !admin {
		if err := checkPoints(ctx, db, in.OrganizationID, in.Points); err != nil {
			return err
		}
	}
	svc, err := identity.New(db, identity.Options{})
	if err != nil {
		return err
	}
	a, err := svc.CreateAgent(ctx, nil, in, password)
	if err != nil {
		return describe(err)
	}
	what := "Agent account"
	if admin {
		what = "Platform administrator"
	}
	fmt.Fprintf(env.Stdout, "%s created for %s", what, a.Email)
	if len(a.Points) > 0 {
		fmt.Fprintf(env.Stdout, " at %s", strings.Join(a.Points, ", "))
	}
	fmt.Fprintln(env.Stdout, ".")
	if *generate {
		fmt.Fprintf(env.Stdout, "Password (shown once): %s\n", password)
	}
	fmt.Fprintln(env.Stdout, "At the first sign-in (/fr/agent/connexion) the person adds an authenticator app.")
	return nil
}

// describe turns the service's coded errors into one English line per
// problem, for the terminal.
func describe(err error) error {
	var many identity.Problems
	if errors.As(err, &many) {
		var lines []string
		for _, e := range many {
			lines = append(lines, "--"+strings.ReplaceAll(e.Field, "_", "-")+": "+i18n.T(i18n.EN, e.Key, e.Args...))
		}
		return errors.New(strings.Join(lines, "\n"))
	}
	if e := errs.As(err); e.Code != errs.Internal {
		return errors.New(i18n.T(i18n.EN, e.Key, e.Args...))
	}
	return err
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
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
