package admin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"herald/internal/delivery"
	"herald/internal/mail"
)

// KindTestEmail is the delivery kind of the test email the settings page
// sends: it goes through the same queue, signing and mail server as every
// other message, so it proves the whole way out works. The delivery engine
// needs TestMail registered as its renderer.
const KindTestEmail delivery.Kind = "test_email"

// TestMail renders test emails for the delivery engine.
type TestMail struct {
	site, baseURL string
	from          mail.Address
	now           func() time.Time
}

// NewTestMail returns the renderer of KindTestEmail deliveries.
func NewTestMail(site, baseURL string, from mail.Address, now func() time.Time) *TestMail {
	if now == nil {
		now = time.Now
	}
	return &TestMail{site: site, baseURL: strings.TrimRight(baseURL, "/"), from: from, now: now}
}

// Render implements delivery.Renderer.
func (t *TestMail) Render(_ context.Context, d delivery.Delivery) (delivery.Outgoing, error) {
	if d.Kind != KindTestEmail {
		return delivery.Outgoing{}, fmt.Errorf("admin: cannot render %s mail", d.Kind)
	}
	domain := "localhost"
	if i := strings.LastIndexByte(t.from.Email, '@'); i >= 0 {
		domain = t.from.Email[i+1:]
	}
	now := t.now()
	m := &mail.Message{
		From:    t.from,
		To:      mail.Address{Email: d.Recipient},
		Subject: "Test email from " + t.site,
		Text: "This is a test email from the newsroom of " + t.site + " (" + t.baseURL + ").\n\n" +
			"It was queued at " + d.CreatedAt.UTC().Format(time.RFC1123) + " and went through the same queue, " +
			"signing and mail server as every newsletter. If you can read it, mail leaves the server.\n",
		MessageID: fmt.Sprintf("%d.test@%s", d.ID, domain),
		Date:      now,
		Headers:   []mail.Header{{Name: "Auto-Submitted", Value: "auto-generated"}},
	}
	data, err := mail.Build(m)
	if err != nil {
		return delivery.Outgoing{}, fmt.Errorf("admin: build test email: %w", err)
	}
	return delivery.Outgoing{From: t.from.Email, To: d.Recipient, Data: data, MessageID: m.MessageID}, nil
}
