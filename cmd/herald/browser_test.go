package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"herald/internal/smtptest"
)

// chromium finds Debian's headless browser. CI installs it, so there a
// missing browser fails the test rather than skipping it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH; .ci/run installs Debian's chromium package")
	}
	t.Skip("no chromium on PATH (apt-get install chromium)")
	return ""
}

func newBrowser(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// The first Do starts the browser for the life of ctx; later steps get
	// their own timeouts.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	return ctx, func() { cancelCtx(); cancelAlloc() }
}

// TestSignupBoxInBrowser clicks the newsletter button in a real browser and
// sees the box say "Please wait..." and then "Thank you for sign up!".
func TestSignupBoxInBrowser(t *testing.T) {
	mailSrv, err := smtptest.Start(smtptest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mailSrv.Close()
	h := startHerald(t, "--smtp", mailSrv.URL())
	ctx, cancel := newBrowser(t)
	defer cancel()

	step, cancelStep := context.WithTimeout(ctx, 60*time.Second)
	defer cancelStep()
	box := `form[action="/subscribe"]`
	err = chromedp.Do(step,
		chromedp.Navigate(h.base+"/articles/harbour-bridge-reopens"),
		chromedp.WaitVisible(chromedp.CSS(box+` input[type=email]`)),
		chromedp.SendKeys(chromedp.CSS(box+` input[type=email]`), "browser@example.org"),
		// Slow the answer a little so that the waiting state can be seen.
		chromedp.Evaluate[chromedp.Void](`(() => {
			const f = window.fetch;
			window.fetch = (...a) => new Promise(r => setTimeout(r, 400)).then(() => f(...a));
		})()`),
		chromedp.Click(chromedp.CSS(box+` button[type=submit]`)),
	)
	if err != nil {
		t.Fatalf("browser: %v\nserver log:\n%s", err, h.stderr.String())
	}
	waitText, err := chromedp.Run(step, chromedp.Poll[string](`(() => {
		const b = document.querySelector('form[action="/subscribe"] button[type=submit]');
		const t = b ? b.textContent.trim() : '';
		return t === "Please wait..." ? t : '';
	})()`, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		t.Errorf("the button never said Please wait...: %v", err)
	}
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.body.innerText.includes("Thank you for sign up!")`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the box never said Thank you for sign up!: %v\nserver log:\n%s", err, h.stderr.String())
	}
	afterButton, err := chromedp.Run(step, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	if waitText != "Please wait..." {
		t.Errorf("button text while sending = %q, want %q", waitText, "Please wait...")
	}
	if afterButton != "/articles/harbour-bridge-reopens" {
		t.Errorf("the page navigated to %s; the form should submit in the background", afterButton)
	}
	if got := h.state("browser@example.org"); got["news"] != "pending" {
		t.Errorf("after the browser signup, state = %v; want news=pending", got)
	}
	if _, err := mailSrv.WaitFor("browser@example.org", nil, 15*time.Second); err != nil {
		t.Error(err)
	}

	// A screenshot of the article page, for a person to look at.
	if png, err := chromedp.Run(step, chromedp.FullScreenshot(80)); err == nil {
		dir := filepath.Join(os.TempDir(), "herald-screenshots")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "article-signed-up.jpg"), png, 0o644)
	}
}
