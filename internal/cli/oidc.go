package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/oidc"
)

// oidcCmd manages the relying parties of the OpenID provider.
func oidcCmd(ctx context.Context, env Env, args []string) error {
	if len(args) < 2 || args[0] != "clients" || !(args[1] == "create" || args[1] == "list" || args[1] == "delete") {
		fmt.Fprint(env.Stderr, `Usage: guichet oidc clients create|list|delete [flags]

  create   register a service (relying party) that signs people in with Guichet;
           prints its client id and, for client_secret_basic, its secret once
  list     list the registered services
  delete   remove a service, its consents and its tokens

Run "guichet oidc clients create --help" for the flags.
`)
		if len(args) > 0 && (args[len(args)-1] == "-h" || args[len(args)-1] == "--help" || args[len(args)-1] == "help") {
			return nil
		}
		return errUsage
	}
	dbDefault := config.Defaults().DB
	if v, ok := env.Getenv("GUICHET_DB"); ok {
		dbDefault = v
	}
	switch args[1] {
	case "create":
		return oidcCreate(ctx, env, dbDefault, args[2:])
	case "list":
		return oidcList(ctx, env, dbDefault, args[2:])
	}
	return oidcDelete(ctx, env, dbDefault, args[2:])
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

func openMigrated(ctx context.Context, dsn string) (*database.DB, error) {
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// domainError turns a coded error into a message naming the flag at fault.
func domainError(err error) error {
	e := errs.As(err)
	if e.Code == errs.Internal {
		return err
	}
	msg := i18n.T(i18n.EN, e.Key, e.Args...)
	if e.Field != "" {
		return fmt.Errorf("--%s: %s", e.Field, msg)
	}
	return errors.New(msg)
}

func oidcCreate(ctx context.Context, env Env, dbDefault string, args []string) error {
	fs := flagSet(env, "oidc clients create", "oidc clients create --name N [--redirect-uri URI]… [flags]",
		"Registers a service that signs people in with Guichet (OpenID Connect).\n"+
			"Subjects are pairwise by default: the sector is --sector or the single host\n"+
			"of the redirect URIs. With --auth client_secret_basic (the default), the\n"+
			"secret is printed once and stored only as a hash: keep it safe.")
	dsn := fs.String("db", dbDefault, "database: a file path, sqlite:PATH or postgres://… (env GUICHET_DB)")
	name := fs.String("name", "", "the service's name, shown to people on the consent page (required)")
	var redirects, postLogout, grants, scopes repeated
	fs.Var(&redirects, "redirect-uri", "a redirect URI (repeatable; https, or http on the loopback interface)")
	fs.Var(&postLogout, "post-logout-redirect-uri", "where the service may send people after logout (repeatable)")
	backchannel := fs.String("backchannel-logout-uri", "", "where logout tokens are POSTed when a person's session ends")
	sector := fs.String("sector", "", "sector identifier (a host) of the pairwise subjects")
	subject := fs.String("subject", oidc.SubjectPairwise, "subject type: pairwise or public")
	auth := fs.String("auth", oidc.AuthSecretBasic, "client authentication: client_secret_basic, private_key_jwt or none")
	jwksFile := fs.String("jwks-file", "", "file holding the service's public JSON Web Key Set (for private_key_jwt)")
	fs.Var(&grants, "grant", "a grant type: authorization_code, refresh_token, client_credentials (repeatable; default the first two)")
	fs.Var(&scopes, "scope", "a scope the service may ask for (repeatable; default openid profile email offline_access)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	spec := oidc.ClientSpec{Name: *name, RedirectURIs: redirects, PostLogoutRedirectURIs: postLogout,
		BackchannelLogoutURI: *backchannel, Sector: *sector, SubjectType: *subject, AuthMethod: *auth,
		GrantTypes: grants, Scopes: splitScopes(scopes)}
	if *jwksFile != "" {
		b, err := os.ReadFile(*jwksFile)
		if err != nil {
			return fmt.Errorf("--jwks-file: %w", err)
		}
		spec.JWKS = b
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	cl, secret, err := oidc.NewClients(db).Create(ctx, spec)
	if err != nil {
		return domainError(err)
	}
	fmt.Fprintf(env.Stdout, "Client %q registered.\nclient_id: %s\n", cl.Name, cl.ID)
	if secret != "" {
		fmt.Fprintf(env.Stdout, "client_secret (shown once): %s\n", secret)
	}
	return nil
}

// splitScopes accepts --scope "openid email" as well as repeated flags.
func splitScopes(in []string) []string {
	var out []string
	for _, s := range in {
		out = append(out, strings.Fields(s)...)
	}
	return out
}

func oidcList(ctx context.Context, env Env, dbDefault string, args []string) error {
	fs := flagSet(env, "oidc clients list", "oidc clients list [--db DSN]", "Lists the registered services, oldest first.")
	dsn := fs.String("db", dbDefault, "database: a file path, sqlite:PATH or postgres://… (env GUICHET_DB)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := oidc.NewClients(db).List(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, "No client registered.")
		return nil
	}
	for _, c := range list {
		fmt.Fprintf(env.Stdout, "%s  %s  auth=%s subject=%s sector=%s grants=%s scopes=%s redirect=%s\n",
			c.ID, c.Name, c.AuthMethod, c.SubjectType, c.Sector, strings.Join(c.GrantTypes, ","),
			strings.Join(c.Scopes, ","), strings.Join(c.RedirectURIs, ","))
	}
	return nil
}

func oidcDelete(ctx context.Context, env Env, dbDefault string, args []string) error {
	fs := flagSet(env, "oidc clients delete", "oidc clients delete --id CLIENT_ID [--db DSN]",
		"Removes a service: its consents and tokens go with it.")
	dsn := fs.String("db", dbDefault, "database: a file path, sqlite:PATH or postgres://… (env GUICHET_DB)")
	id := fs.String("id", "", "the client id (required)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *id == "" && fs.NArg() == 1 {
		*id = fs.Arg(0)
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := oidc.NewClients(db).Delete(ctx, *id); err != nil {
		return domainError(err)
	}
	fmt.Fprintf(env.Stdout, "Client %s deleted.\n", *id)
	return nil
}
