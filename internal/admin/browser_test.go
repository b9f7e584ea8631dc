package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	gosmtp "github.com/emersion/go-smtp"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/mail/smtp"
	"herald/internal/markup"
	"herald/internal/server"
	"herald/internal/smtptest"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
	"herald/internal/user"
	"herald/internal/web"
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
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	return ctx, func() { cancelCtx(); cancelAlloc() }
}

// newsroom is Herald put together as the program does: the public site and
// the newsroom app behind the shared middleware, a real SMTP server, the
// delivery engine and the campaign scheduler running.
type newsroom struct {
	base  string
	st    *sqlite.Store
	users *user.Service
	mail  *smtptest.Server
}

func startNewsroom(t *testing.T) *newsroom {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { stop(); wg.Wait() })
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// A little slow, as real servers are, so that progress can be seen;
	// one address does not exist.
	mailSrv, err := smtptest.Start(smtptest.Options{Reply: func(_ string, to []string, _ []byte) error {
		time.Sleep(40 * time.Millisecond)
		if len(to) == 1 && to[0] == "gone@example.net" {
			return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mailSrv.Close() })
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	logger := slog.New(slog.DiscardHandler)
	from := mail.Address{Name: "The Harbour Times", Email: "news@harbour.example"}
	render := markup.New(base).HTML
	signer := subscriber.NewSigner(testSecret)
	mailer, err := subscriber.NewMailer(subscriber.MailConfig{Site: "The Harbour Times", BaseURL: base, From: from, Signer: signer}, st)
	if err != nil {
		t.Fatal(err)
	}
	renderer, err := campaign.NewRenderer(campaign.RendererConfig{Store: st, SiteName: "The Harbour Times", BaseURL: base, From: from, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	scfg, err := smtp.ParseURL(mailSrv.URL())
	if err != nil {
		t.Fatal(err)
	}
	sender := smtp.New(scfg, logger)
	t.Cleanup(func() { sender.Close() })
	engine, err := delivery.New(delivery.Config{Store: st, Sender: sender, Logger: logger, Workers: 2, PollInterval: 100 * time.Millisecond,
		Renderers: map[delivery.Kind]delivery.Renderer{delivery.KindConfirm: mailer, delivery.KindWelcome: mailer,
			delivery.KindCampaign: renderer, delivery.KindCampaignTest: renderer,
			KindTestEmail: NewTestMail("The Harbour Times", base, from, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	sched := campaign.NewScheduler(campaign.SchedulerConfig{Store: st, Queued: engine.Nudge, Logger: logger, Every: 200 * time.Millisecond})
	wg.Go(func() { engine.Run(ctx) })
	wg.Go(func() { sched.Run(ctx) })

	users := user.NewService(user.Config{Store: st, Cost: user.Cost{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}})
	subs := subscriber.NewService(subscriber.Config{Store: st, Signer: signer, Queued: engine.Nudge, Logger: logger})
	site, err := web.New(web.Config{Site: web.Site{Name: "The Harbour Times", BaseURL: base, Language: "en"},
		Articles: st, Subscriptions: subs, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	newsroomApp, err := New(Config{Site: Site{Name: "The Harbour Times", BaseURL: base}, From: from, Users: users,
		Articles: st, Publisher: article.NewPublisher(st, render), Markdown: render, Newsletters: st, Campaigns: st,
		Subscribers: st, Ledger: st, Settings: st, Mail: MailStatus{Transport: "SMTP " + mailSrv.URL()},
		Secret: testSecret, Erasure: subscriber.NewErasure(testSecret), Queued: engine.Nudge, Scheduled: sched.Nudge, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = server.New(server.Config{Site: site, Admin: newsroomApp, Logger: logger})
	srv.Start()
	t.Cleanup(srv.Close)
	return &newsroom{base: base, st: st, users: users, mail: mailSrv}
}

// screenshotDir is where the pages' pictures go, for a person to look at.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("HERALD_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "herald-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the whole page as PNG. The viewport is stretched to the
// page's height first, since Chromium paints sandboxed frames only inside
// the viewport, and put back afterwards.
func screenshot(t *testing.T, ctx context.Context, name string, opts ...chromedp.EmulateViewportOption) {
	t.Helper()
	size, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[window.innerWidth, window.innerHeight, document.documentElement.scrollHeight]`))
	if err != nil || len(size) != 3 {
		t.Errorf("screenshot %s: page size: %v", name, err)
		return
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(size[0]), int64(size[2]), opts...), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = chromedp.Do(ctx, chromedp.EmulateViewport(int64(size[0]), int64(size[1]), opts...))
	}
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(screenshotDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestEditorsDayInBrowser signs in, writes and publishes an article, sees
// it on the public site, makes a campaign of it, sends a test and then the
// campaign, and watches it go out; then an author is kept from the list.
func TestEditorsDayInBrowser(t *testing.T) {
	n := startNewsroom(t)
	ctx := context.Background()
	for role, email := range map[user.Role]string{user.Editor: "maya@harbour.example", user.Author: "ana@harbour.example"} {
		if _, err := n.users.Create(ctx, user.User{Email: email, Name: map[user.Role]string{user.Editor: "Maya Lindqvist", user.Author: "Ana Reis"}[role], Role: role}, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	var rows []subscriber.ImportRow
	for i := range 120 {
		rows = append(rows, subscriber.ImportRow{Line: i + 2, Email: fmt.Sprintf("reader%03d@example.net", i), Name: fmt.Sprintf("Reader %d", i)})
	}
	rows = append(rows, subscriber.ImportRow{Line: 200, Email: "gone@example.net"})
	if _, err := n.st.ImportSubscribers(ctx, 1, rows, subscriber.ImportOptions{Confirmed: true, Source: "test", At: time.Now().Add(-72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	bctx, cancel := newBrowser(t)
	defer cancel()
	step := func(what string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, timeout)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// poll evaluates expr until it is true. A page that reloads itself (as
	// the campaign page does when sending ends) only delays the answer.
	poll := func(what, expr string, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for {
			sctx, cancel := context.WithTimeout(bctx, 2*time.Second)
			ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](expr))
			cancel()
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				body, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.innerText`))
				t.Fatalf("%s: not so after %v (last error %v)\npage:\n%.2000s", what, timeout, err, body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	text := func() string {
		s, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.innerText`))
		return s
	}

	step("sign in", 30*time.Second,
		chromedp.Navigate(n.base+"/admin/articles"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "maya@harbour.example"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/articles/new"]`)),
	)
	if loc, _ := chromedp.Run(bctx, chromedp.Location()); !strings.HasSuffix(loc, "/admin/articles") {
		t.Errorf("after signing in the browser is at %s, want the page it asked for", loc)
	}

	step("write an article", 30*time.Second,
		chromedp.Click(chromedp.CSS(`a[href="/admin/articles/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#title`)),
		chromedp.SendKeys(chromedp.CSS(`#title`), "Harbour bridge reopens to traffic"),
		chromedp.SendKeys(chromedp.CSS(`#standfirst`), "The first buses crossed this morning after eight months of repairs."),
		chromedp.SendKeys(chromedp.CSS(`#body`), "The first bus crossed the bridge at **6:12** this morning.\n\n## What changed\n\n- New deck\n- Wider cycle lane\n\nThe council says the work came in *on budget*."),
		chromedp.SetValue(chromedp.CSS(`#section`), "Local"),
		chromedp.SetValue(chromedp.CSS(`#tags`), "Transport, Harbour"),
	)
	poll("the live preview renders the Markdown", `(document.querySelector('#article-preview strong')||{}).textContent === '6:12'
		&& !!document.querySelector('#article-preview h2')`, 10*time.Second)
	if hidden, _ := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.querySelector('button[value=preview]').hidden`)); !hidden {
		t.Error("the no-script Preview button is still shown with the script running")
	}
	step("publish it", 30*time.Second,
		chromedp.SetValue(chromedp.CSS(`#status`), "published"),
		chromedp.Click(chromedp.CSS(`#article-form button[type=submit]:not([value])`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if !strings.Contains(text(), "View on the site") {
		t.Fatalf("the published article's editor has no link to the site:\n%s", text())
	}
	screenshot(t, bctx, "article-editor")
	editorURL, _ := chromedp.Run(bctx, chromedp.Location())

	step("see it on the public site", 30*time.Second,
		chromedp.Navigate(n.base+"/articles/harbour-bridge-reopens-to-traffic"),
		chromedp.WaitVisible(chromedp.CSS(`h1`)),
	)
	if got := text(); !strings.Contains(got, "Harbour bridge reopens to traffic") || !strings.Contains(got, "6:12") {
		t.Fatalf("the public article page does not show the article:\n%.1000s", got)
	}

	step("make a campaign of it", 30*time.Second,
		chromedp.Navigate(editorURL),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/admin/campaigns/new?article="]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/admin/campaigns/new?article="]`)),
		chromedp.WaitVisible(chromedp.CSS(`#subject`)),
		chromedp.SendKeys(chromedp.CSS(`#markdown`), "Good morning. The bridge is open again: here is how it went."),
		chromedp.Click(chromedp.CSS(`form[action="/admin/campaigns"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#test-to`)),
	)
	step("send a test to no address", 30*time.Second,
		chromedp.SetValue(chromedp.CSS(`#test-to`), "desk"),
		chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#form-error`)),
	)
	// The server tied the message to the field; the script only moves the
	// focus there, and describes it no second time.
	if got, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.activeElement.id + " " + document.activeElement.getAttribute("aria-describedby")`)); got != "test-to form-error" {
		t.Errorf("after a refused test, the focus and its description are %q; want \"test-to form-error\"", got)
	}
	step("send a test", 30*time.Second,
		chromedp.SetValue(chromedp.CSS(`#test-to`), "desk@harbour.example"),
		chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	test, err := n.mail.WaitFor("desk@harbour.example", nil, 15*time.Second)
	if err != nil {
		t.Fatalf("the test email did not arrive: %v", err)
	}
	if p, err := mail.Parse(test.Data); err != nil || p.Subject != "Harbour bridge reopens to traffic" || !strings.Contains(p.Text, "6:12") {
		t.Errorf("test email: subject %q (%v)", p.Subject, err)
	}

	step("send it", 30*time.Second,
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`form[action$="/send"] input[value=now] ~ button`)),
		chromedp.WaitVisible(chromedp.CSS(`.progress progress`)),
	)
	framesLoaded := `performance.getEntriesByType('resource').filter(e => e.initiatorType === 'iframe' && e.responseEnd > 0).length >= 2`
	poll("the progress bar moves", `(() => { const p = document.querySelector('.progress progress');
		return p && p.value > 0 && p.value < p.max; })() && `+framesLoaded, 30*time.Second)
	poll("the status line tells how far it got", `(() => { const s = document.querySelector('.progress [role=status]');
		return !!s && /^Harbour bridge reopens to traffic: (sending, )?[0-9]+% done\.$/.test(s.textContent); })()`, 30*time.Second)
	time.Sleep(200 * time.Millisecond) // for the frames to paint
	screenshot(t, bctx, "campaign-progress")
	poll("the progress bar reaches 100%", `(() => { const p = document.querySelector('.progress progress');
		return !!p && p.value === p.max && p.max >= 121 && document.body.innerText.includes('100% done · sent'); })()`, 60*time.Second)
	poll("the results show the counts", `document.body.innerText.includes('no such mailbox here')`, 20*time.Second)
	got := text()
	for _, want := range []string{"Sent\n120", "Failed\n1", "550 5.1.1"} {
		if !strings.Contains(got, want) {
			t.Errorf("the results lack %q:\n%.1500s", want, got)
		}
	}
	if c := n.mail.Received(); c["reader000@example.net"] != 1 || c["reader119@example.net"] != 1 {
		t.Errorf("subscribers received %d and %d copies, want 1 each", c["reader000@example.net"], c["reader119@example.net"])
	}
	poll("the email previews load", framesLoaded, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	screenshot(t, bctx, "campaign-results")

	step("open the dashboard", 30*time.Second,
		chromedp.Navigate(n.base+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS(`svg polyline`)),
	)
	screenshot(t, bctx, "dashboard")
	step("open a subscriber", 30*time.Second,
		chromedp.Navigate(n.base+"/admin/subscribers?q=reader007"),
		chromedp.WaitVisible(chromedp.CSS(`td a[href^="/admin/subscribers/"]`)),
		chromedp.Click(chromedp.CSS(`td a[href^="/admin/subscribers/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#consent-title`)),
	)
	if got := text(); !strings.Contains(got, "imported with --confirmed") || !strings.Contains(got, "campaign") {
		t.Errorf("the subscriber page lacks the consent or delivery history:\n%.1500s", got)
	}
	screenshot(t, bctx, "subscriber")
	step("the dashboard on a phone", 30*time.Second,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(n.base+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS(`svg polyline`)),
	)
	if w, _ := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 400 {
		t.Errorf("on a 390-pixel phone the dashboard is %d pixels wide", w)
	}
	screenshot(t, bctx, "dashboard-phone", chromedp.EmulateMobile)

	step("sign out and in as an author", 30*time.Second,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(n.base+"/admin/"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "ana@harbour.example"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/articles/new"]`)),
		chromedp.Navigate(n.base+"/admin/subscribers"),
		chromedp.WaitVisible(chromedp.CSS(`h1`)),
	)
	if got := text(); !strings.Contains(got, "Your role does not allow this") || strings.Contains(got, "reader007@example.net") {
		t.Errorf("an author opening the subscribers sees:\n%.1000s", got)
	}
}
