package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/mail"
)

// catch stores a built message in the outbox and returns its ID.
func (e *testEnv) catch(subject, text, htmlPart string) int64 {
	e.t.Helper()
	m := &mail.Message{
		From:      mail.Address{Name: "The Test Herald", Email: "news@news.example"},
		To:        mail.Address{Email: "reader@example.org"},
		Subject:   subject,
		Text:      text,
		HTML:      htmlPart,
		MessageID: fmt.Sprintf("%d@news.example", time.Now().UnixNano()),
		Date:      e.now,
	}
	data, err := mail.Build(m)
	if err != nil {
		e.t.Fatalf("mail.Build(%q) = %v", subject, err)
	}
	id, err := e.store.AddOutboxMessage(context.Background(), mail.OutboxMessage{
		From: m.From.Email, To: m.To.Email, Subject: subject, Data: data, CreatedAt: e.now,
	})
	if err != nil {
		e.t.Fatalf("AddOutboxMessage = %v", err)
	}
	return id
}

func (e *testEnv) getFrom(target, remote string, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return e.do(r)
}

func TestOutboxOnlyForLocalDevelopers(t *testing.T) {
	e := newEnv(t)
	id := e.catch("Please confirm", "Hello", "")
	msg := fmt.Sprintf("/outbox/%d", id)
	for _, tt := range []struct {
		remote string
		header []string
		status int
	}{
		{"127.0.0.1:5000", nil, 200},
		{"[::1]:5000", nil, 200},
		{"192.0.2.1:5000", nil, 404},
		{"10.0.0.1:5000", nil, 404},
		{"127.0.0.1:5000", []string{"X-Forwarded-For", "203.0.113.9"}, 404},
		{"127.0.0.1:5000", []string{"Forwarded", "for=203.0.113.9"}, 404},
		{"127.0.0.1:5000", []string{"X-Real-IP", "203.0.113.9"}, 404},
		{"127.0.0.1:5000", []string{"X-Forwarded-Host", "news.example"}, 404},
		{"127.0.0.1:5000", []string{"X-Forwarded-Proto", "https"}, 404},
		{"not an address", nil, 404},
	} {
		for _, target := range []string{"/outbox", msg} {
			w := e.getFrom(target, tt.remote, tt.header...)
			if w.Code != tt.status {
				t.Errorf("GET %s from %s with %v: status %d, want %d", target, tt.remote, tt.header, w.Code, tt.status)
			}
			if w.Code == 200 && w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: Cache-Control %q", target, w.Header().Get("Cache-Control"))
			}
		}
	}

	off := newEnv(t, func(c *Config) { c.Outbox = nil })
	wantStatus(t, "GET /outbox with no outbox", off.getFrom("/outbox", "127.0.0.1:5000"), 404)
	wantStatus(t, "GET /outbox/1 with no outbox", off.getFrom("/outbox/1", "127.0.0.1:5000"), 404)
}

func TestOutboxMessage(t *testing.T) {
	e := newEnv(t)
	text := "Please confirm: https://news.example/confirm/abc_DEF-123.\nThanks (see http://news.example/help)"
	htmlPart := `<p>Confirm <a href="https://news.example/confirm/abc_DEF-123">here</a></p><script>alert(1)</script>`
	id := e.catch("Please confirm <now>", text, htmlPart)

	w := e.getFrom("/outbox", "127.0.0.1:1")
	wantStatus(t, "GET /outbox", w, 200)
	if !strings.Contains(w.Body.String(), fmt.Sprintf(`href="/outbox/%d"`, id)) || !strings.Contains(w.Body.String(), "Please confirm &lt;now&gt;") {
		t.Errorf("outbox list lacks the message:\n%s", w.Body)
	}

	w = e.getFrom(fmt.Sprintf("/outbox/%d", id), "127.0.0.1:1")
	wantStatus(t, "GET /outbox/id", w, 200)
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("message page CSP = %q", csp)
	}
	doc := parseHTML(t, w.Body.String())
	var hrefs []string
	for _, a := range findAll(doc, func(n *html.Node) bool { return n.Data == "a" }) {
		hrefs = append(hrefs, attrOr(a, "href"))
	}
	joined := strings.Join(hrefs, " ")
	if !strings.Contains(joined, "https://news.example/confirm/abc_DEF-123 ") || !strings.Contains(joined, "http://news.example/help ") {
		t.Errorf("text links = %v", hrefs)
	}
	frames := findAll(doc, func(n *html.Node) bool { return n.Data == "iframe" })
	if len(frames) != 1 {
		t.Fatalf("%d iframes, want 1", len(frames))
	}
	if sb, ok := attr(frames[0], "sandbox"); !ok || sb != "" {
		t.Errorf("iframe sandbox = %q (present %v), want an empty sandbox", sb, ok)
	}
	if got := attrOr(frames[0], "srcdoc"); strings.TrimSpace(got) != htmlPart {
		t.Errorf("srcdoc = %q, want the HTML part", got)
	}
	if strings.Contains(w.Body.String(), "<script>alert(1)") {
		t.Error("the HTML part's script reached the page itself")
	}
	for _, s := range []string{"Please confirm &lt;now&gt;", "reader@example.org", "Message-Id", "Text part"} {
		if !strings.Contains(w.Body.String(), s) {
			t.Errorf("message page lacks %q", s)
		}
	}

	wantStatus(t, "GET /outbox/abc", e.getFrom("/outbox/abc", "127.0.0.1:1"), 404)
	wantStatus(t, "GET /outbox/999999", e.getFrom("/outbox/999999", "127.0.0.1:1"), 404)
	if got := e.logs.String(); got != "" {
		t.Errorf("outbox requests logged errors:\n%s", got)
	}
	wantStatus(t, "GET /outbox?before=x", e.getFrom("/outbox?before=x", "127.0.0.1:1"), 400)
}

func TestOutboxPagination(t *testing.T) {
	e := newEnv(t)
	for i := range 55 {
		e.catch(fmt.Sprintf("Message %02d", i), "text", "")
	}
	w := e.getFrom("/outbox", "127.0.0.1:1")
	doc := parseHTML(t, w.Body.String())
	rows := findAll(doc, func(n *html.Node) bool { return n.Data == "tr" })
	if len(rows) != 51 { // with the heading row
		t.Fatalf("first outbox page has %d rows, want 50 and a heading", len(rows))
	}
	if !strings.Contains(textOf(rows[1]), "Message 54") {
		t.Errorf("first row is %q, want the newest message", textOf(rows[1]))
	}
	next := findAll(doc, func(n *html.Node) bool { return n.Data == "a" && attrOr(n, "rel") == "next" })
	if len(next) != 1 {
		t.Fatal("no link to older messages")
	}
	w = e.getFrom(attrOr(next[0], "href"), "127.0.0.1:1")
	rows = findAll(parseHTML(t, w.Body.String()), func(n *html.Node) bool { return n.Data == "tr" })
	if len(rows) != 6 || !strings.Contains(textOf(rows[5]), "Message 00") {
		t.Errorf("second outbox page has %d rows", len(rows))
	}
}

func TestLinkify(t *testing.T) {
	got := linkify("a https://x.example/p?q=1, b (http://y.example/z) c")
	want := []textRun{{Text: "a "}, {Text: "https://x.example/p?q=1", URL: "https://x.example/p?q=1"}, {Text: ", b ("},
		{Text: "http://y.example/z", URL: "http://y.example/z"}, {Text: ") c"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("linkify = %q, want %q", got, want)
	}
}
