package dossier_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/dossier"
	"github.com/guichet-qc/guichet/internal/errs"
)

var ctx = context.Background()

func TestOpenNeedsPurposeAndReference(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		cases := []struct {
			name  string
			req   dossier.OpenRequest
			code  errs.Code
			field string
		}{
			{"no purpose", dossier.OpenRequest{Citizen: f.citizen.Email, Reference: "RV-7K3M9P"}, errs.Invalid, "purpose"},
			{"no reference", dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "carte-assurance-maladie"}, errs.Invalid, "reference"},
			{"blank reference", dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "carte-assurance-maladie", Reference: "   "}, errs.Invalid, "reference"},
			{"neither", dossier.OpenRequest{Citizen: f.citizen.Email}, errs.Invalid, "purpose"},
			{"another organization's purpose", dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "changement-adresse", Reference: "DOS-1234"}, errs.Forbidden, "purpose"},
			{"break-glass without purpose", dossier.OpenRequest{Citizen: f.citizen.Email, Reference: "DOS-1234", BreakGlass: true,
				Justification: strings.Repeat("urgence médicale ", 3)}, errs.Invalid, "purpose"},
			{"break-glass without justification", dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "carte-assurance-maladie",
				Reference: "DOS-1234", BreakGlass: true}, errs.Invalid, "justification"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.Open(ctx, f.agent, c.req)
				e := errs.As(err)
				if err == nil || e.Code != c.code || e.Field != c.field {
					t.Fatalf("Open = %v, want %s on %s", err, c.code, c.field)
				}
			})
		}
		if _, err := f.svc.Open(ctx, f.citizen, dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "carte-assurance-maladie", Reference: "X-1234"}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a citizen opening a file: %v", err)
		}
		var n int
		db.Read(ctx, func(tx *database.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM dossier_accesses`).Scan(&n)
		})
		if n != 0 {
			t.Errorf("%d accesses recorded by refused requests", n)
		}
	})
}

func TestOpenShowsOnlyThePurposeFieldsAndAudits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		got, err := f.svc.Open(ctx, f.agent, dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "verification-identite", Reference: "RV-7K3M9P"})
		if err != nil {
			t.Fatal(err)
		}
		if got.File.Attributes[dossier.FieldBirthDate] != "1987-04-12" || got.File.Attributes[dossier.FieldGivenName] != "Léa" {
			t.Errorf("allowed fields missing: %v", got.File.Attributes)
		}
		for _, hidden := range []string{dossier.FieldHealthNumber, dossier.FieldAddress, dossier.FieldPhone} {
			if _, ok := got.File.Attributes[hidden]; ok {
				t.Errorf("identity check shows %s", hidden)
			}
		}
		if len(got.File.Cards) != 0 {
			t.Error("identity check shows the cards")
		}
		e, err := f.log.EntryByID(ctx, got.Access.AuditID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Actor != "account:agt-1" || e.Organization != "ramq" || e.Action != dossier.ActionRead || e.Object != "dossier:cit-1" || e.Purpose != "verification-identite" {
			t.Errorf("audit entry %+v", e)
		}
		enc := string(audit.EncodeEntry(e))
		for _, personal := range []string{"Léa", "Tremblay", "1987", "TREL", "lea@example.com", "RV-7K3M9P"} {
			if strings.Contains(enc, personal) {
				t.Errorf("the audit entry holds %q:\n%s", personal, enc)
			}
		}
	})
}

func TestHistoryProofsVerifyAndTamperingShows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		for _, ref := range []string{"RV-AAAA11", "RV-BBBB22"} {
			f.now = f.now.Add(1e9)
			if _, err := f.svc.Open(ctx, f.agent, dossier.OpenRequest{Citizen: f.citizen.ID, Purpose: "carte-assurance-maladie", Reference: ref}); err != nil {
				t.Fatal(err)
			}
		}
		// Without waiting for the background loop: History integrates and signs.
		list, _, err := f.svc.History(ctx, f.citizen.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Reference != "RV-BBBB22" || list[1].Reference != "RV-AAAA11" {
			t.Fatalf("history not newest first: %+v", list)
		}
		for _, s := range list {
			if s.AgentName != "Marc Gagnon" || !s.Verified || !s.Matches || s.Seq < 0 {
				t.Errorf("access %s: agent %q verified %v matches %v seq %d", s.Reference, s.AgentName, s.Verified, s.Matches, s.Seq)
			}
			if err := audit.VerifyInclusion(s.Proof, nil, f.verifier); err != nil {
				t.Errorf("proof of %d: %v", s.Seq, err)
			}
		}
		target := list[0]

		// Editing the access row (another reference) no longer matches the log.
		exec(t, db, `UPDATE dossier_accesses SET reference = 'RV-ZZZZ99' WHERE id = ?`, target.ID)
		list, _, _ = f.svc.History(ctx, f.citizen.ID, 0)
		if list[0].Matches {
			t.Error("an edited access row still matches its audit entry")
		}
		// Editing the audit entry fails the verification of the log and of the proof.
		exec(t, db, `UPDATE audit_entries SET purpose = 'autre' WHERE seq = ?`, target.Seq)
		if _, err := audit.Verify(ctx, db, f.verifier); err == nil {
			t.Fatal("audit.Verify accepts an edited access entry")
		} else if ve, ok := err.(*audit.VerifyError); !ok || ve.Seq != target.Seq {
			t.Errorf("Verify names %v, want entry %d", err, target.Seq)
		}
		forged := target.Proof
		forged.Entry.Purpose = "autre"
		if audit.VerifyInclusion(forged, nil, f.verifier) == nil {
			t.Error("a proof of the edited entry verifies")
		}
	})
}

func exec(t *testing.T, db *database.DB, q string, args ...any) {
	t.Helper()
	if err := db.Write(ctx, func(tx *database.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
		t.Fatal(err)
	}
}

func TestConsentGrantRevokeWithReceipts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		req := dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "changement-adresse", Reference: "CA-2026-0042"}
		if _, err := f.svc.Open(ctx, f.other, req); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("without consent: %v", err)
		}
		c, err := f.svc.Grant(ctx, f.citizen.ID, "services-quebec", "changement-adresse", []string{dossier.FieldAddress, dossier.FieldHealthNumber})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(c.Fields, ",") != dossier.FieldAddress {
			t.Errorf("granted %v: only fields of the purpose may be granted", c.Fields)
		}
		got, err := f.svc.Open(ctx, f.other, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.File.Attributes[dossier.FieldAddress] == "" || len(got.File.Attributes) != 1 {
			t.Errorf("with consent to the address: %v", got.File.Attributes)
		}
		payload, err := f.receipts.Verify(c.GrantReceipt)
		if err != nil {
			t.Fatal(err)
		}
		var r dossier.Receipt
		json.Unmarshal(payload, &r)
		if r.Type != "grant" || r.Subject != f.citizen.ID || r.Purpose != "changement-adresse" || r.Consent != c.ID {
			t.Errorf("grant receipt %+v", r)
		}
		revoked, err := f.svc.Revoke(ctx, f.citizen.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Open(ctx, f.other, req); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("right after revocation: %v", err)
		}
		if payload, err = f.receipts.Verify(revoked.RevokeReceipt); err != nil || !strings.Contains(string(payload), `"typ":"revoke"`) {
			t.Errorf("revocation receipt: %v %s", err, payload)
		}
		tampered := revoked.RevokeReceipt[:len(revoked.RevokeReceipt)-4] + "AAAA"
		if _, err := f.receipts.Verify(tampered); err == nil {
			t.Error("a tampered receipt verifies")
		}
		if _, err := f.svc.Revoke(ctx, f.citizen.ID, c.ID); !errs.Is(err, errs.Conflict) {
			t.Errorf("revoking twice: %v", err)
		}
		if _, err := f.svc.Revoke(ctx, f.agent.ID, c.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("revoking someone else's consent: %v", err)
		}
	})
}

func TestBreakGlassNotifiesAndIsReviewed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		got, err := f.svc.Open(ctx, f.agent, dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "verification-identite", Reference: "URG-2026-7",
			BreakGlass: true, Justification: "Personne inconsciente à l’urgence, identité à confirmer pour les soins."})
		if err != nil {
			t.Fatal(err)
		}
		if got.File.Attributes[dossier.FieldHealthNumber] == "" {
			t.Error("break-glass does not override the purpose's fields")
		}
		k := f.mail.kinds()
		if strings.Join(k["dossier.break_glass"], ",") != f.citizen.Email || strings.Join(k["dossier.break_glass_review"], ",") != f.officer.Email {
			t.Errorf("notices: %v", k)
		}
		if _, err := f.svc.ReviewQueue(ctx, f.agent); !errs.Is(err, errs.Forbidden) {
			t.Errorf("an agent sees the review queue: %v", err)
		}
		q, err := f.svc.ReviewQueue(ctx, f.officer)
		if err != nil || len(q) != 1 || !strings.HasPrefix(q[0].Justification, "Personne inconsciente") || !q[0].ReviewedAt.IsZero() {
			t.Fatalf("queue: %v %+v", err, q)
		}
		if err := f.svc.MarkReviewed(ctx, f.officer, q[0].ID, "Justifié : admission confirmée."); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MarkReviewed(ctx, f.officer, q[0].ID, "encore"); !errs.Is(err, errs.Conflict) {
			t.Errorf("reviewed twice: %v", err)
		}
		q, _ = f.svc.ReviewQueue(ctx, f.officer)
		if q[0].ReviewedAt.IsZero() || q[0].ReviewedBy != "Nadia Roy" || q[0].ReviewNote != "Justifié : admission confirmée." {
			t.Errorf("after review: %+v", q[0])
		}
	})
}

// TestNothingPersonalInTheDatabaseFile searches the raw bytes of the SQLite
// files (database and write-ahead log) for values known to be on file.
func TestNothingPersonalInTheDatabaseFile(t *testing.T) {
	dsn := dbtest.DSN(t, database.SQLite)
	db, err := database.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db)
	if _, err := f.svc.Open(ctx, f.agent, dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "verification-identite", Reference: "URG-2026-8",
		BreakGlass: true, Justification: "Justification-secrète-XYZ pour une urgence réelle au comptoir."}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RequestCorrection(ctx, f.citizen.ID, "ramq", dossier.FieldAddress, "Nouvelle-adresse-QWERTY à corriger"); err != nil {
		t.Fatal(err)
	}
	f.log.Close(ctx)
	db.Close()
	path := strings.TrimPrefix(dsn, "sqlite:")
	var raw []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if !bytes.Contains(raw, []byte("lea@example.com")) {
		t.Fatal("the search finds nothing at all: the account's address should be there (it is not a file field)")
	}
	for _, secret := range []string{"TREL87541299", "1987-04-12", "Saint-Denis", "514-555-0199", "Justification-secrète-XYZ", "Nouvelle-adresse-QWERTY"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%q is readable in %s", secret, filepath.Base(path))
		}
	}
}

func TestKeyRotationAndReencryption(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		if _, err := f.svc.RequestCorrection(ctx, f.citizen.ID, "ramq", dossier.FieldPhone, "Mon numéro a changé."); err != nil {
			t.Fatal(err)
		}
		before, _ := f.svc.Mine(ctx, f.citizen.ID)
		// The OpenID provider's signing keys, under the same keyring: one
		// sealed under ka, one stored in clear before sealing began.
		ka := mustKeyring(t, keyA)
		if err := db.Write(ctx, func(tx *database.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO oidc_keys (id, private_key, created_at) VALUES ('k-sealed', ?, 1), ('k-clear', 'Y2xlYXI', 2)`,
				ka.Seal("c2VhbGVk", "oidc_keys:k-sealed")); err != nil {
				return err
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		// Rotation: kb first, ka still there. Old rows read; new writes use kb.
		rotated := f.service(mustKeyring(t, keyB+"\n"+keyA))
		after, err := rotated.Mine(ctx, f.citizen.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Attributes[dossier.FieldHealthNumber] != before.Attributes[dossier.FieldHealthNumber] || after.Cards[0].Number != "TREL87541299" {
			t.Fatalf("after rotation: %+v", after)
		}
		if err := rotated.Record(ctx, "system:test", "ramq", f.citizen.ID, map[string]string{dossier.FieldPhone: "438-555-0100"}); err != nil {
			t.Fatal(err)
		}
		var sealed string
		db.Read(ctx, func(tx *database.Tx) error {
			return tx.QueryRow(ctx, `SELECT value FROM dossier_fields WHERE citizen_id = ? AND field = 'phone'`, f.citizen.ID).Scan(&sealed)
		})
		if dossier.KeyOf(sealed) != "kb" {
			t.Errorf("a new write is sealed under %q, want kb", dossier.KeyOf(sealed))
		}
		left, _ := rotated.CountNotUnder(ctx, "kb")
		if left == 0 {
			t.Fatal("nothing left under the old key before re-encryption: the test proves nothing")
		}
		rep, err := rotated.Reencrypt(ctx, 2) // small batches: several transactions
		if err != nil {
			t.Fatal(err)
		}
		if rep.Moved != left || rep.Remaining != 0 {
			t.Errorf("re-encryption %+v, %d were under the old key", rep, left)
		}
		again, _ := rotated.Reencrypt(ctx, 2)
		if again.Moved != 0 {
			t.Errorf("a second run moved %d", again.Moved)
		}
		// The old key can go: everything reads with kb alone.
		only := f.service(mustKeyring(t, keyB))
		final, err := only.Mine(ctx, f.citizen.ID)
		if err != nil || final.Attributes[dossier.FieldPhone] != "438-555-0100" || final.Attributes[dossier.FieldBirthDate] != "1987-04-12" {
			t.Fatalf("with the new key only: %v %+v", err, final)
		}
		if cs, err := only.MyCorrections(ctx, f.citizen.ID); err != nil || cs[0].Message != "Mon numéro a changé." {
			t.Errorf("corrections with the new key only: %v %+v", err, cs)
		}
		// The signing keys moved too (the clear one is now sealed).
		kb := mustKeyring(t, keyB)
		for id, want := range map[string]string{"k-sealed": "c2VhbGVk", "k-clear": "Y2xlYXI"} {
			var v string
			db.Read(ctx, func(tx *database.Tx) error {
				return tx.QueryRow(ctx, `SELECT private_key FROM oidc_keys WHERE id = ?`, id).Scan(&v)
			})
			if got, err := kb.Open(v, "oidc_keys:"+id); err != nil || got != want {
				t.Errorf("signing key %s after re-encryption: %q %v", id, got, err)
			}
		}
		// And the old key alone reads nothing any more.
		if _, err := f.service(mustKeyring(t, keyA)).Mine(ctx, f.citizen.ID); err == nil {
			t.Error("the old key still opens re-encrypted rows")
		}
	})
}

func TestSealedValuesAreBoundToTheirRow(t *testing.T) {
	k := mustKeyring(t, keyA)
	s := k.Seal("TREL87541299", "dossier_fields|a|health_number")
	if _, err := k.Open(s, "dossier_fields|b|health_number"); err == nil {
		t.Error("a value moved to another citizen's row opens")
	}
	if v, err := k.Open(s, "dossier_fields|a|health_number"); err != nil || v != "TREL87541299" {
		t.Errorf("Open = %q, %v", v, err)
	}
	for _, bad := range []string{"", "x:AAAA", "ka:" + strings.Repeat("A", 20), keyA + "\n" + keyA} {
		if _, err := dossier.ParseKeyring([]byte(bad)); err == nil {
			t.Errorf("ParseKeyring(%q) accepted", bad)
		}
	}
}

func TestCardReminderOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		if _, err := f.svc.AddCard(ctx, "system:test", "saaq", f.citizen.ID, dossier.Card{Kind: "driving_licence", Number: "T1234-870412-01",
			ExpiresOn: f.now.AddDate(0, 6, 0)}); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.SendCardReminders(ctx)
		if err != nil || n != 1 {
			t.Fatalf("reminders: %d %v (one card expires in 30 days, one in 6 months)", n, err)
		}
		if n, _ := f.svc.SendCardReminders(ctx); n != 0 {
			t.Errorf("second run sent %d", n)
		}
		f.mail.mu.Lock()
		last := f.mail.sent[len(f.mail.sent)-1]
		f.mail.mu.Unlock()
		if last.Kind != "dossier.card_reminder" || last.To != f.citizen.Email || last.Args[2] != "https://guichet.example/fr/services/ramq-carte-renouvellement" {
			t.Errorf("reminder %+v", last)
		}
	})
}

func TestExportIsSignedAndComplete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		if _, err := f.svc.Open(ctx, f.agent, dossier.OpenRequest{Citizen: f.citizen.Email, Purpose: "carte-assurance-maladie", Reference: "RV-CCCC33"}); err != nil {
			t.Fatal(err)
		}
		ex, err := f.svc.Export(ctx, f.citizen.ID)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := f.receipts.Verify(ex.JWS)
		if err != nil || !bytes.Equal(payload, ex.Data) {
			t.Fatalf("export signature: %v", err)
		}
		var d dossier.ExportData
		json.Unmarshal(ex.Data, &d)
		if d.File.Attributes[dossier.FieldHealthNumber] != "TREL87541299" || len(d.File.Cards) != 1 || len(d.Accesses) != 1 || d.Accesses[0].AgentName != "Marc Gagnon" {
			t.Errorf("export: %+v", d)
		}
	})
}

func TestCorrectionFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		c, err := f.svc.RequestCorrection(ctx, f.citizen.ID, "ramq", dossier.FieldAddress, "J’habite maintenant au 55, rue Laurier.")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RequestCorrection(ctx, f.citizen.ID, "nulle-part", dossier.FieldAddress, "Une demande perdue."); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown organization: %v", err)
		}
		q, err := f.svc.CorrectionQueue(ctx, f.agent)
		if err != nil || len(q) != 1 || q[0].ID != c.ID || q[0].Message != "" || q[0].CitizenID != "" {
			t.Fatalf("queue shows %+v (%v): it must not show the text nor whose it is", q, err)
		}
		if q, _ := f.svc.CorrectionQueue(ctx, f.other); len(q) != 0 {
			t.Errorf("another organization sees %d requests", len(q))
		}
		opened, err := f.svc.Open(ctx, f.agent, dossier.OpenRequest{Citizen: f.citizen.ID, Purpose: "correction", Reference: c.ID})
		if err != nil || len(opened.File.Corrections) != 1 || opened.File.Corrections[0].Message != c.Message {
			t.Fatalf("opened for the correction: %v %+v", err, opened.File.Corrections)
		}
		if err := f.svc.ResolveCorrection(ctx, f.other, c.ID, "Pas à nous."); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organization resolves: %v", err)
		}
		if err := f.svc.ResolveCorrection(ctx, f.agent, c.ID, "Adresse mise à jour."); err != nil {
			t.Fatal(err)
		}
		mine, _ := f.svc.MyCorrections(ctx, f.citizen.ID)
		if mine[0].Status != "done" || mine[0].Resolution != "Adresse mise à jour." || mine[0].ResolvedBy != "Marc Gagnon" {
			t.Errorf("the citizen sees %+v", mine[0])
		}
	})
}
