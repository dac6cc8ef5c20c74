package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet-qc/guichet/internal/app"
	"github.com/guichet-qc/guichet/internal/dossier"
)

// TestDossierPagesWithData: the file's pages audited by the route sweep show
// the demonstration agent's own (empty) file; here the same account gets a
// file, cards, an access by an agent (with its proof) and a consent, and
// the pages are audited again with that content, in both languages, with
// and without JavaScript.
func TestDossierPagesWithData(t *testing.T) {
	a := site(t)
	tl := needTools(t)
	signedIn(t, a)
	ctx := context.Background()
	email, _, _, _ := a.DemoAgent()
	agent, err := a.Identity().AccountByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	svc := a.Dossier()
	if err := svc.Record(ctx, "system:test", "", agent.ID, map[string]string{dossier.FieldGivenName: "Agent", dossier.FieldFamilyName: "Démo",
		dossier.FieldBirthDate: "1985-02-03", dossier.FieldAddress: "500, boulevard René-Lévesque Ouest, Montréal (Québec) H2Z 1W7",
		dossier.FieldHealthNumber: "DEMA85020399"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []dossier.Card{{Kind: "health_card", Number: "DEMA85020399", ExpiresOn: time.Now().AddDate(0, 0, 20)},
		{Kind: "driving_licence", Number: "D9999-030285-01", ExpiresOn: time.Now().AddDate(0, 0, -3)}} {
		if _, err := svc.AddCard(ctx, "system:test", "", agent.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Open(ctx, agent, dossier.OpenRequest{Citizen: agent.ID, Purpose: "verification-identite", Reference: "RV-7K3M9P"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Open(ctx, agent, dossier.OpenRequest{Citizen: agent.ID, Purpose: "verification-identite", Reference: "URG-2026-1",
		BreakGlass: true, Justification: "Vérification urgente demandée par l’urgence de l’hôpital."}); err != nil {
		t.Fatal(err)
	}
	for i := range dossier.HistoryPage { // a second page of accesses: the pages' links are audited too
		if _, err := svc.Open(ctx, agent, dossier.OpenRequest{Citizen: agent.ID, Purpose: "correction", Reference: "CR-" + strconv.Itoa(1000+i)}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := svc.Grant(ctx, agent.ID, "services-quebec", "changement-adresse", []string{dossier.FieldAddress})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Revoke(ctx, agent.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Grant(ctx, agent.ID, "services-quebec", "changement-adresse", []string{dossier.FieldAddress, dossier.FieldPhone}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RequestCorrection(ctx, agent.ID, "ramq", dossier.FieldAddress, "J’ai déménagé le 1er juillet."); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/fr/compte/dossier", "/en/account/file", "/fr/compte/dossier/cartes", "/en/account/file/cards",
		"/fr/compte/dossier/consultations", "/en/account/file/accesses", "/fr/compte/dossier/consultations?page=1", "/en/account/file/accesses?page=1", "/fr/compte/dossier/consentements", "/en/account/file/consents",
		"/fr/agent/confidentialite", "/en/agent/privacy", "/fr/agent/corrections", "/en/agent/corrections"}
	for _, p := range pages {
		for _, jsOff := range []bool{false, true} {
			tb := newTab(t, jsOff)
			rep, err := tb.audit(a.URL()+p, tl.axe)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if rep.Status != 200 {
				t.Errorf("%s: status %d", p, rep.Status)
			}
			if len(rep.Violations) > 0 {
				t.Error(describe(p, rep.Violations))
			}
			if w, err := tb.screenshot(320, t.TempDir()+"/page.png"); err != nil || w > 320 {
				t.Errorf("%s at 320 CSS px: content %v px wide (%v): the page scrolls sideways", p, w, err)
			}
		}
	}
}

// TestAgentFileViewAccessible: the agent's view of a file is the answer to
// the form's post (it has no address of its own, so the route sweep cannot
// reach it): the test fills the form in the browser and audits the answer,
// in both languages, with and without JavaScript.
func TestAgentFileViewAccessible(t *testing.T) {
	a := site(t)
	tl := needTools(t)
	signedIn(t, a)
	for _, lang := range []string{"fr", "en"} {
		for _, jsOff := range []bool{false, true} {
			tb := newTab(t, jsOff)
			path := map[string]string{"fr": "/fr/agent/dossiers", "en": "/en/agent/files"}[lang]
			if _, err := tb.load(a.URL() + path); err != nil {
				t.Fatal(err)
			}
			err := chromedp.Do(tb.ctx,
				chromedp.SendKeys(chromedp.CSS("#citizen"), app.DemoCitizenEmail),
				chromedp.SetValue(chromedp.CSS("#purpose"), "correction"),
				chromedp.SendKeys(chromedp.CSS("#reference"), "RV-7K3M9P"),
				chromedp.Click(chromedp.CSS(`form.details-form button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`a[href="`+path+`"]`)),
			)
			if err != nil {
				t.Fatalf("%s: %v", lang, err)
			}
			main, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS("main")))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(main, "1990-06-24") {
				t.Fatalf("%s: not the file view:\n%s", lang, main)
			}
			rep := &pageReport{URL: path + " (answer)"}
			if err := tb.auditLoaded(rep, tl.axe); err != nil {
				t.Fatal(err)
			}
			if rep.Lang != lang {
				t.Errorf("%s: page language %q", lang, rep.Lang)
			}
			if len(rep.Violations) > 0 {
				t.Error(describe("agent's file view ("+lang+")", rep.Violations))
			}
			if w, err := tb.screenshot(320, t.TempDir()+"/view.png"); err != nil || w > 320 {
				t.Errorf("%s at 320 CSS px: content %v px wide (%v)", lang, w, err)
			}
		}
	}
}
