package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/dossier"
)

func dossierCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || (args[0] != "reencrypt" && args[0] != "new-key") {
		fmt.Fprint(env.Stderr, `Usage: guichet dossier reencrypt|new-key [flags]

  reencrypt  seal again, under the first key of the keyring, every field of
             the citizens' files still sealed under an older key; afterwards
             the older keys can leave the keyring
  new-key    print a new key line (id:base64key) to put first in the keyring

Key rotation: put a new-key line first in the keyring file (--dossier-keys),
restart the instances (new writes use it, older rows still open with the
older keys), run reencrypt, then remove the older lines.
`)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	if args[0] == "new-key" {
		fs := flagSet(env, "dossier new-key", "dossier new-key", "Prints a new 32-byte AES key as an id:base64key line.")
		if err := fs.Parse(args[1:]); err != nil {
			return flagError(err)
		}
		fmt.Fprintln(env.Stdout, dossier.NewKeyLine(time.Now()))
		return nil
	}
	defaults := config.Defaults()
	dbDefault, dataDir, keys := defaults.DB, defaults.DataDir, ""
	if v, ok := env.Getenv("GUICHET_DB"); ok {
		dbDefault = v
	}
	if v, ok := env.Getenv("GUICHET_DATA_DIR"); ok {
		dataDir = v
	}
	if v, ok := env.Getenv("GUICHET_DOSSIER_KEYS"); ok {
		keys = v
	}
	fs := flagSet(env, "dossier reencrypt", "dossier reencrypt [--db DSN] [--dossier-keys FILE] [--batch N]",
		"Reads every sealed field of the citizens' files and seals again, under the\n"+
			"keyring's first key, those sealed under another key, a batch per transaction\n"+
			"(it can be interrupted and run again). Exit status 1 if a value is left\n"+
			"under another key or does not open.")
	dsn := fs.String("db", dbDefault, "database (env GUICHET_DB)")
	keyFile := fs.String("dossier-keys", keys, "keyring file, id:base64key lines, the first current (env GUICHET_DOSSIER_KEYS; default DATA-DIR/"+dossier.KeysFile+")")
	dir := fs.String("data-dir", dataDir, "data directory holding the development keyring (env GUICHET_DATA_DIR)")
	batch := fs.Int("batch", 500, "values per transaction")
	if err := fs.Parse(args[1:]); err != nil {
		return flagError(err)
	}
	if *keyFile == "" {
		*keyFile = filepath.Join(*dir, dossier.KeysFile)
	}
	ring, err := dossier.LoadKeyring(*keyFile)
	if err != nil {
		return err
	}
	db, err := database.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := dossier.New(db, dossier.Options{Keys: ring}).Reencrypt(ctx, *batch)
	if err != nil {
		if errors.Is(err, dossier.ErrSealed) {
			return fmt.Errorf("a value does not open with the keyring (is an older key missing from %s?): %w", *keyFile, err)
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "Re-encrypted %d of %d sealed values under key %s; %d left under other keys.\n", rep.Moved, rep.Rows, ring.Current(), rep.Remaining)
	if rep.Remaining > 0 {
		return fmt.Errorf("%d values are still under other keys", rep.Remaining)
	}
	return nil
}
