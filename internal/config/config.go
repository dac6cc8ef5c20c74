// Package config holds Guichet's typed configuration, read from command-line
// flags with GUICHET_* environment variables as defaults, and validated once
// at start so that a bad value stops the program with one clear line.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
)

// Config is everything `guichet serve` needs. It is built once and never
// changed afterwards.
type Config struct {
	Addr               string     // listen address HOST:PORT
	DB                 string     // database DSN
	NoDemo             bool       // do not load the demonstration data set
	BaseURL            string     // public URL, e.g. https://guichet.example.qc.ca
	DataDir            string     // keys and other secrets live here
	LogFormat          string     // text or json
	LogLevel           slog.Level // debug, info, warn, error
	TrustProxy         bool       // trust X-Forwarded-Proto and X-Forwarded-For (its last entry is the client address used for throttling) from a reverse proxy
	TLSCert, TLSKey    string     // serve HTTPS directly when both are set
	ThemeCSS           string     // optional CSS file of colour overrides
	MapURL             string     // directions link template: {lat}, {lon}, {address}
	SMTPAddr           string     // HOST:PORT of the mail relay; "" keeps messages in the development mailbox
	SMTPUsername       string
	SMTPPasswordFile   string // file holding the relay password (never a flag value)
	MailFrom           string
	ReminderLead       time.Duration // how long before an appointment the reminder is sent
	CheckpointInterval time.Duration // how often the audit log signs a checkpoint
	ShutdownTimeout    time.Duration // how long in-flight requests may finish
	RequestTimeout     time.Duration // per-request deadline
	MaxBodyBytes       int64         // request body limit
	OIDCIssuer         string        // issuer of the OpenID provider; "" is the site's public URL
	OIDCKeyRotation    time.Duration // how long a signing key of the OpenID provider signs
	DossierKeys        string        // keyring of the citizens' files (id:base64 lines); "" uses DATA-DIR/dossier-keys
	CardReminderLead   time.Duration // how long before a card expires its reminder is sent
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Addr:               "127.0.0.1:8080",
		DB:                 "sqlite:" + filepath.Join("guichet-data", "guichet.db"),
		DataDir:            "guichet-data",
		LogFormat:          "text",
		LogLevel:           slog.LevelInfo,
		CheckpointInterval: 10 * time.Second,
		ShutdownTimeout:    20 * time.Second,
		RequestTimeout:     30 * time.Second,
		MaxBodyBytes:       1 << 20,
		MapURL:             "https://www.openstreetmap.org/directions?to={lat}%2C{lon}",
		MailFrom:           "Guichet <ne-pas-repondre@guichet.example>",
		ReminderLead:       24 * time.Hour,
		OIDCKeyRotation:    30 * 24 * time.Hour,
		CardReminderLead:   60 * 24 * time.Hour,
	}
}

// Env is how the environment is read (os.LookupEnv in production, a map in tests).
type Env func(string) (string, bool)

// OSEnv reads the process environment.
func OSEnv(k string) (string, bool) { return os.LookupEnv(k) }

// Option describes one setting, for flags, environment and documentation.
type Option struct {
	Flag, Env, Usage string
}

// Options lists the settings of `guichet serve` in the order of the README table.
var Options = []Option{
	{"addr", "GUICHET_ADDR", "address to listen on, HOST:PORT (port 0 picks a free one)"},
	{"db", "GUICHET_DB", "database: a file path or sqlite:PATH for SQLite, postgres://USER@HOST:PORT/DB for PostgreSQL"},
	{"no-demo", "GUICHET_NO_DEMO", "do not load the demonstration data set into an empty database"},
	{"base-url", "GUICHET_BASE_URL", "public address of the site, used in links and e-mails (default http://ADDR)"},
	{"data-dir", "GUICHET_DATA_DIR", "folder for keys and secrets (created if missing, mode 0700)"},
	{"log-format", "GUICHET_LOG_FORMAT", "log format: text or json"},
	{"log-level", "GUICHET_LOG_LEVEL", "log level: debug, info, warn or error"},
	{"trust-proxy", "GUICHET_TRUST_PROXY", "trust X-Forwarded-Proto and X-Forwarded-For from a reverse proxy"},
	{"tls-cert", "GUICHET_TLS_CERT", "certificate file to serve HTTPS directly (with --tls-key)"},
	{"tls-key", "GUICHET_TLS_KEY", "private key file to serve HTTPS directly (with --tls-cert)"},
	{"theme-css", "GUICHET_THEME_CSS", "CSS file overriding the colours of the default theme"},
	{"map-url", "GUICHET_MAP_URL", "directions link of a service point, with {lat}, {lon} and {address} filled in"},
	{"smtp-addr", "GUICHET_SMTP_ADDR", "mail relay HOST:PORT; without it, messages stay in the development mailbox page"},
	{"smtp-username", "GUICHET_SMTP_USERNAME", "user name at the mail relay"},
	{"smtp-password-file", "GUICHET_SMTP_PASSWORD_FILE", "file holding the mail relay's password"},
	{"mail-from", "GUICHET_MAIL_FROM", "sender address of the messages to citizens"},
	{"reminder-lead", "GUICHET_REMINDER_LEAD", "how long before an appointment the reminder is sent, e.g. 24h"},
	{"checkpoint-interval", "GUICHET_CHECKPOINT_INTERVAL", "how often the audit log signs a checkpoint, e.g. 10s"},
	{"shutdown-timeout", "GUICHET_SHUTDOWN_TIMEOUT", "how long requests in flight may finish when stopping, e.g. 20s"},
	{"request-timeout", "GUICHET_REQUEST_TIMEOUT", "deadline of one request, e.g. 30s"},
	{"max-body-bytes", "GUICHET_MAX_BODY_BYTES", "largest request body accepted, in bytes"},
	{"oidc-issuer", "GUICHET_OIDC_ISSUER", "issuer of the OpenID provider, e.g. https://guichet.example.qc.ca (default the public address)"},
	{"oidc-key-rotation", "GUICHET_OIDC_KEY_ROTATION", "how long a signing key of the OpenID provider signs before the next, e.g. 720h"},
	{"dossier-keys", "GUICHET_DOSSIER_KEYS", "file of the keys that encrypt citizens' files, one id:base64key line each, the first for new writes (default DATA-DIR/dossier-keys, generated)"},
	{"card-reminder-lead", "GUICHET_CARD_REMINDER_LEAD", "how long before a card expires the renewal reminder is sent, e.g. 1440h"},
}

// Parse reads flags (args, without the command name) over environment
// variables over defaults, then validates. The error is one line that says
// what is wrong and how to fix it.
func Parse(fs *flag.FlagSet, args []string, env Env) (Config, error) {
	c := Defaults()
	get := func(name string) (string, bool) {
		for _, o := range Options {
			if o.Flag == name {
				return env(o.Env)
			}
		}
		return "", false
	}
	usage := func(name string) string {
		for _, o := range Options {
			if o.Flag == name {
				return o.Usage + " (env " + o.Env + ")"
			}
		}
		return ""
	}
	var s struct{ level, checkpoint, shutdown, reqTimeout, maxBody, noDemo, trustProxy, reminder, keyRotation, cardLead string }
	str := func(p *string, name string) {
		if v, ok := get(name); ok {
			*p = v
		}
		fs.StringVar(p, name, *p, usage(name))
	}
	str(&c.Addr, "addr")
	str(&c.DB, "db")
	str(&c.BaseURL, "base-url")
	str(&c.DataDir, "data-dir")
	str(&c.LogFormat, "log-format")
	s.level = "info"
	str(&s.level, "log-level")
	str(&c.TLSCert, "tls-cert")
	str(&c.TLSKey, "tls-key")
	str(&c.ThemeCSS, "theme-css")
	str(&c.MapURL, "map-url")
	str(&c.SMTPAddr, "smtp-addr")
	str(&c.SMTPUsername, "smtp-username")
	str(&c.SMTPPasswordFile, "smtp-password-file")
	str(&c.MailFrom, "mail-from")
	s.checkpoint, s.shutdown, s.reqTimeout = c.CheckpointInterval.String(), c.ShutdownTimeout.String(), c.RequestTimeout.String()
	s.reminder = c.ReminderLead.String()
	str(&s.reminder, "reminder-lead")
	str(&s.checkpoint, "checkpoint-interval")
	str(&s.shutdown, "shutdown-timeout")
	str(&s.reqTimeout, "request-timeout")
	s.maxBody = strconv.FormatInt(c.MaxBodyBytes, 10)
	str(&s.maxBody, "max-body-bytes")
	str(&c.OIDCIssuer, "oidc-issuer")
	s.keyRotation = c.OIDCKeyRotation.String()
	str(&s.keyRotation, "oidc-key-rotation")
	str(&c.DossierKeys, "dossier-keys")
	s.cardLead = c.CardReminderLead.String()
	str(&s.cardLead, "card-reminder-lead")
	boolean := func(p *bool, name string) error {
		if v, ok := get(name); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s=%q is not a boolean; use true or false", envName(name), v)
			}
			*p = b
		}
		fs.BoolVar(p, name, *p, usage(name))
		return nil
	}
	if err := boolean(&c.NoDemo, "no-demo"); err != nil {
		return c, &Error{err}
	}
	if err := boolean(&c.TrustProxy, "trust-proxy"); err != nil {
		return c, &Error{err}
	}
	if err := fs.Parse(args); err != nil {
		return c, err // the flag package has printed it with the usage
	}
	if err := c.finish(fs, s.level, s.checkpoint, s.shutdown, s.reqTimeout, s.maxBody); err != nil {
		return c, &Error{err}
	}
	var err error
	if c.ReminderLead, err = duration("reminder-lead", s.reminder); err != nil {
		return c, &Error{err}
	}
	if c.OIDCKeyRotation, err = duration("oidc-key-rotation", s.keyRotation); err != nil {
		return c, &Error{err}
	}
	if c.CardReminderLead, err = duration("card-reminder-lead", s.cardLead); err != nil {
		return c, &Error{err}
	}
	if c.OIDCIssuer != "" {
		u, err := url.Parse(c.OIDCIssuer)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, &Error{fmt.Errorf("--oidc-issuer %q must be an absolute http or https address without query or fragment, e.g. https://guichet.example.qc.ca", c.OIDCIssuer)}
		}
	}
	return c, nil
}

// Error is a configuration value that is wrong; its text says how to fix it.
type Error struct{ err error }

func (e *Error) Error() string { return e.err.Error() }
func (e *Error) Unwrap() error { return e.err }

func (c *Config) finish(fs *flag.FlagSet, level, checkpoint, shutdown, reqTimeout, maxBody string) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see --help", fs.Arg(0))
	}
	var err error
	if c.LogLevel, err = parseLevel(level); err != nil {
		return err
	}
	if c.CheckpointInterval, err = duration("checkpoint-interval", checkpoint); err != nil {
		return err
	}
	if c.ShutdownTimeout, err = duration("shutdown-timeout", shutdown); err != nil {
		return err
	}
	if c.RequestTimeout, err = duration("request-timeout", reqTimeout); err != nil {
		return err
	}
	if c.MaxBodyBytes, err = strconv.ParseInt(maxBody, 10, 64); err != nil || c.MaxBodyBytes < 1024 {
		return fmt.Errorf("--max-body-bytes %q must be a whole number of bytes, at least 1024", maxBody)
	}
	return c.Validate()
}

func envName(flagName string) string {
	return "GUICHET_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("--log-level %q is not a level; use debug, info, warn or error", s)
	}
	return l, nil
}

func duration(name, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--%s %q is not a positive duration; write it like 10s, 2m or 1h", name, v)
	}
	return d, nil
}

// Validate checks the values together.
func (c Config) Validate() error {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q is not HOST:PORT; for example 127.0.0.1:8080 or :8080", c.Addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("--addr %q has an invalid port; use a number from 0 to 65535", c.Addr)
	}
	_ = host
	if _, err := database.ParseDSN(c.DB); err != nil {
		return fmt.Errorf("--db: %v", err)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--base-url %q must be an absolute http or https address, e.g. https://guichet.example.qc.ca", c.BaseURL)
		}
	}
	if u, err := url.Parse(strings.NewReplacer("{lat}", "0", "{lon}", "0", "{address}", "x").Replace(c.MapURL)); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("--map-url %q must be an http(s) address template, e.g. https://www.openstreetmap.org/directions?to={lat}%%2C{lon}", c.MapURL)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format %q is not supported; use text or json", c.LogFormat)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together; give both to serve HTTPS, or neither")
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return fmt.Errorf("--smtp-addr %q is not HOST:PORT, e.g. smtp.example.qc.ca:587", c.SMTPAddr)
		}
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return fmt.Errorf("--mail-from %q is not an e-mail address, e.g. Guichet <no-reply@example.qc.ca>", c.MailFrom)
	}
	for _, f := range []struct{ flag, path string }{{"tls-cert", c.TLSCert}, {"tls-key", c.TLSKey}, {"theme-css", c.ThemeCSS}, {"smtp-password-file", c.SMTPPasswordFile}, {"dossier-keys", c.DossierKeys}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return fmt.Errorf("--%s %q cannot be read: %v", f.flag, f.path, errors.Unwrap(err))
		}
	}
	if c.DataDir == "" {
		return errors.New("--data-dir must name a folder for keys, e.g. ./guichet-data")
	}
	return nil
}

// Secure tells whether the site is served over HTTPS (directly or, by its
// base URL, behind a proxy); it decides HSTS and Secure cookies.
func (c Config) Secure() bool {
	return c.TLSCert != "" || strings.HasPrefix(c.BaseURL, "https://")
}

// PublicURL is the base URL, or one derived from the listen address.
func (c Config) PublicURL(listen string) string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
