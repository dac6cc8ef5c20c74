package browsertest

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestChatUpdatesInPlace: with JavaScript, a message sent from the chat
// page gets its answer in the same page (no navigation), in the log
// region, and focus stays in the message box.
func TestChatUpdatesInPlace(t *testing.T) {
	a := site(t)
	tb := newTab(t, false)
	if status, err := tb.load(a.URL() + "/fr/assistant"); err != nil || status != 200 {
		t.Fatalf("chat page: %d %v", status, err)
	}
	run := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(tb.ctx, a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`window.__samePage = true`)); err != nil {
		t.Fatal(err)
	}
	run("type", chromedp.SendKeys(chromedp.CSS("#chat-text"), "bonjour"))
	run("send", chromedp.Click(chromedp.CSS(".chat-form button[type=submit]")))
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`document.querySelectorAll(".chat-log .chat-user").length >= 1 &&
		document.querySelectorAll(".chat-log .chat-assistant").length >= 2`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("no answer in the page: %v", err)
	}
	items, err1 := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".chat-log li").length`))
	sameDocument, err2 := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`window.__samePage === true`))
	focused, err3 := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	if !sameDocument {
		t.Error("the page was reloaded: the answer was not put in place")
	}
	if items < 3 || focused != "chat-text" {
		t.Errorf("%d messages in the log, focus on %q", items, focused)
	}
	if errs := tb.takeErrors(); len(errs) > 0 {
		t.Errorf("browser errors: %v", errs)
	}
}
