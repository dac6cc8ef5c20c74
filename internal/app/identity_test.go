package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/notify"
)

// mailLink returns the link of the last mail of kind to addr.
func mailLink(t *testing.T, r *running, kind, to string) string {
	t.Helper()
	msgs, err := notify.Recent(context.Background(), r.DB(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Kind == kind && m.To == to {
			link := regexp.MustCompile(`https?://\S+`).FindString(m.Text)
			if link == "" {
				t.Fatalf("%s mail without a link:\n%s", kind, m.Text)
			}
			u, _ := url.Parse(link)
			return u.RequestURI()
		}
	}
	t.Fatalf("no %s mail to %s", kind, to)
	return ""
}

func countMails(t *testing.T, r *running, kind, to string) int {
	t.Helper()
	msgs, _ := notify.Recent(context.Background(), r.DB(), 200)
	n := 0
	for _, m := range msgs {
		if m.Kind == kind && m.To == to {
			n++
		}
	}
	return n
}

// TestCitizenAccount walks a citizen's account through the HTML forms, as a
// browser without JavaScript: sign-up with errors, the verification link,
// sign-in, an authenticator app, the second factor, sessions ended from
// another browser, a forgotten password.
func TestCitizenAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		r := start(t, d.Dialect)
		const email, password = "camille@example.com", "Des bleuets au Lac-Saint-Jean"
		b := newBrowser(t, r.url)

		// Bad input: every problem at once, nothing typed is lost (but the password).
		resp, body := b.post("/fr/inscription", "/fr/inscription", url.Values{"given_name": {"Camille"}, "family_name": {""},
			"email": {"pas-une-adresse"}, "password": {"motdepasse"}})
		wantStatus(t, "invalid sign-up", resp, body, http.StatusUnprocessableEntity)
		for _, want := range []string{`href="#family_name"`, `href="#email"`, `href="#password"`, `value="Camille"`, `value="pas-une-adresse"`,
			`aria-invalid="true"`, "au moins 12 caractères"} {
			if !strings.Contains(body, want) {
				t.Errorf("invalid sign-up page lacks %s", want)
			}
		}
		if strings.Contains(body, `value="motdepasse"`) {
			t.Error("the password is written back into the page")
		}
		resp, body = b.post("/fr/inscription", "/fr/inscription", url.Values{"given_name": {"Camille"}, "family_name": {"Gagnon"},
			"email": {email}, "password": {"password1234"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "plus courants") {
			t.Fatalf("common password: %d", resp.StatusCode)
		}
		resp, body = b.post("/fr/inscription", "/fr/inscription", url.Values{"given_name": {"Camille"}, "family_name": {"Gagnon"},
			"email": {email}, "password": {password}})
		wantStatus(t, "sign-up", resp, body, http.StatusOK)
		if !strings.Contains(body, "Vérifiez vos courriels") {
			t.Fatalf("after sign-up:\n%s", body)
		}
		// Not verified: the password is refused with a way forward.
		resp, body = b.post("/fr/connexion", "/fr/connexion", url.Values{"email": {email}, "password": {password}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "/fr/courriel/renvoyer") {
			t.Fatalf("unverified sign-in: %d", resp.StatusCode)
		}
		// The link shows a button; only the post verifies (mail scanners open links).
		link := mailLink(t, r, "identity.verify_email", email)
		resp, body = b.get(link)
		wantStatus(t, "verification page", resp, body, http.StatusOK)
		resp, body = b.post(link, "/fr/courriel/verifier", url.Values{"jeton": {regexp.MustCompile(`name="jeton" value="([^"]+)"`).FindStringSubmatch(body)[1]}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fr/connexion?verified=1" {
			t.Fatalf("verification: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}

		// Sign in: level 1, one session.
		resp, _ = b.post("/fr/connexion", "/fr/connexion", url.Values{"email": {email}, "password": {password}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fr/compte" {
			t.Fatalf("sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = b.get("/fr/compte")
		for _, want := range []string{"Camille Gagnon", email, "Niveau 1", "ce navigateur", "Ajouter une application"} {
			if !strings.Contains(body, want) {
				t.Errorf("account page lacks %q", want)
			}
		}

		// An authenticator app: level 2, recovery codes shown once, a mail.
		_, recovery := b.enrol("", password)
		_, body = b.get("/fr/compte")
		if !strings.Contains(body, "Niveau 2") || !strings.Contains(body, "Codes de récupération inutilisés\u00a0: 10.") {
			t.Errorf("account after enrolment:\n%s", body)
		}
		if countMails(t, r, "identity.factor_added", email) != 1 {
			t.Error("no mail about the new authenticator")
		}

		// Another browser: the password alone is not enough any more.
		other := newBrowser(t, r.url)
		resp, _ = other.post("/fr/connexion", "/fr/connexion", url.Values{"email": {email}, "password": {password}})
		if resp.Header.Get("Location") != "/fr/connexion/code" {
			t.Fatalf("sign-in with a factor: %q", resp.Header.Get("Location"))
		}
		if resp, _ := other.get("/fr/compte"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fr/connexion/code?next=%2Ffr%2Fcompte" {
			t.Fatalf("account before the code: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = other.post("/fr/connexion/code", "/fr/connexion/code", url.Values{"code": {"123456"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "n’est pas valide") {
			t.Fatalf("wrong code: %d", resp.StatusCode)
		}
		resp, _ = other.post("/fr/connexion/code", "/fr/connexion/code", url.Values{"code": {recovery[1]}})
		if resp.Header.Get("Location") != "/fr/compte" {
			t.Fatalf("recovery code: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}

		// The first browser sees two sessions and ends the other one.
		_, body = b.get("/fr/compte")
		ends := regexp.MustCompile(`action="(/fr/compte/sessions/[A-Za-z0-9_-]+/fin)"`).FindAllStringSubmatch(body, -1)
		if len(ends) != 2 {
			t.Fatalf("%d sessions listed, want 2", len(ends))
		}
		_, otherPage := other.get("/fr/compte")
		mine := regexp.MustCompile(`(?s)<li>\s*<p><strong>[^<]*</strong> — ce navigateur.*?action="([^"]+)"`).FindStringSubmatch(otherPage)
		if mine == nil {
			t.Fatalf("the other browser does not see itself:\n%s", otherPage)
		}
		resp, _ = b.post("/fr/compte", mine[1], url.Values{})
		if resp.Header.Get("Location") != "/fr/compte?fin=1" {
			t.Fatalf("end the other session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := other.get("/fr/compte"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/fr/connexion") {
			t.Fatalf("the ended session still works: %d", resp.StatusCode)
		}

		// A forgotten password: the same answer for an unknown address.
		for _, who := range []string{email, "personne@example.com"} {
			resp, body := other.post("/fr/mot-de-passe/oubli", "/fr/mot-de-passe/oubli", url.Values{"email": {who}})
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Si un compte a l’adresse "+who) {
				t.Fatalf("forgot (%s): %d", who, resp.StatusCode)
			}
		}
		reset := mailLink(t, r, "identity.reset_password", email)
		resp, body = other.get(reset)
		wantStatus(t, "reset page", resp, body, http.StatusOK)
		token := regexp.MustCompile(`name="jeton" value="([^"]+)"`).FindStringSubmatch(body)[1]
		resp, _ = other.post(reset, "/fr/mot-de-passe/nouveau", url.Values{"jeton": {token}, "password": {"Une nouvelle phrase de passe"}})
		if resp.Header.Get("Location") != "/fr/connexion?reset=1" {
			t.Fatalf("reset: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := b.get("/fr/compte"); resp.StatusCode != http.StatusSeeOther {
			t.Error("a session survived the password reset")
		}
		resp, body = other.get(reset)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "ne fonctionne plus") {
			t.Errorf("a used reset link: %d", resp.StatusCode)
		}
	})
}

// TestCounterRecovery: a citizen who lost their factors is restored by an
// agent at a counter, through the forms, and gets back to level 3.
func TestCounterRecovery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		r := start(t, d.Dialect)
		ctx := context.Background()
		const email, password = "perdu@example.com", "Un traversier sur le fleuve"
		if err := r.Identity().SignUp(ctx, identity.SignUp{Email: email, GivenName: "Alex", FamilyName: "Roy", Password: password, Addr: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
		citizen := newBrowser(t, r.url)
		link := mailLink(t, r, "identity.verify_email", email)
		_, page := citizen.get(link)
		citizen.post(link, "/fr/courriel/verifier", url.Values{"jeton": {regexp.MustCompile(`name="jeton" value="([^"]+)"`).FindStringSubmatch(page)[1]}})
		citizen.post("/fr/connexion", "/fr/connexion", url.Values{"email": {email}, "password": {password}})
		citizen.enrol("", password)

		// The agent: verify without a document is refused; then restore.
		agentEmail, agentPassword, secret, _ := r.DemoAgent()
		agent := newBrowser(t, r.url)
		agent.signIn(agentEmail, agentPassword, secret, "")
		resp, body := agent.post("/fr/agent/identite", "/fr/agent/identite", url.Values{"email": {email}, "action": {"recover"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#evidence"`) {
			t.Fatalf("without a document: %d\n%s", resp.StatusCode, body)
		}
		resp, body = agent.post("/fr/agent/identite", "/fr/agent/identite", url.Values{"email": {email}, "evidence": {"passport"}, "action": {"recover"}})
		wantStatus(t, "restore", resp, body, http.StatusOK)
		m := regexp.MustCompile(`<li><code>([0-9a-z-]{19})</code></li>`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "Alex Roy") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("no code handed over:\n%s", body)
		}
		// Nothing changes until the citizen uses the code with the mailed link.
		if resp, _ := citizen.get("/fr/compte"); resp.StatusCode != http.StatusOK {
			t.Fatal("the agent alone ended the citizen's session")
		}
		if resp, body := citizen.get("/fr/recuperation"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "il faut les deux") {
			t.Fatalf("the recovery page without the link: %d", resp.StatusCode)
		}
		link = mailLink(t, r, "identity.recovered_at_counter", email)
		resp, body = citizen.get(link)
		wantStatus(t, "recovery page", resp, body, http.StatusOK)
		token := regexp.MustCompile(`name="jeton" value="([^"]+)"`).FindStringSubmatch(body)[1]
		resp, _ = citizen.post(link, "/fr/recuperation", url.Values{"jeton": {token}, "code": {strings.ToUpper(m[1])}, "password": {"Un autre traversier ce soir"}})
		if resp.Header.Get("Location") != "/fr/compte/application?recovered=1" {
			t.Fatalf("counter code: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		citizen.enrol("", "Un autre traversier ce soir")
		_, body = citizen.get("/fr/compte")
		if !strings.Contains(body, "Niveau 3") {
			t.Errorf("after recovery and a new app, the level is not 3:\n%s", body)
		}
		// The audit log names the agent and the kind of document.
		agentAccount, _ := r.Identity().AccountByEmail(ctx, agentEmail)
		var n int
		r.DB().Read(ctx, func(tx *database.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'identity.counter_recovery_started' AND actor = ? AND purpose = ?`,
				"account:"+agentAccount.ID, "identity_verification:passport").Scan(&n)
		})
		if n != 1 {
			t.Errorf("%d audit entries of the recovery by the agent", n)
		}

		// Another citizen has their identity confirmed: the code from their account.
		const email2 = "present@example.com"
		if err := r.Identity().SignUp(ctx, identity.SignUp{Email: email2, GivenName: "Sam", FamilyName: "Roy", Password: password, Addr: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
		other := newBrowser(t, r.url)
		link2 := mailLink(t, r, "identity.verify_email", email2)
		_, page2 := other.get(link2)
		other.post(link2, "/fr/courriel/verifier", url.Values{"jeton": {regexp.MustCompile(`name="jeton" value="([^"]+)"`).FindStringSubmatch(page2)[1]}})
		other.post("/fr/connexion", "/fr/connexion", url.Values{"email": {email2}, "password": {password}})
		resp, body = other.post("/fr/compte", "/fr/compte/presence", url.Values{})
		p := regexp.MustCompile(`<li><code>(\d{4} \d{4})</code></li>`).FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || p == nil {
			t.Fatalf("presence code: %d\n%s", resp.StatusCode, body)
		}
		resp, body = agent.post("/fr/agent/identite", "/fr/agent/identite", url.Values{"email": {email2}, "evidence": {"driving_licence"}, "action": {"verify"}, "presence": {"00000000"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#presence"`) {
			t.Fatalf("a wrong presence code: %d", resp.StatusCode)
		}
		resp, body = agent.post("/fr/agent/identite", "/fr/agent/identite", url.Values{"email": {email2}, "evidence": {"driving_licence"}, "action": {"verify"}, "presence": {p[1]}})
		wantStatus(t, "verify", resp, body, http.StatusOK)
		if _, body := other.get("/fr/compte"); !strings.Contains(body, "Identité vérifiée en personne</dt><dd>Oui") {
			t.Error("the identity is not shown as verified")
		}
	})
}

// TestChatActsForTheSignedInCitizen: a conversation started while signed in
// lists the citizen's appointments; signing out forgets it.
func TestChatActsForTheSignedInCitizen(t *testing.T) {
	r := start(t, dbtest.Dialects(t)[0])
	ctx := context.Background()
	const email, password = "chat@example.com", "Une fin de semaine à Gaspé"
	if err := r.Identity().SignUp(ctx, identity.SignUp{Email: email, GivenName: "Noé", FamilyName: "Roy", Password: password, Addr: "192.0.2.6"}); err != nil {
		t.Fatal(err)
	}
	link, _ := url.Parse(r.url + mailLink(t, r, "identity.verify_email", email))
	if _, err := r.Identity().VerifyEmail(ctx, link.Query().Get("jeton")); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, r.url)
	ask := func() string {
		t.Helper()
		resp, body := b.follow(b.post("/fr/assistant", "/fr/assistant", url.Values{"text": {"mes rendez-vous"}}))
		wantStatus(t, "chat", resp, body, http.StatusOK)
		return body
	}
	if body := ask(); !strings.Contains(body, "connectez-vous à votre compte") {
		t.Fatalf("anonymous: no invitation to sign in:\n%s", body)
	}
	b.post("/fr/assistant", "/fr/assistant/nouvelle", url.Values{})
	b.post("/fr/connexion", "/fr/connexion", url.Values{"email": {email}, "password": {password}})
	if body := ask(); !strings.Contains(body, "aucun rendez-vous à venir") {
		t.Fatalf("signed in: the assistant does not know the citizen:\n%s", body)
	}
	b.post("/fr/compte", "/fr/deconnexion", url.Values{})
	if body := ask(); !strings.Contains(body, "connectez-vous à votre compte") {
		t.Fatalf("after sign-out the conversation still acts for the citizen:\n%s", body)
	}
}

// TestAgentTeam: an organization's administrator creates an agent from the
// team page; the password is shown once and works; a plain agent may not
// manage the team.
func TestAgentTeam(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *database.DB) {
		r := start(t, d.Dialect)
		email, password, secret, _ := r.DemoAgent()
		admin := newBrowser(t, r.url)
		admin.signIn(email, password, secret, "")
		resp, body := admin.get("/fr/agent/equipe")
		wantStatus(t, "team page", resp, body, http.StatusOK)
		point := regexp.MustCompile(`name="points" value="([^"]+)"`).FindStringSubmatch(body)
		if point == nil || !strings.Contains(body, email) {
			t.Fatalf("team page:\n%s", body)
		}
		form := url.Values{"given_name": {"Léa"}, "family_name": {"Nadeau"}, "email": {"lea@demo.guichet.example"}, "roles": {"agent"}}
		resp, body = admin.post("/fr/agent/equipe", "/fr/agent/equipe", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#points"`) || !strings.Contains(body, `value="Léa"`) {
			t.Fatalf("without a point: %d\n%s", resp.StatusCode, body)
		}
		form.Set("points", point[1])
		form.Add("roles", "platform_admin") // not the administrator's to give
		resp, body = admin.post("/fr/agent/equipe", "/fr/agent/equipe", form)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("granting platform_admin: %d", resp.StatusCode)
		}
		form["roles"] = []string{"agent"}
		resp, body = admin.post("/fr/agent/equipe", "/fr/agent/equipe", form)
		wantStatus(t, "create", resp, body, http.StatusOK)
		m := regexp.MustCompile(`<li><code>(\S+)</code></li>`).FindStringSubmatch(body)
		if m == nil || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("no password shown:\n%s", body)
		}
		lea := newBrowser(t, r.url)
		if resp := lea.signIn("lea@demo.guichet.example", m[1], "", ""); resp.Header.Get("Location") != "/fr/compte/application" {
			t.Fatalf("the new agent's first sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		lea.enrol("")
		if resp, _ := lea.get("/fr/agent/equipe"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a plain agent on the team page: %d", resp.StatusCode)
		}
		if _, body := admin.get("/fr/agent/equipe"); !strings.Contains(body, "Léa Nadeau") {
			t.Error("the new agent is not listed")
		}
	})
}

// TestPlatformAdminTeam: the first administrator, made at the command
// line, picks an organization and gives it an administrator.
func TestPlatformAdminTeam(t *testing.T) {
	r := start(t, dbtest.Dialects(t)[0])
	ctx := context.Background()
	const pw = "Une administration toute neuve"
	if _, err := r.Identity().CreateAgent(ctx, nil, identity.NewAgent{Email: "ada@guichet.example", GivenName: "Ada",
		Roles: []identity.Role{identity.RolePlatformAdmin}}, pw); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, r.url)
	b.signIn("ada@guichet.example", pw, "", "")
	b.enrol("")
	resp, body := b.get("/fr/agent/equipe?org=ramq")
	wantStatus(t, "team of another organization", resp, body, http.StatusOK)
	point := regexp.MustCompile(`name="points" value="([^"]+)"`).FindStringSubmatch(body)
	if point == nil || !strings.Contains(body, `<option value="ramq" selected>`) || !strings.Contains(body, `value="platform_admin"`) {
		t.Fatalf("team page of the platform administrator:\n%s", body)
	}
	resp, body = b.post("/fr/agent/equipe?org=ramq", "/fr/agent/equipe", url.Values{"org": {"ramq"}, "given_name": {"Rémi"},
		"email": {"remi@ramq.example"}, "points": {point[1]}, "roles": {"org_admin"}})
	wantStatus(t, "create an administrator", resp, body, http.StatusOK)
	remi, err := r.Identity().AccountByEmail(ctx, "remi@ramq.example")
	if err != nil || remi.OrganizationID != "ramq" || !remi.Has(identity.RoleOrgAdmin) {
		t.Fatalf("the new administrator: %+v %v", remi, err)
	}
}
