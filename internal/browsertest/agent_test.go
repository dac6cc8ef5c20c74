package browsertest

// Agent pages need a signed-in agent: before the first of them, the browser
// signs in once through the real sign-in form with the demonstration
// agent's credentials (all tabs share the browser's cookies), and the HTTP
// checks of language links send the same session cookie.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/guichet-qc/guichet/internal/app"
	"github.com/guichet-qc/guichet/internal/identity"
)

// needsAgent tells whether a page path is an agent page other than sign-in.
func needsAgent(path string) bool {
	for _, prefix := range []string{"/fr/agent", "/en/agent", "/fr/compte", "/en/account"} {
		if path == prefix || strings.HasPrefix(path, prefix+"/") || strings.HasPrefix(path, prefix+"?") {
			return !strings.HasPrefix(path, "/fr/agent/connexion") && !strings.HasPrefix(path, "/en/agent/sign-in")
		}
	}
	return false
}

var (
	agentOnce   sync.Once
	agentCookie *http.Cookie
	agentErr    error
)

// signedIn signs the shared browser in as the demonstration agent, once,
// and returns the session cookie.
func signedIn(t testing.TB, a *app.App) *http.Cookie {
	t.Helper()
	agentOnce.Do(func() { agentCookie, agentErr = signIn(browser(t), a) })
	if agentErr != nil {
		t.Fatal(agentErr)
	}
	return agentCookie
}

func signIn(parent context.Context, a *app.App) (*http.Cookie, error) {
	email, password, secret, ok := a.DemoAgent()
	if !ok {
		return nil, fmt.Errorf("the application has no demonstration agent to sign in with")
	}
	tctx, cancelTab := chromedp.NewContext(parent)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(tctx, pageTimeout)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(a.URL()+"/fr/agent/connexion"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[autocomplete="one-time-code"]`)),
	)
	if err == nil {
		// The same code cannot serve twice: the harness signs in once per run.
		code, cerr := identity.TOTPCode(secret, time.Now())
		if cerr != nil {
			return nil, cerr
		}
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#code"), code),
			chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("form.agent-signout")),
		)
	}
	if err != nil {
		return nil, fmt.Errorf("sign in through the form as %s: %w", email, err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return nil, err
	}
	var cookies []*network.Cookie
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{a.URL() + "/"}})
		if err != nil {
			return err
		}
		cookies = res.Cookies
		return nil
	}))
	if err != nil {
		return nil, fmt.Errorf("read the browser's cookies: %w", err)
	}
	if !strings.HasSuffix(loc, "/fr/agent") {
		return nil, fmt.Errorf("after signing in the browser is at %s, want /fr/agent", loc)
	}
	for _, c := range cookies {
		if c.Name == "guichet_session" {
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
				return nil, fmt.Errorf("the session cookie is not HttpOnly and SameSite=Lax: %+v", c)
			}
			return &http.Cookie{Name: c.Name, Value: c.Value, Path: "/", Expires: time.Now().Add(time.Hour)}, nil
		}
	}
	return nil, fmt.Errorf("no guichet_session cookie after signing in")
}

// clientWith returns a copy of client that sends the session cookie.
func clientWith(client *http.Client, base string, c *http.Cookie) *http.Client {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{c})
	cl := *client
	cl.Jar = jar
	return &cl
}

func TestNeedsAgent(t *testing.T) {
	for path, want := range map[string]bool{"/fr/agent": true, "/en/agent/points/x": true, "/fr/agent/connexion": false,
		"/en/agent/sign-in?next=%2Fen%2Fagent": false, "/fr/agents": false, "/fr/": false, "/fr/compte": true, "/en/account/password": true,
		"/fr/connexion": false} {
		if needsAgent(path) != want {
			t.Errorf("needsAgent(%q) = %v", path, !want)
		}
	}
}
