// Package database opens Guichet's store on SQLite or PostgreSQL, hides their
// differences behind one small API, runs the embedded migrations and turns
// driver errors into coded domain errors at the boundary.
//
// SQL is written once with `?` placeholders; on PostgreSQL they are rewritten
// to `$n`. Each public store method of a domain package runs in one
// transaction obtained from Write (read-then-write, serialized on SQLite by
// BEGIN IMMEDIATE on a single writer connection) or Read (a pool of readers).
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/guichet-qc/guichet/internal/errs"
)

// Dialect names a supported database engine.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open store: a writer pool and a reader pool (the same pool on
// PostgreSQL).
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	where   string // a description without secrets, for messages
}

// Target is a parsed DSN.
type Target struct {
	Dialect Dialect
	Path    string // SQLite file path
	URL     string // PostgreSQL URL
}

// ParseDSN accepts a file path, `sqlite:PATH` or `postgres://…`/`postgresql://…`.
func ParseDSN(dsn string) (Target, error) {
	dsn = strings.TrimSpace(dsn)
	switch {
	case dsn == "":
		return Target{}, errors.New("empty database address; give a file path, sqlite:PATH or postgres://USER@HOST:PORT/DB")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if _, err := url.Parse(dsn); err != nil {
			return Target{}, fmt.Errorf("malformed PostgreSQL URL: %v", redact(err.Error()))
		}
		return Target{Dialect: Postgres, URL: dsn}, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if p == "" {
			return Target{}, errors.New("sqlite: needs a file path, e.g. sqlite:./guichet-data/guichet.db")
		}
		return Target{Dialect: SQLite, Path: p}, nil
	case strings.Contains(dsn, "://"):
		scheme := dsn[:strings.Index(dsn, "://")]
		return Target{}, fmt.Errorf("unsupported database %q; supported are SQLite (a file path or sqlite:PATH) and PostgreSQL (postgres://USER@HOST:PORT/DB)", scheme)
	default:
		return Target{Dialect: SQLite, Path: dsn}, nil
	}
}

// redact removes anything that looks like a password from a message.
func redact(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.Index(s[i+3:], "@"); j >= 0 {
			return s[:i+3] + "…" + s[i+3+j:]
		}
	}
	return s
}

// Open opens the store named by dsn and checks that it answers.
func Open(ctx context.Context, dsn string) (*DB, error) {
	t, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if t.Dialect == Postgres {
		return openPostgres(ctx, t.URL)
	}
	return openSQLite(ctx, t.Path)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("cannot create the folder for the SQLite database %s: %w", path, err)
		}
	}
	// busy_timeout first so that the other pragmas wait for locks too.
	common := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_time_format=sqlite"
	w, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The writer opens first so that WAL mode is set before readers attach.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return &DB{Dialect: SQLite, write: w, read: r, where: path}, nil
}

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("malformed PostgreSQL URL: %s", redact(err.Error()))
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > 10*time.Second {
		cfg.ConnectTimeout = 10 * time.Second
	}
	// No wait for a row lock may last: the deadlock detector normally
	// breaks cycles within a second, but a cycle through subtransactions
	// (the batcher's savepoints) was seen to hang; lock_timeout turns any
	// such wait into a retryable error.
	if _, ok := cfg.RuntimeParams["lock_timeout"]; !ok {
		cfg.RuntimeParams["lock_timeout"] = "5s"
	}
	where := net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)) + "/" + cfg.Database
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s (is it running, and does the database exist?): %s", where, redact(err.Error()))
	}
	return &DB{Dialect: Postgres, write: db, read: db, where: where}, nil
}

// Where describes the store without secrets (for logs and messages).
func (db *DB) Where() string { return string(db.Dialect) + ":" + db.where }

// Close closes every pool.
func (db *DB) Close() error {
	var err error
	if db.read != db.write {
		err = db.read.Close()
	}
	if e := db.write.Close(); e != nil {
		err = e
	}
	return err
}

// Ping checks that the store answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return errs.Wrap(err, errs.Unavailable, "error.unavailable")
	}
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return errs.Wrap(err, errs.Unavailable, "error.unavailable")
	}
	return nil
}

// Pools returns the statistics functions of the connection pools by name
// ("write" and "read" on SQLite, "main" on PostgreSQL), for metrics.
func (db *DB) Pools() map[string]func() sql.DBStats {
	if db.read == db.write {
		return map[string]func() sql.DBStats{"main": db.write.Stats}
	}
	return map[string]func() sql.DBStats{"write": db.write.Stats, "read": db.read.Stats}
}

// Tx is a transaction whose queries use `?` placeholders on both dialects.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	// stmts caches prepared statements for the transaction's life on
	// SQLite, whose driver would otherwise compile every statement again:
	// a group-committed batch runs the same few statements hundreds of
	// times. (pgx caches prepared statements per connection itself.)
	stmts map[string]*sql.Stmt
}

// stmt returns the cached prepared statement of a query, nil when not caching.
func (t *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if t.dialect != SQLite {
		return nil, nil
	}
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st, nil
}

// Dialect tells which engine the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.dialect }

// Exec runs a statement.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, classify(err)
	}
	if st != nil {
		res, err := st.ExecContext(ctx, args...)
		return res, classify(err)
	}
	res, err := t.tx.ExecContext(ctx, Rebind(t.dialect, query), args...)
	return res, classify(err)
}

// Query runs a query returning rows.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, classify(err)
	}
	if st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, classify(err)
	}
	rows, err := t.tx.QueryContext(ctx, Rebind(t.dialect, query), args...)
	return rows, classify(err)
}

// QueryRow runs a query returning at most one row; use Scan on the result.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *Row {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return &Row{err: err}
	}
	if st != nil {
		return &Row{row: st.QueryRowContext(ctx, args...)}
	}
	return &Row{row: t.tx.QueryRowContext(ctx, Rebind(t.dialect, query), args...)}
}

// Row wraps *sql.Row so that "no rows" and driver errors become coded errors.
type Row struct {
	row *sql.Row
	err error // preparing the statement failed
}

// Scan copies the columns; a missing row is an errs.NotFound.
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return classify(r.err)
	}
	err := r.row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(err, errs.NotFound, "error.not_found")
	}
	return classify(err)
}

// Write runs fn in a read-write transaction. On SQLite the transaction takes
// the write lock at BEGIN (IMMEDIATE) on the single writer connection, so
// read-then-write sequences are serialized.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.write, nil, fn)
}

// Read runs fn in a read-only transaction on the reader pool.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: db.Dialect == Postgres}
	return db.run(ctx, db.read, opts, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return classify(err)
	}
	defer sqlTx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(&Tx{tx: sqlTx, dialect: db.Dialect}); err != nil {
		return err
	}
	return classify(sqlTx.Commit())
}

// Rebind rewrites `?` placeholders to `$n` for PostgreSQL, leaving quoted
// text alone.
func Rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
