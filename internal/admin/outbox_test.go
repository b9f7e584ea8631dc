package admin

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"herald/internal/mail"
	"herald/internal/user"
)

// outboxMessage is a caught message to the address, as the outbox keeps it.
func outboxMessage(to string) mail.OutboxMessage {
	data, err := mail.Build(&mail.Message{From: mail.Address{Name: "Herald", Email: "news@news.example.org"},
		To: mail.Address{Email: to}, Subject: "Please confirm your subscription", MessageID: "1.confirm@news.example.org",
		Date: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC),
		Text: "Confirm here: http://news.example.org/confirm/abc", HTML: `<p>Confirm <a href="http://news.example.org/confirm/abc">here</a></p>`})
	if err != nil {
		panic(err)
	}
	return mail.OutboxMessage{From: "news@news.example.org", To: to, Subject: "Please confirm your subscription", Data: data,
		CreatedAt: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)}
}

func TestOutboxForEditors(t *testing.T) {
	e := newEnv(t)
	id, err := e.st.AddOutboxMessage(context.Background(), outboxMessage("ana@example.net"))
	if err != nil {
		t.Fatal(err)
	}
	c := e.as(t, user.Editor)
	list := c.get("/admin/outbox")
	mustStatus(t, "outbox", list, http.StatusOK)
	if !strings.Contains(list.body, "Please confirm your subscription") || !strings.Contains(list.body, "ana@example.net") {
		t.Error("the outbox does not list the caught message")
	}
	msg := c.get(fmt.Sprintf("/admin/outbox/%d", id))
	mustStatus(t, "message", msg, http.StatusOK)
	if !strings.Contains(msg.body, "Confirm here: http://news.example.org/confirm/abc") || !strings.Contains(msg.body, "Message-Id") {
		t.Error("the message page lacks its text or headers")
	}
	html := c.get(fmt.Sprintf("/admin/outbox/%d/html", id))
	if !strings.Contains(html.body, "<p>Confirm") || !strings.Contains(html.header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("HTML part: %q, CSP %q", html.body, html.header.Get("Content-Security-Policy"))
	}
	mustStatus(t, "missing message", c.get("/admin/outbox/999"), http.StatusNotFound)
	mustStatus(t, "author", e.as(t, user.Author).get("/admin/outbox"), http.StatusForbidden)

	smtp := newEnv(t, func(c *Config) { c.Outbox = nil })
	page := smtp.as(t, user.Editor).get("/admin/outbox")
	if !strings.Contains(page.body, "there is no outbox") {
		t.Error("without an outbox the page does not say so")
	}
}
