package browsertest

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/notify"
)

// TestPasskey drives the WebAuthn ceremonies in Chromium with its virtual
// authenticator: a citizen adds a passkey from the account page (the
// session rises to level 2), signs out, and signs back in with the
// password and the passkey. The site is reached at localhost: browsers
// refuse an IP address as a relying party.
func TestPasskey(t *testing.T) {
	a := site(t)
	ctx := context.Background()
	const email, password = "cle@example.com", "Une clé pour le traversier"
	if err := a.Identity().SignUp(ctx, identity.SignUp{Email: email, GivenName: "Kim", FamilyName: "Côté", Password: password, Addr: "192.0.2.9"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := notify.Recent(ctx, a.DB(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Kind == "identity.verify_email" && m.To == email {
			u, _ := url.Parse(regexp.MustCompile(`https?://\S+`).FindString(m.Text))
			if _, err := a.Identity().VerifyEmail(ctx, u.Query().Get("jeton")); err != nil {
				t.Fatal(err)
			}
		}
	}
	base := strings.Replace(a.URL(), "127.0.0.1", "localhost", 1)

	tb := newTab(t, false)
	if _, err := chromedp.Run(tb.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
				Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				IsUserVerified: true, AutomaticPresenceSimulation: true}})
		return err
	})); err != nil {
		t.Fatalf("virtual authenticator: %v", err)
	}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for _, act := range actions {
			if _, err := chromedp.Run(tb.ctx, act); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
	}
	waitText := func(what, text string) {
		t.Helper()
		// A navigation under way interrupts the poll (the document and its
		// execution context go away): poll again in the new document, until
		// the deadline.
		deadline := time.Now().Add(10 * time.Second)
		var err error
		for time.Now().Before(deadline) {
			if _, err = chromedp.Run(tb.ctx, chromedp.Poll[bool](`document.body && document.body.innerText.includes(`+jsString(text)+`)`,
				chromedp.WithPollingTimeout(time.Until(deadline)))); err == nil {
				break
			}
		}
		if err != nil {
			body, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("%s: %q never appeared: %v\n%s", what, text, err, body)
		}
	}
	signIn := func() {
		t.Helper()
		if status, err := tb.load(base + "/fr/connexion"); err != nil || status != 200 {
			t.Fatalf("sign-in page: %d %v", status, err)
		}
		step("sign in", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS(`form.details-form button[type="submit"]`)))
	}

	signIn()
	waitText("account page", "Niveau 1")
	step("name the key", chromedp.WaitVisible(chromedp.CSS("#passkey-name")), chromedp.SendKeys(chromedp.CSS("#passkey-name"), "Ordinateur de test"),
		chromedp.SendKeys(chromedp.CSS("#passkey-password"), password))
	// The form shows once its script is ready.
	step("add a passkey", chromedp.WaitVisible(chromedp.CSS(`form[data-passkey="register"] button`)),
		chromedp.Click(chromedp.CSS(`form[data-passkey="register"] button`)))
	waitText("after adding the key", "La clé d’accès est ajoutée")
	waitText("the level rose", "Niveau 2")
	waitText("the key is listed", "Ordinateur de test")

	step("sign out", chromedp.Click(chromedp.CSS(`form[action="/fr/deconnexion"] button`)))
	waitText("signed out", "Vous êtes déconnecté")
	signIn()
	waitText("second step", "Utiliser ma clé d’accès")
	step("use the passkey", chromedp.WaitVisible(chromedp.CSS(`form[data-passkey="login"] button`)),
		chromedp.Click(chromedp.CSS(`form[data-passkey="login"] button`)))
	waitText("signed in with the passkey", "Niveau 2")
	keys, err := a.Identity().Passkeys(ctx, mustAccount(t, a.Identity(), email))
	if err != nil || len(keys) != 1 || keys[0].LastUsed.IsZero() {
		t.Fatalf("passkeys after use: %+v %v", keys, err)
	}
	if errs := tb.takeErrors(); len(errs) > 0 {
		t.Errorf("browser errors: %v", errs)
	}
}

func mustAccount(t *testing.T, svc *identity.Service, email string) string {
	t.Helper()
	acct, err := svc.AccountByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return acct.ID
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
