package dossier_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/dossier"
	"github.com/guichet-qc/guichet/internal/identity"
)

var quiet = slog.New(slog.DiscardHandler)

// outbox records the notices instead of mailing them.
type outbox struct {
	mu   sync.Mutex
	sent []dossier.Notice
}

func (o *outbox) Notify(_ context.Context, _ *database.Tx, n dossier.Notice) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, n)
	return nil
}

func (o *outbox) kinds() map[string][]string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string][]string{}
	for _, n := range o.sent {
		out[n.Kind] = append(out[n.Kind], n.To)
	}
	return out
}

// fixture is a service on a fresh database with accounts.
type fixture struct {
	db       *database.DB
	svc      *dossier.Service
	log      *audit.Log
	verifier note.Verifier
	mail     *outbox
	keys     *dossier.Keyring
	receipts *dossier.Receipts
	now      time.Time
	citizen  identity.Account
	agent    identity.Account // ramq
	officer  identity.Account // ramq privacy officer
	other    identity.Account // services-quebec
}

const keyA = "ka:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
const keyB = "kb:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="

func mustKeyring(t testing.TB, text string) *dossier.Keyring {
	t.Helper()
	k, err := dossier.ParseKeyring([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newFixture(t testing.TB, db *database.DB) *fixture {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.KeyName)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	log := audit.New(db, signer, audit.Options{Logger: quiet})
	log.Start(context.Background())
	t.Cleanup(func() { log.Close(context.Background()) })
	f := &fixture{db: db, log: log, verifier: verifier, mail: &outbox{}, now: time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)}
	f.keys = mustKeyring(t, keyA)
	f.receipts, err = dossier.LoadOrCreateReceipts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = f.service(f.keys)
	f.citizen = f.account(t, "cit-1", identity.Citizen, "lea@example.com", "", nil, "Léa", "Tremblay")
	f.agent = f.account(t, "agt-1", identity.Agent, "marc@ramq.example", "ramq", []identity.Role{identity.RoleAgent}, "Marc", "Gagnon")
	f.officer = f.account(t, "agt-2", identity.Agent, "dpo@ramq.example", "ramq", []identity.Role{identity.RoleAgent, identity.RolePrivacyOfficer}, "Nadia", "Roy")
	f.other = f.account(t, "agt-3", identity.Agent, "sq@sq.example", "services-quebec", []identity.Role{identity.RoleAgent}, "Paul", "Côté")
	ctx := context.Background()
	for _, p := range dossier.DemoPurposes([]string{"ramq", "services-quebec"}) {
		if err := f.svc.DefinePurpose(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Record(ctx, "system:test", "ramq", f.citizen.ID, map[string]string{
		dossier.FieldGivenName: "Léa", dossier.FieldFamilyName: "Tremblay", dossier.FieldBirthDate: "1987-04-12",
		dossier.FieldAddress: "1234, rue Saint-Denis, Montréal QC H2X 3K8", dossier.FieldHealthNumber: "TREL87541299",
		dossier.FieldPhone: "514-555-0199"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddCard(ctx, "system:test", "ramq", f.citizen.ID, dossier.Card{Kind: "health_card", Number: "TREL87541299",
		ExpiresOn: f.now.AddDate(0, 0, 30)}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) service(k *dossier.Keyring) *dossier.Service {
	return dossier.New(f.db, dossier.Options{Keys: k, Audit: f.log, Verifier: f.verifier, Receipts: f.receipts, Mailer: f.mail,
		Now: func() time.Time { return f.now }, Logger: quiet,
		RenewLink: func(lang, kind string) string {
			return "https://guichet.example/" + lang + "/services/" + dossier.CardKinds[kind].Service
		},
		AccessesLink: func(lang string) string { return "https://guichet.example/" + lang + "/accesses" },
		ReviewLink:   func(lang string) string { return "https://guichet.example/" + lang + "/review" }})
}

func (f *fixture) account(t testing.TB, id, kind, email, org string, roles []identity.Role, given, family string) identity.Account {
	t.Helper()
	rolesJSON := "[]"
	if len(roles) > 0 {
		rolesJSON = `["` + string(roles[0])
		for _, r := range roles[1:] {
			rolesJSON += `","` + string(r)
		}
		rolesJSON += `"]`
	}
	err := f.db.Write(context.Background(), func(tx *database.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO identity_accounts (id, kind, email, given_name, family_name, password_hash, organization_id, roles, created_at)
			VALUES (?, ?, ?, ?, ?, 'x', ?, ?, 0)`, id, kind, email, given, family, org, rolesJSON)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return identity.Account{ID: id, Kind: kind, Email: email, GivenName: given, FamilyName: family, OrganizationID: org, Roles: roles}
}
