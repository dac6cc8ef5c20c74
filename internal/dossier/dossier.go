// Package dossier is the citizen's file: identity attributes and cards
// sealed at rest (AES-256-GCM, keyring with rotation), purpose-bound access
// by agents with every read in the verifiable audit log, break-glass access
// reviewed by the organization's privacy officers, the citizen's list of who
// opened their file with inclusion proofs, consents with signed receipts, a
// signed export of everything, and correction requests.
//
// Rules that hold on every path (the web pages call nothing else):
//   - an agent reads a file only through Open, which refuses without a
//     purpose of the agent's organization and a case or appointment
//     reference, and returns only the fields the purpose allows (and, for a
//     purpose based on consent, only those the citizen consented to);
//   - Open writes the access and its audit entry in the transaction that
//     reads the fields: no read without its entry;
//   - the audit entry names the agent's account, the organization, the
//     purpose and the citizen's account id; the reference, the fields and the
//     agent's name are in the access row, bound to the entry by its details
//     hash. No personal data goes into the log, and nothing personal is logged.
package dossier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
)

// The fields of a file. Attributes are text values; FieldCards stands for
// the cards and documents; FieldCorrections for the correction requests
// addressed to the organization.
const (
	FieldGivenName     = "given_name"
	FieldFamilyName    = "family_name"
	FieldBirthDate     = "birth_date"
	FieldAddress       = "address"
	FieldPhone         = "phone"
	FieldHealthNumber  = "health_number"  // numéro d’assurance maladie (NAM)
	FieldLicenceNumber = "licence_number" // numéro de permis de conduire
	FieldCards         = "cards"
	FieldCorrections   = "corrections"
)

// Attributes lists the text fields, in display order.
var Attributes = []string{FieldGivenName, FieldFamilyName, FieldBirthDate, FieldAddress, FieldPhone, FieldHealthNumber, FieldLicenceNumber}

// AllFields lists every field a purpose may name.
var AllFields = append(append([]string{}, Attributes...), FieldCards, FieldCorrections)

// Notice is a message for the outbox; the Mailer words it in Lang.
type Notice struct {
	Kind string // dossier.break_glass, dossier.break_glass_review, dossier.card_reminder
	To   string
	Lang string
	Args []string
}

// Mailer writes a notice into the outbox in the caller's transaction.
type Mailer interface {
	Notify(ctx context.Context, tx *database.Tx, n Notice) error
}

// Options configure the service.
type Options struct {
	Keys     *Keyring
	Audit    *audit.Log
	Verifier note.Verifier // the audit log's checkpoint key, to check proofs
	Receipts *Receipts     // signs consent receipts and exports
	Mailer   Mailer
	Now      func() time.Time
	Logger   *slog.Logger
	// ReminderLead: a card expiring within it gets one reminder (default 60 days).
	ReminderLead time.Duration
	// RenewLink returns the page where a card of kind is renewed online, in lang.
	RenewLink func(lang, kind string) string
	// AccessesLink returns the citizen's "who accessed my file" page, in lang.
	AccessesLink func(lang string) string
	// ReviewLink returns the privacy officers' review page, in lang.
	ReviewLink func(lang string) string
	// Nudge, when set, is called after a commit that enqueued a message.
	Nudge func()
}

// Service is the citizen's file.
type Service struct {
	db   *database.DB
	o    Options
	keys *Keyring
}

// New returns the service.
func New(db *database.DB, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ReminderLead <= 0 {
		o.ReminderLead = 60 * 24 * time.Hour
	}
	if o.RenewLink == nil {
		o.RenewLink = func(string, string) string { return "" }
	}
	if o.AccessesLink == nil {
		o.AccessesLink = func(string) string { return "" }
	}
	if o.ReviewLink == nil {
		o.ReviewLink = func(string) string { return "" }
	}
	return &Service{db: db, o: o, keys: o.Keys}
}

// Keys is the keyring in use.
func (s *Service) Keys() *Keyring { return s.keys }

func (s *Service) now() time.Time { return s.o.Now() }

func (s *Service) nudge() {
	if s.o.Nudge != nil {
		s.o.Nudge()
	}
}

// newID returns prefix and n random bytes in hex.
func newID(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// crockford is the alphabet of references people read aloud.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func newRef(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	var sb strings.Builder
	sb.WriteString(prefix)
	for _, c := range b {
		sb.WriteByte(crockford[int(c)%len(crockford)])
	}
	return sb.String()
}

func validField(f string) bool {
	for _, a := range AllFields {
		if a == f {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// intersect keeps the values of a that are in b, in a's order.
func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// ReceiptKey is the public key (JWK) that verifies receipts and exports.
func (s *Service) ReceiptKey() []byte { return s.o.Receipts.PublicJWK() }
