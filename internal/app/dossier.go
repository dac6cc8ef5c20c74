package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/catalog/demo"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/dossier"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/notify"
)

// startDossier opens the citizens' files: the keyring (--dossier-keys, or
// a key generated in the data directory), the receipt key, the audit log's
// verifier for the proofs, the card reminders (now, then hourly), and on a
// demonstration platform the organizations' purposes and a demonstration
// citizen with a file.
func (a *App) startDossier(ctx context.Context) error {
	keys, err := LoadDossierKeys(a.cfg.DossierKeys, a.cfg.DataDir)
	if err != nil {
		return err
	}
	a.keys = keys
	receipts, err := dossier.LoadOrCreateReceipts(a.cfg.DataDir)
	if err != nil {
		return err
	}
	verifier, err := audit.LoadVerifier(filepath.Join(a.cfg.DataDir, audit.VerifyKeyFile))
	if err != nil {
		return err
	}
	a.dossier = dossier.New(a.db, dossier.Options{Keys: keys, Audit: a.audit, Verifier: verifier, Receipts: receipts,
		Mailer: dossierMailer{a: a}, Logger: a.log, ReminderLead: a.cfg.CardReminderLead, Nudge: a.outbox.Nudge,
		RenewLink: func(lang, kind string) string {
			path := map[string]string{"fr": "/fr/services/", "en": "/en/services/"}[lang]
			if path == "" {
				path = "/fr/services/"
			}
			return a.URL() + path + url.PathEscape(dossier.CardKinds[kind].Service)
		},
		AccessesLink: func(lang string) string {
			if lang == "en" {
				return a.URL() + "/en/account/file/accesses"
			}
			return a.URL() + "/fr/compte/dossier/consultations"
		},
		ReviewLink: func(lang string) string {
			if lang == "en" {
				return a.URL() + "/en/agent/privacy"
			}
			return a.URL() + "/fr/agent/confidentialite"
		}})
	if a.demoLoaded(ctx) {
		if err := a.demoDossier(ctx); err != nil {
			return err
		}
	}
	go a.dossier.RemindEvery(a.bg, time.Hour)
	return nil
}

// LoadDossierKeys reads the keyring file, or the development keyring in the
// data directory (generated on first use) when file is "".
func LoadDossierKeys(file, dataDir string) (*dossier.Keyring, error) {
	if file != "" {
		return dossier.LoadKeyring(file)
	}
	return dossier.LoadOrCreateKeyring(dataDir)
}

// Dossier is the citizens' files service.
func (a *App) Dossier() *dossier.Service { return a.dossier }

// dossierMailer words the file's notices in the person's language and
// writes them into the outbox.
type dossierMailer struct{ a *App }

func (m dossierMailer) Notify(ctx context.Context, tx *database.Tx, n dossier.Notice) error {
	l := i18n.Lang(n.Lang)
	if l != i18n.EN {
		l = i18n.FR
	}
	kind := strings.TrimPrefix(n.Kind, "dossier.")
	var args []any
	switch n.Kind {
	case "dossier.break_glass": // organization, link
		org := n.Args[0]
		if o, err := m.a.catalog.Organization(org); err == nil {
			org = o.Name.In(l)
		}
		args = []any{org, n.Args[1]}
	case "dossier.card_reminder": // kind, expiry date, link
		when := n.Args[1]
		if t, err := time.Parse("2006-01-02", n.Args[1]); err == nil {
			when = l.OnDate(t)
		}
		args = []any{strings.ToLower(i18n.T(l, "dossier.card."+n.Args[0])), when, n.Args[2]}
	default:
		for _, s := range n.Args {
			args = append(args, s)
		}
	}
	_, err := notify.Enqueue(ctx, tx, notify.Message{Kind: n.Kind, To: n.To, Lang: string(l),
		Subject: i18n.T(l, "dossier.mail."+kind+".subject"), Text: i18n.T(l, "dossier.mail."+kind+".body", args...)})
	return err
}

// DemoCitizenEmail is the demonstration citizen's address.
const DemoCitizenEmail = "citoyen@demo.guichet.example"

// demoCitizenFile, in the data directory, holds "email password" of the
// demonstration citizen (mode 0600), to sign in and see who opened the file.
const demoCitizenFile = "demo-citizen.txt"

// demoDossier defines, once, the purposes of the demonstration
// organizations, and creates a demonstration citizen with a file (identity,
// a health card expiring soon, a driver's licence).
func (a *App) demoDossier(ctx context.Context) error {
	data, err := demo.Load()
	if err != nil {
		return err
	}
	var orgs []string
	for _, o := range data.Organizations {
		orgs = append(orgs, o.ID)
	}
	existing, err := a.dossier.Purposes(ctx, "")
	if err != nil {
		return err
	}
	if len(existing) == 0 {
		for _, p := range dossier.DemoPurposes(orgs) {
			if err := a.dossier.DefinePurpose(ctx, p); err != nil {
				return err
			}
		}
	}
	var id string
	err = a.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM identity_accounts WHERE email = ?`, DemoCitizenEmail).Scan(&id)
	})
	if err == nil || !errs.Is(err, errs.NotFound) {
		return err // created before (or a real error)
	}
	password := identity.NewPassword()
	id = newDemoID()
	now := time.Now()
	err = a.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO identity_accounts (id, kind, email, email_verified_at, given_name, family_name, locale, password_hash, created_at)
			VALUES (?, ?, ?, ?, 'Camille', 'Démo', 'fr', ?, ?) ON CONFLICT (email) DO NOTHING`,
			id, identity.Citizen, DemoCitizenEmail, now.UnixMilli(), identity.HashPassword(password), now.UnixMilli())
		return err
	})
	if err != nil {
		return err
	}
	if err := a.dossier.Record(ctx, "system:demo", "", id, map[string]string{
		dossier.FieldGivenName: "Camille", dossier.FieldFamilyName: "Démo", dossier.FieldBirthDate: "1990-06-24",
		dossier.FieldAddress: "1000, rue Sherbrooke Ouest, Montréal (Québec) H3A 3G4", dossier.FieldPhone: "514-555-0142",
		dossier.FieldHealthNumber: "DEMC90562499", dossier.FieldLicenceNumber: "D1234-240690-05"}); err != nil {
		return err
	}
	for _, c := range []dossier.Card{{Kind: "health_card", Number: "DEMC90562499", ExpiresOn: now.AddDate(0, 0, 45)},
		{Kind: "driving_licence", Number: "D1234-240690-05", ExpiresOn: now.AddDate(2, 0, 0)}} {
		if _, err := a.dossier.AddCard(ctx, "system:demo", "", id, c); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(a.cfg.DataDir, demoCitizenFile), []byte(DemoCitizenEmail+" "+password+"\n"), 0o600); err != nil {
		return err
	}
	a.log.Info("demonstration citizen created; its e-mail and password are in the file", "file", filepath.Join(a.cfg.DataDir, demoCitizenFile))
	return nil
}

func newDemoID() string {
	var b [15]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
}
