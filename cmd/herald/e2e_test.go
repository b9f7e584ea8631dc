package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"herald/internal/mail"
	"herald/internal/smtptest"
)

// instance is a real Herald process run through run(), on a free port.
type instance struct {
	t       *testing.T
	base    string
	data    string
	args    []string
	cancel  context.CancelFunc
	done    chan error
	stderr  *syncBuffer
	smtpURL string
}

type syncBuffer struct {
	mu chan struct{}
	b  bytes.Buffer
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{mu: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func env(map[string]string) func(string) string {
	return func(string) string { return "" }
}

// startHerald runs `herald serve` with its data in a temporary folder and
// waits until the site answers.
func startHerald(t *testing.T, extra ...string) *instance {
	t.Helper()
	addr := freeAddr(t)
	in := &instance{t: t, base: "http://" + addr, data: t.TempDir(), done: make(chan error, 1), stderr: newSyncBuffer()}
	in.args = append([]string{"--addr", addr, "--data", in.data, "--log-level", "warn"}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	go func() {
		in.done <- run(ctx, append([]string{"serve"}, in.args...), env(nil), strings.NewReader(""), io.Discard, in.stderr)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(in.base + "/robots.txt")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-in.done:
			t.Fatalf("herald serve exited early: %v\n%s", err, in.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("herald did not answer within 15 s: %v\n%s", err, in.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(in.stop)
	return in
}

func (in *instance) stop() {
	if in.cancel == nil {
		return
	}
	in.cancel()
	in.cancel = nil
	select {
	case err := <-in.done:
		if err != nil {
			in.t.Errorf("herald serve returned %v\n%s", err, in.stderr.String())
		}
	case <-time.After(30 * time.Second):
		in.t.Errorf("herald serve did not stop within 30 s")
	}
}

// cli runs another herald command against the same data, as an operator
// would while the server runs.
func (in *instance) cli(args ...string) string {
	in.t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--data", in.data)
	if err := run(context.Background(), args, env(nil), strings.NewReader(""), &out, &errOut); err != nil {
		in.t.Fatalf("herald %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

func (in *instance) state(email string) map[string]string {
	in.t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(in.cli("subscriber", "list", "--json")), "\n") {
		var s struct {
			Email       string            `json:"email"`
			Newsletters map[string]string `json:"newsletters"`
		}
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			in.t.Fatalf("subscriber list --json printed %q: %v", line, err)
		}
		if s.Email == email {
			return s.Newsletters
		}
	}
	return nil
}

func mustGet(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func mustPost(t *testing.T, u, contentType, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(u, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var linkPattern = regexp.MustCompile(`https?://[^\s"<>]+/(confirm|unsubscribe)/[A-Za-z0-9_-]+`)

func TestReaderPathEndToEnd(t *testing.T) {
	mailSrv, err := smtptest.Start(smtptest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mailSrv.Close()
	h := startHerald(t, "--smtp", mailSrv.URL())

	// The newsroom publishes an article from a Markdown file.
	file := filepath.Join(t.TempDir(), "story.md")
	os.WriteFile(file, []byte("---\ntitle: Tide tables change next week\nslug: tide-tables\nstandfirst: The port authority moves to a new survey.\nauthors: [Ines Duarte]\nsection: Local\ntags: [Harbour]\nlanguage: en\n---\nThe new tables are **more precise**.\n"), 0o600)
	if out := h.cli("article", "publish", file); !strings.Contains(out, "tide-tables") {
		t.Fatalf("article publish printed %q", out)
	}
	status, page := mustGet(t, h.base+"/articles/tide-tables")
	if status != 200 || !strings.Contains(page, "Tide tables change next week") || !strings.Contains(page, `action="/subscribe"`) {
		t.Fatalf("GET article: %d, page without headline or signup form:\n%s", status, page)
	}

	// A reader without JavaScript signs up.
	const email = "reader@example.org"
	form := url.Values{"email": {email}, "name": {"Reader"}, "language": {"en"}, "source": {"/articles/tide-tables"}, "newsletter": {"1"}}
	status, body := mustPost(t, h.base+"/subscribe", "application/x-www-form-urlencoded", form.Encode())
	if status != 200 || !strings.Contains(body, "Thank you for sign up!") {
		t.Fatalf("POST /subscribe: %d\n%s", status, body)
	}
	if got := h.state(email); got["news"] != "pending" {
		t.Fatalf("after signup, state = %v; want news=pending", got)
	}

	// The confirmation email arrives over SMTP, with a signed link.
	msg, err := mailSrv.WaitFor(email, nil, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	confirm := parse(t, msg.Data)
	link := linkPattern.FindString(confirm.Text)
	if !strings.Contains(link, "/confirm/") {
		t.Fatalf("confirmation email has no confirm link:\n%s", confirm.Text)
	}
	checkUnsubscribeHeaders(t, confirm)

	// Opening the link (as a mail scanner would) confirms nothing.
	status, page = mustGet(t, link)
	if status != 200 || !strings.Contains(page, "<form") {
		t.Fatalf("GET confirm link: %d\n%s", status, page)
	}
	if got := h.state(email); got["news"] != "pending" {
		t.Fatalf("after GET of the confirm link, state = %v; want still pending", got)
	}
	status, _ = mustPost(t, link, "application/x-www-form-urlencoded", "")
	if status != 200 {
		t.Fatalf("POST confirm link: %d", status)
	}
	if got := h.state(email); got["news"] != "confirmed" {
		t.Fatalf("after confirming, state = %v; want confirmed", got)
	}

	// The welcome email follows.
	welcomeMsg, err := mailSrv.WaitFor(email, func(m smtptest.Message) bool {
		return strings.Contains(parse(t, m.Data).Subject, "Welcome")
	}, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	welcome := parse(t, welcomeMsg.Data)
	unsub := checkUnsubscribeHeaders(t, welcome)

	// One click in the mail client: a POST with the RFC 8058 body.
	status, _ = mustPost(t, unsub, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")
	if status != 200 {
		t.Fatalf("one-click unsubscribe POST: %d", status)
	}
	if got := h.state(email); got["news"] != "unsubscribed" {
		t.Fatalf("after one-click unsubscribe, state = %v; want unsubscribed", got)
	}

	// The operator's probes and metrics.
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "herald_signups_total 1"} {
		if status, body := mustGet(t, h.base+path); status != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, body without %q:\n%.500s", path, status, want, body)
		}
	}

	// A forged token is refused and changes nothing.
	status, _ = mustPost(t, unsub[:len(unsub)-2]+"xx", "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")
	if status != 400 {
		t.Errorf("POST with an altered token: %d, want 400", status)
	}
}

func parse(t *testing.T, data []byte) mail.ParsedMessage {
	t.Helper()
	p, err := mail.Parse(data)
	if err != nil {
		t.Fatalf("parse email: %v\n%s", err, data)
	}
	return p
}

// checkUnsubscribeHeaders checks RFC 2369 and RFC 8058 headers and returns
// the https (here http) unsubscribe URL.
func checkUnsubscribeHeaders(t *testing.T, m mail.ParsedMessage) string {
	t.Helper()
	if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	lu := m.Header.Get("List-Unsubscribe")
	if !strings.HasPrefix(lu, "<") || !strings.HasSuffix(lu, ">") || !strings.Contains(lu, "/unsubscribe/") {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}
	return strings.Trim(lu, "<>")
}
