package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/config"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/web"
)

// canaries are values on the demonstration citizen's file: no answer to an
// agent may hold them unless the agent stated a purpose and a reference.
var canaries = []string{"DEMC90562499", "1990-06-24", "Sherbrooke Ouest", "514-555-0142", "D1234-240690-05"}

// dossierPlatform starts a platform and signs the demonstration agent in.
type dossierPlatform struct {
	*running
	dataDir            string
	agent              *browser
	citizenEmail, pass string
	citizenID          string
}

func startDossier(t *testing.T, d database.Dialect) *dossierPlatform {
	t.Helper()
	var dir string
	r := start(t, d, func(c *config.Config) { dir = c.DataDir })
	p := &dossierPlatform{running: r, dataDir: dir, agent: newBrowser(t, r.url)}
	email, password, secret, ok := r.DemoAgent()
	if !ok {
		t.Fatal("no demonstration agent")
	}
	if resp := p.agent.signIn(email, password, secret, "/fr/agent"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("agent sign-in: %d", resp.StatusCode)
	}
	b, err := os.ReadFile(filepath.Join(dir, "demo-citizen.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	p.citizenEmail, p.pass = f[0], f[1]
	err = r.DB().Read(context.Background(), func(tx *database.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM identity_accounts WHERE email = ?`, p.citizenEmail).Scan(&p.citizenID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// csrf returns the browser's form token (any form page carries it).
func (b *browser) csrf(from string) string {
	b.t.Helper()
	_, page := b.get(from)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no csrf_token on %s", from)
	}
	return m[1]
}

func leaks(body string) []string {
	var out []string
	for _, c := range canaries {
		if strings.Contains(body, c) {
			out = append(out, c)
		}
	}
	return out
}

// TestNoPersonalDataWithoutPurpose enumerates every route of the router. A
// signed-in agent requests each one that an agent, an account or the API
// can reach, naming the demonstration citizen in every way a route could
// take it (wildcards, e-mail, account id), without a purpose or a
// reference: no answer may hold a value of the citizen's file. The routes
// that do show a file (web.PersonalDataRoutes) must exist, refuse without a
// purpose, refuse without a reference, and show the file with both — so
// the test can fail, and a new route that shows the file without going
// through the purpose check is caught by the sweep.
func TestNoPersonalDataWithoutPurpose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		p := startDossier(t, d.Dialect)
		b := p.agent
		token := b.csrf("/fr/agent/dossiers")
		routes := p.Routes()
		registered := map[string]bool{}
		for _, rt := range routes {
			registered[rt.Method+" "+rt.Path] = true
		}
		personal := web.PersonalDataRoutes()
		for _, pr := range personal {
			if !registered[pr] {
				t.Errorf("personal-data route %q is not in the router", pr)
			}
		}
		wildcard := regexp.MustCompile(`\{[^}]+\}`)
		swept := 0
		for _, rt := range routes {
			key := rt.Method + " " + rt.Path
			if slices.Contains(personal, key) {
				continue
			}
			path := strings.TrimSuffix(rt.Path, "{$}")
			if !(strings.HasPrefix(path, "/fr/agent") || strings.HasPrefix(path, "/en/agent") || strings.HasPrefix(path, "/fr/compte") ||
				strings.HasPrefix(path, "/en/account") || strings.HasPrefix(path, "/api/")) {
				continue
			}
			if strings.Contains(path, "deconnexion") || strings.Contains(path, "sign-out") {
				continue
			}
			if rt.Example != "" {
				path = rt.Example
			}
			path = wildcard.ReplaceAllString(path, p.citizenID)
			q := url.Values{"citizen": {p.citizenEmail}, "email": {p.citizenEmail}, "id": {p.citizenID}, "q": {p.citizenEmail}}
			var resp *http.Response
			var body string
			switch rt.Method {
			case http.MethodGet:
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				resp, body = b.get(path + sep + q.Encode())
			case http.MethodPost:
				q.Set("csrf_token", token)
				resp, body = b.do("POST", path, q)
			default:
				continue
			}
			swept++
			if l := leaks(body); len(l) > 0 {
				t.Errorf("%s (%s) answers %d with the citizen's %v without a purpose", key, path, resp.StatusCode, l)
			}
		}
		if swept < 30 {
			t.Fatalf("only %d routes swept: is the enumeration broken?", swept)
		}
		if resp, _ := b.get("/fr/agent"); resp.StatusCode != http.StatusOK {
			t.Fatalf("the agent's session did not survive the sweep: %d", resp.StatusCode)
		}

		for _, pr := range personal {
			path := strings.TrimPrefix(pr, "POST ")
			for _, c := range []struct {
				name    string
				form    url.Values
				status  int
				showing bool
			}{
				{"no purpose", url.Values{"citizen": {p.citizenEmail}, "reference": {"RV-AAAA11"}}, http.StatusUnprocessableEntity, false},
				{"no reference", url.Values{"citizen": {p.citizenEmail}, "purpose": {"correction"}}, http.StatusUnprocessableEntity, false},
				{"neither", url.Values{"citizen": {p.citizenID}}, http.StatusUnprocessableEntity, false},
				{"break-glass alone", url.Values{"citizen": {p.citizenEmail}, "break_glass": {"1"},
					"justification": {"Urgence : personne inconsciente, identité à confirmer."}}, http.StatusUnprocessableEntity, false},
				{"purpose and reference", url.Values{"citizen": {p.citizenEmail}, "purpose": {"correction"}, "reference": {"RV-AAAA11"}}, http.StatusOK, true},
			} {
				c.form.Set("csrf_token", token)
				resp, body := b.do("POST", path, c.form)
				if resp.StatusCode != c.status || (len(leaks(body)) > 0) != c.showing {
					t.Errorf("%s, %s: status %d (want %d), leaks %v (want the file shown: %v)", pr, c.name, resp.StatusCode, c.status, leaks(body), c.showing)
				}
			}
		}
	})
}

// TestCitizenSeesWhoAccessedTheFile: an agent opens the demonstration
// citizen's file for a purpose; the citizen sees, in French and in English,
// the agent's name, the organization, the purpose, the reference and the
// time, with a proof that verifies against the signed checkpoint; editing
// the stored entry then fails the log's verification and the page says so.
func TestCitizenSeesWhoAccessedTheFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		p := startDossier(t, d.Dialect)
		resp, body := p.agent.post("/fr/agent/dossiers", "/fr/agent/dossiers", url.Values{"citizen": {p.citizenEmail},
			"purpose": {"verification-identite"}, "reference": {"RV-7K3M9P"}})
		wantStatus(t, "open a file", resp, body, http.StatusOK)
		if !strings.Contains(body, "1990-06-24") || strings.Contains(body, "DEMC90562499") || strings.Contains(body, "Sherbrooke") {
			t.Errorf("identity check shows the wrong fields:\n%s", body)
		}

		citizen := newBrowser(t, p.url)
		resp, _ = citizen.post("/fr/connexion", "/fr/connexion", url.Values{"email": {p.citizenEmail}, "password": {p.pass}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("citizen sign-in: %d", resp.StatusCode)
		}
		for _, lang := range []struct{ path, purpose, position, verified string }{
			{"/fr/compte/dossier/consultations", "Vérification de l’identité au comptoir", "Entrée n°", "La preuve est vérifiée"},
			{"/en/account/file/accesses", "Identity check at the counter", "Entry no.", "The proof verifies"},
		} {
			resp, body := citizen.get(lang.path)
			wantStatus(t, lang.path, resp, body, http.StatusOK)
			for _, want := range []string{"Agent Démo", lang.purpose, "RV-7K3M9P", lang.position, lang.verified} {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %q", lang.path, want)
				}
			}
		}
		_, body = citizen.get("/fr/compte/dossier/consultations")
		link := regexp.MustCompile(`href="(/fr/compte/dossier/consultations/[^"]+/preuve)"`).FindStringSubmatch(body)
		if link == nil {
			t.Fatalf("no proof link:\n%s", body)
		}
		resp, body = citizen.get(link[1])
		wantStatus(t, "proof download", resp, body, http.StatusOK)
		var proof audit.InclusionProof
		if err := json.Unmarshal([]byte(body), &proof); err != nil {
			t.Fatal(err)
		}
		v, err := audit.LoadVerifier(filepath.Join(p.dataDir, audit.VerifyKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if err := audit.VerifyInclusion(proof, nil, v); err != nil {
			t.Fatalf("the downloaded proof does not verify: %v", err)
		}
		if proof.Entry.Action != "dossier.read" || proof.Entry.Object != "dossier:"+p.citizenID || strings.Contains(string(audit.EncodeEntry(proof.Entry)), "RV-7K3M9P") {
			t.Errorf("proven entry %+v", proof.Entry)
		}
		// The agent cannot download the citizen's proof.
		if resp, _ := p.agent.get(link[1]); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another account downloads the proof: %d", resp.StatusCode)
		}

		// Editing the stored entry: the log no longer verifies, and the page warns.
		err = p.DB().Write(context.Background(), func(tx *database.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE audit_entries SET purpose = 'autre' WHERE seq = ?`, proof.Entry.Seq)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(context.Background(), p.DB(), v); err == nil {
			t.Fatal("the log verifies after its access entry was edited")
		}
		_, body = citizen.get("/fr/compte/dossier/consultations")
		if !strings.Contains(body, "ne correspond pas au journal vérifiable") {
			t.Errorf("no warning after the entry was edited:\n%s", body)
		}
	})
}

// TestConsentAndBreakGlassThroughThePages: a consent given and withdrawn
// from the citizen's page governs an agent's access at once; break-glass
// tells the citizen and lands in the privacy officers' queue.
func TestConsentAndBreakGlassThroughThePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		p := startDossier(t, d.Dialect)
		// The demonstration health card expires in 45 days: one reminder
		// (the worker may have sent it already; a second run sends none).
		if _, err := p.Dossier().SendCardReminders(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := countMails(t, p.running, "dossier.card_reminder", p.citizenEmail); n != 1 {
			t.Errorf("%d card reminders, want 1", n)
		}
		if link := mailLink(t, p.running, "dossier.card_reminder", p.citizenEmail); link != "/fr/services/ramq-carte-renouvellement" {
			t.Errorf("reminder links to %s", link)
		}
		// Break-glass by the demonstration agent (its organization has no
		// consent-based purpose): the citizen is mailed; the officer reviews.
		resp, body := p.agent.post("/fr/agent/dossiers", "/fr/agent/dossiers", url.Values{"citizen": {p.citizenEmail},
			"purpose": {"verification-identite"}, "reference": {"URG-2026-1"}, "break_glass": {"1"},
			"justification": {"Personne inconsciente à l’urgence, identité à confirmer."}})
		wantStatus(t, "break-glass", resp, body, http.StatusOK)
		if !strings.Contains(body, "DEMC90562499") {
			t.Error("break-glass does not show the whole file")
		}
		if countMails(t, p.running, "dossier.break_glass", p.citizenEmail) != 1 {
			t.Error("the citizen is not told of the break-glass access")
		}
		resp, body = p.agent.get("/fr/agent/confidentialite")
		wantStatus(t, "review queue", resp, body, http.StatusOK)
		if !strings.Contains(body, "Personne inconsciente") {
			t.Errorf("the justification is not in the review queue:\n%s", body)
		}
		// The demonstration agent is the only officer: no self-review.
		action := regexp.MustCompile(`action="(/fr/agent/confidentialite/[^"]+)"`).FindStringSubmatch(body)
		if action == nil {
			t.Fatal("no review form")
		}
		resp, body = p.agent.post("/fr/agent/confidentialite", action[1], url.Values{"note": {"Vu."}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "propre consultation") {
			t.Errorf("self-review: %d", resp.StatusCode)
		}

		// Consent, through the citizen's page.
		citizen := newBrowser(t, p.url)
		citizen.post("/fr/connexion", "/fr/connexion", url.Values{"email": {p.citizenEmail}, "password": {p.pass}})
		resp, body = citizen.post("/fr/compte/dossier/consentements", "/fr/compte/dossier/consentements", url.Values{
			"organization": {"services-quebec"}, "purpose": {"changement-adresse"}, "fields": {"address"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("grant: %d\n%s", resp.StatusCode, body)
		}
		_, body = citizen.get("/fr/compte/dossier/consentements?fait=accorde")
		receipt := regexp.MustCompile(`href="(/fr/compte/dossier/consentements/[^"]+/recu/grant)"`).FindStringSubmatch(body)
		revoke := regexp.MustCompile(`action="(/fr/compte/dossier/consentements/[^"]+/retirer)"`).FindStringSubmatch(body)
		if receipt == nil || revoke == nil {
			t.Fatalf("consents page:\n%s", body)
		}
		resp, jws := citizen.get(receipt[1])
		if resp.StatusCode != http.StatusOK || strings.Count(strings.TrimSpace(jws), ".") != 2 {
			t.Errorf("receipt: %d %q", resp.StatusCode, jws)
		}
		consent := p.Dossier()
		if c, err := consent.Consents(context.Background(), p.citizenID); err != nil || len(c) != 1 || !c[0].Live() {
			t.Fatalf("consents: %v %+v", err, c)
		}
		resp, _ = citizen.post("/fr/compte/dossier/consentements", revoke[1], url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if c, _ := consent.Consents(context.Background(), p.citizenID); c[0].Live() || c[0].RevokeReceipt == "" {
			t.Errorf("after revocation: %+v", c[0])
		}
	})
}
