package web

import (
	"context"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts a headless Chromium on the site, or skips the test when
// this machine has none. It returns a context for actions, bounded in time.
func browser(t *testing.T, e *testEnv) (context.Context, string) {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("no Chromium on this machine")
	}
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// The first call starts the browser, which lives as long as its
	// context: it gets no timeout, the actions after it do.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return tctx, srv.URL
}

// TestSignupScript runs the box's script in a real browser under the
// site's own Content-Security-Policy.
func TestSignupScript(t *testing.T) {
	e := newEnv(t)
	e.addArticle("story", "Story", e.now.Add(-time.Hour))
	ctx, base := browser(t, e)
	page := base + "/articles/story"
	const button = `form[data-signup] button[type="submit"]`

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	submit := func(email string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#signup-email"), email),
			chromedp.Click(chromedp.CSS(button)),
		}
	}

	do("sign up", append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(page)},
		append(submit("reader@example.org"), chromedp.WaitVisible(chromedp.CSS(".signup-thanks-title")))...)...)
	thanks, focused, status := text(".signup-thanks-title"), eval(`document.activeElement.className`), text("[data-status]")
	if thanks != "Thank you for sign up!" || focused != "signup-thanks-title" || !strings.Contains(status, "Thank you for sign up!") {
		t.Errorf("after signup: thanks %q, focus on %q, live region %q", thanks, focused, status)
	}
	if subs := e.subscribers(); len(subs) != 1 || subs[0].Email != "reader@example.org" {
		t.Errorf("subscribers = %+v", subs)
	}

	// An address the browser accepts but the server refuses: the message
	// appears by the field and the button comes back.
	do("refused signup", append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(page)},
		append(submit("reader@localhost"), chromedp.WaitVisible(chromedp.CSS("#signup-email-error")))...)...)
	msg, label := text("#signup-email-error"), text(button)
	disabled := eval(`String(document.querySelector('` + button + `').disabled)`)
	invalid := eval(`document.querySelector('#signup-email').getAttribute('aria-invalid')`)
	if msg == "" || label != "Subscribe" || disabled != "false" || invalid != "true" {
		t.Errorf("after a refused signup: message %q, button %q (disabled %s), aria-invalid %q", msg, label, disabled, invalid)
	}

	// While the request is out the button says so and cannot be pressed.
	do("pending signup", append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(page),
		chromedp.Evaluate[chromedp.Void](`window.fetch = function () { return new Promise(function () {}); }`)},
		submit("second@example.org")...)...)
	label, disabled = text(button), eval(`String(document.querySelector('`+button+`').disabled)`)
	if label != "Please wait..." || disabled != "true" {
		t.Errorf("while sending: button %q, disabled %s", label, disabled)
	}

	// A network failure gives the button back with a short message.
	do("offline signup", append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(page),
		chromedp.Evaluate[chromedp.Void](`window.fetch = function () { return Promise.reject(new TypeError('offline')); }`)},
		append(submit("third@example.org"), chromedp.WaitVisible(chromedp.CSS("[data-js-error]")))...)...)
	if msg, label := text("[data-js-error]"), text(button); !strings.Contains(msg, "connection") || label != "Subscribe" {
		t.Errorf("after a network error: message %q, button %q", msg, label)
	}
	if n := len(e.subscribers()); n != 1 {
		t.Errorf("%d subscribers, want 1", n)
	}
}
