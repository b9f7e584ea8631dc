package server_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/internal/mail"
	"herald/internal/server"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
	"herald/internal/web"
)

// TestFramingHeadersAgree asks the composed public site for each kind of
// page and checks that its one Content-Security-Policy and its
// X-Frame-Options say the same thing: nobody may frame it.
func TestFramingHeadersAgree(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	signer := subscriber.NewSigner([]byte("a secret for the tests of at least 32 bytes"))
	subs := subscriber.NewService(subscriber.Config{Store: st, Signer: signer})
	site, err := web.New(web.Config{Site: web.Site{Name: "The Harbour Times", BaseURL: "https://news.example"},
		Articles: st, Subscriptions: subs, Outbox: st})
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(server.Config{Site: site, Health: server.Health(st)})
	// An email kept in the outbox is shown under a policy of its own.
	data, err := mail.Build(&mail.Message{From: mail.Address{Email: "news@news.example"}, To: mail.Address{Email: "reader@example.org"},
		Subject: "Hello", Text: "Hello", HTML: "<p>Hello</p>", MessageID: "1@news.example", Date: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := st.AddOutboxMessage(ctx, mail.OutboxMessage{From: "news@news.example", To: "reader@example.org", Subject: "Hello", Data: data, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	unsub := signer.Sign(subscriber.Token{Purpose: subscriber.PurposeUnsubscribe, SubscriberID: 1})

	for _, target := range []string{
		"GET /", "GET /articles/missing", "GET /feed.xml", "GET /robots.txt", "GET /outbox", "GET /outbox/" + strconv.FormatInt(msg, 10),
		"GET /confirm/nonsense", "GET /unsubscribe/" + unsub, "POST /subscribe", "DELETE /", "GET /healthz",
	} {
		method, path, _ := strings.Cut(target, " ")
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = "127.0.0.1:1234" // the outbox answers loopback only
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		csp := w.Header().Values("Content-Security-Policy")
		xfo := w.Header().Values("X-Frame-Options")
		if len(csp) != 1 || len(xfo) != 1 {
			t.Errorf("%s (status %d): Content-Security-Policy %q, X-Frame-Options %q; want one of each", target, w.Code, csp, xfo)
			continue
		}
		if got := frameAncestors(csp[0]); got != "'none'" || xfo[0] != "DENY" {
			t.Errorf("%s (status %d): frame-ancestors %q, X-Frame-Options %q; want 'none' and DENY", target, w.Code, got, xfo[0])
		}
	}
}

// frameAncestors returns the sources of a policy's frame-ancestors
// directive, or "" when it has none.
func frameAncestors(csp string) string {
	for _, d := range strings.Split(csp, ";") {
		if name, value, _ := strings.Cut(strings.TrimSpace(d), " "); name == "frame-ancestors" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}
