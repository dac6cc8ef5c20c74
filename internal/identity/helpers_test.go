package identity_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/identity"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// outbox keeps the mails the service sends.
type outbox struct {
	mu   sync.Mutex
	sent []identity.Mail
}

func (o *outbox) Mail(_ context.Context, _ *database.Tx, m identity.Mail) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

// last returns the last mail of kind to addr, failing if none.
func (o *outbox) last(t *testing.T, kind, to string) identity.Mail {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.sent) - 1; i >= 0; i-- {
		if o.sent[i].Kind == kind && o.sent[i].To == to {
			return o.sent[i]
		}
	}
	t.Fatalf("no %s mail to %s among %d", kind, to, len(o.sent))
	return identity.Mail{}
}

func (o *outbox) count(kind string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, m := range o.sent {
		if m.Kind == kind {
			n++
		}
	}
	return n
}

// token reads the jeton parameter of a mailed link.
func token(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("jeton") == "" {
		t.Fatalf("link %q has no token", link)
	}
	return u.Query().Get("jeton")
}

type fixture struct {
	secrets   map[string]string // account id → TOTP secret
	passwords map[string]string // account id → password, when not goodPassword
	svc       *identity.Service
	clock     *clock
	mail      *outbox
	db        *database.DB
	ended     []string
	mu        sync.Mutex
}

func newFixture(t *testing.T, db *database.DB) *fixture {
	t.Helper()
	f := &fixture{clock: &clock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}, mail: &outbox{}, db: db}
	svc, err := identity.New(db, identity.Options{Now: f.clock.Now, Mailer: f.mail,
		Link: func(p string) string { return "https://guichet.example" + p },
		OnSessionEnded: func(_ context.Context, ref, _ string) {
			f.mu.Lock()
			f.ended = append(f.ended, ref)
			f.mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

const goodPassword = "Lac-Saint-Jean en canot 2026"

var client = identity.Client{Addr: "192.0.2.10:51000", Device: "test"}

// citizen signs a citizen up and verifies the address.
func (f *fixture) citizen(t *testing.T, email string) identity.Account {
	t.Helper()
	ctx := context.Background()
	if err := f.svc.SignUp(ctx, identity.SignUp{Email: email, GivenName: "Marie", FamilyName: "Tremblay", Password: goodPassword, Addr: client.Addr}); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	a, err := f.svc.VerifyEmail(ctx, token(t, f.mail.last(t, "identity.verify_email", strings.ToLower(email)).Link))
	if err != nil {
		t.Fatalf("VerifyEmail: %v", err)
	}
	return a
}

// enrolTOTP gives a signed-in account an authenticator app and returns its
// secret, the new (elevated) session and the recovery codes.
func (f *fixture) enrolTOTP(t *testing.T, a identity.Account, sessionID string) (string, identity.SignedIn, []string) {
	t.Helper()
	ctx := context.Background()
	e, err := f.svc.BeginTOTP(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if f.secrets == nil {
		f.secrets = map[string]string{}
	}
	f.secrets[a.ID] = e.Secret
	code, _ := identity.TOTPCode(e.Secret, f.clock.Now())
	in, codes, err := f.svc.ConfirmTOTP(ctx, sessionID, code, f.passwordOf(a), client)
	if err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	f.clock.Add(30 * time.Second) // the next code is a new step
	return e.Secret, in, codes
}

func (f *fixture) secretOf(t *testing.T, a identity.Account) string {
	t.Helper()
	s, ok := f.secrets[a.ID]
	if !ok {
		t.Fatal("no authenticator enrolled in this test")
	}
	return s
}

// passwordOf is the password an account of these tests was given (the
// counter recovery test sets another, remembered in passwords).
func (f *fixture) passwordOf(a identity.Account) string {
	if p, ok := f.passwords[a.ID]; ok {
		return p
	}
	return goodPassword
}
