// Package identity is the platform's authentication service: accounts of
// citizens and agents, passwords (Argon2id, common and breached passwords
// refused), second factors (TOTP, recovery codes, passkeys), levels of
// assurance, sessions stored in the database, throttling that holds across
// instances, agents' roles, and the recovery of an account at a counter.
//
// Nothing here logs or audits a secret: passwords, codes and session ids
// never leave this package except to the person they belong to.
package identity

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
)

// Kinds of accounts.
const (
	Citizen = "citizen"
	Agent   = "agent"
)

// Role is what an agent may do; an agent holds one or more.
type Role string

// Roles, least privileged first.
const (
	RoleAgent          Role = "agent"           // serves at the points they work at
	RoleSupervisor     Role = "supervisor"      // and sees their organization's queues
	RoleOrgAdmin       Role = "org_admin"       // manages their organization's agents
	RolePlatformAdmin  Role = "platform_admin"  // manages organizations and their administrators
	RolePrivacyOfficer Role = "privacy_officer" // reviews access to citizens' files
)

// Roles lists every role.
var Roles = []Role{RoleAgent, RoleSupervisor, RoleOrgAdmin, RolePlatformAdmin, RolePrivacyOfficer}

// Account is a person who signs in.
type Account struct {
	ID               string
	Kind             string // Citizen or Agent
	Email            string
	EmailVerified    bool
	GivenName        string
	FamilyName       string
	Locale           string // "fr" or "en"
	IdentityVerified bool   // checked in person by an agent
	OrganizationID   string // agents
	Points           []string
	Roles            []Role
	CreatedAt        time.Time
}

// Name is the account's display name.
func (a Account) Name() string {
	switch {
	case a.GivenName == "":
		return a.FamilyName
	case a.FamilyName == "":
		return a.GivenName
	}
	return a.GivenName + " " + a.FamilyName
}

// Has tells whether an agent holds a role.
func (a Account) Has(r Role) bool { return a.Kind == Agent && slices.Contains(a.Roles, r) }

// MayServe tells whether an agent works at a service point.
func (a Account) MayServe(pointID string) bool {
	return a.Kind == Agent && slices.Contains(a.Points, pointID)
}

// Mailer enqueues a message to the person in the caller's transaction (the
// notification outbox); nudge, when set, is called after commit.
type Mailer interface {
	Mail(ctx context.Context, tx *database.Tx, m Mail) error
}

// Mail is a message of this package, rendered by the Mailer in the
// person's language.
type Mail struct {
	Kind string // identity.verify_email, identity.reset_password, identity.factor_added, …
	To   string
	Lang string
	Link string // the link to follow, if any
	Vars []any  // what the text needs (e.g. the factor's name)
}

// Options configures a Service.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // nil: time.Now
	Mailer Mailer           // nil: messages are dropped (tests)
	// Link builds an absolute link to a page of the site from its path.
	Link func(path string) string
	// SealKey encrypts second-factor secrets at rest (32 bytes).
	SealKey []byte
	// PointOrganization, when set, names the organization of a service
	// point (ok false: no such point); agents are given only their own
	// organization's points.
	PointOrganization func(pointID string) (org string, ok bool)
	// OnSessionEnded, when set, is told of every session that ends.
	OnSessionEnded SessionEnded
	// Session lifetimes; zero values take the defaults below.
	SessionIdle, SessionAbsolute time.Duration
}

// Defaults.
const (
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionAbsolute = 12 * time.Hour
	AgentSessionAbsolute   = 10 * time.Hour
)

// Service is the authentication service.
type Service struct {
	db   *database.DB
	o    Options
	seal *sealer
}

// New returns the service.
func New(db *database.DB, o Options) (*Service, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SessionIdle == 0 {
		o.SessionIdle = DefaultSessionIdle
	}
	if o.SessionAbsolute == 0 {
		o.SessionAbsolute = DefaultSessionAbsolute
	}
	if o.Link == nil {
		o.Link = func(p string) string { return p }
	}
	s, err := newSealer(o.SealKey)
	if err != nil {
		return nil, err
	}
	return &Service{db: db, o: o, seal: s}, nil
}

func (s *Service) now() time.Time { return s.o.Now() }

func (s *Service) mail(ctx context.Context, tx *database.Tx, m Mail) error {
	if s.o.Mailer == nil || m.To == "" {
		return nil
	}
	return s.o.Mailer.Mail(ctx, tx, m)
}

// MailKinds lists the kinds of mail this package sends; the Mailer needs a
// text for each.
var MailKinds = []string{"identity.verify_email", "identity.already_registered", "identity.reset_password",
	"identity.password_changed", "identity.factor_added", "identity.factor_removed", "identity.recovery_code_used",
	"identity.recovery_codes_replaced", "identity.recovered_at_counter"}
