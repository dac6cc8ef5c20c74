package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
)

func auditCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "proof") {
		fmt.Fprint(env.Stderr, `Usage: guichet audit verify|proof [flags]

  verify   recompute the whole audit log offline from the database and the
           public key; exits with status 1 naming the first bad entry or
           checkpoint when anything was changed, removed or reordered
  proof    print the inclusion proof of one entry against a signed checkpoint

Run "guichet audit verify --help" or "guichet audit proof --help" for flags.
`)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	sub, args := args[0], args[1:]
	defaults := config.Defaults()
	dbDefault := defaults.DB
	if v, ok := env.Getenv("GUICHET_DB"); ok {
		dbDefault = v
	}
	keyDefault := filepath.Join(defaults.DataDir, audit.VerifyKeyFile)
	if v, ok := env.Getenv("GUICHET_DATA_DIR"); ok {
		keyDefault = filepath.Join(v, audit.VerifyKeyFile)
	}
	if sub == "verify" {
		fs := flagSet(env, "audit verify", "audit verify [--db DSN] [--public-key FILE]",
			"Recomputes every entry's hash, the Merkle tree and every signed checkpoint\n"+
				"from the database, offline, and checks the checkpoints' signatures with the\n"+
				"public key. Exit status 0: the log is intact; 1: it is not (the first bad\n"+
				"entry or checkpoint is named).")
		dsn := fs.String("db", dbDefault, "database to verify (env GUICHET_DB)")
		key := fs.String("public-key", keyDefault, "the audit log's public key file (audit-verify.pub)")
		if err := fs.Parse(args); err != nil {
			return flagError(err)
		}
		return auditVerify(ctx, env, *dsn, *key)
	}
	fs := flagSet(env, "audit proof", "audit proof --seq N [--size T] [--db DSN]",
		"Prints, as JSON, the entry at position N of the audit log, its record hash,\n"+
			"and the hashes proving it is in the tree of the signed checkpoint of size T\n"+
			"(the latest by default). Anyone with the public key can check the proof.")
	dsn := fs.String("db", dbDefault, "database to read (env GUICHET_DB)")
	seq := fs.Int64("seq", -1, "position of the entry in the log, from 0")
	size := fs.Int64("size", 0, "size of the checkpoint to prove against (default: the latest)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *seq < 0 {
		return errors.New("--seq is required: the position of the entry, from 0")
	}
	db, err := database.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := audit.New(db, nil, audit.Options{}).InclusionProof(ctx, *seq, *size)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

func auditVerify(ctx context.Context, env Env, dsn, keyFile string) error {
	v, err := audit.LoadVerifier(keyFile)
	if err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := audit.Verify(ctx, db, v)
	if err != nil {
		return fmt.Errorf("the audit log is NOT intact: %w", err)
	}
	fmt.Fprintf(env.Stdout, "The audit log is intact: %d entries and %d checkpoints verified; tree size %d, root %s; %d entries waiting to be sequenced.\n",
		rep.Entries, rep.Checkpoints, rep.TreeSize, rep.RootHash, rep.Pending)
	return nil
}
