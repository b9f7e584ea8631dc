package subscriber_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

func TestConfirmationEmail(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	if err := st.RecordSignups(ctx, []subscriber.Signup{
		{Email: "zoe@example.org", Name: `<b>Zoë & "Co"</b>`, Newsletters: []int64{1}, At: now},
		{Email: "anon@example.org", Newsletters: []int64{1}, At: now},
	}, time.Hour); err != nil {
		t.Fatal(err)
	}
	signer := subscriber.NewSigner([]byte("a secret for the tests of at least 32 bytes"))
	m, err := subscriber.NewMailer(subscriber.MailConfig{Site: "The Harbour Herald", BaseURL: "https://news.example",
		From: mail.Address{Name: "The Harbour Herald", Email: "news@news.example"}, Signer: signer}, st)
	if err != nil {
		t.Fatal(err)
	}
	// The mailer renders deliveries as the engine claims them: with the
	// subscriber's name and subscriptions.
	claimed, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "test", Now: now, Lease: time.Minute, Limit: 10})
	if err != nil || len(claimed) != 2 {
		t.Fatalf("ClaimDeliveries = %+v, %v; want the two confirmation emails", claimed, err)
	}
	of := func(id int64) delivery.Delivery {
		for _, c := range claimed {
			if c.SubscriberID == id {
				return c
			}
		}
		t.Fatalf("no confirmation email claimed for subscriber %d", id)
		return delivery.Delivery{}
	}
	render := func(id int64) mail.ParsedMessage {
		out, err := m.Render(ctx, of(id))
		if err != nil {
			t.Fatalf("Render(subscriber %d): %v", id, err)
		}
		p, err := mail.Parse(out.Data)
		if err != nil {
			t.Fatalf("Parse: %v\n%s", err, out.Data)
		}
		return p
	}
	p := render(1)
	if p.Subject != "Please confirm your subscription to The Harbour Herald" || !strings.Contains(p.To, "zoe@example.org") {
		t.Errorf("Subject %q To %q", p.Subject, p.To)
	}
	// The name was typed by whoever filled the form, not yet by the owner
	// of the address: the confirmation must not carry it anywhere.
	if !strings.Contains(p.Text, "Hello,\n") || !strings.Contains(p.Text, "https://news.example/confirm/") {
		t.Errorf("text part lacks the greeting or the link:\n%s", p.Text)
	}
	for part, s := range map[string]string{"To": p.To, "text": p.Text, "HTML": p.HTML} {
		if strings.Contains(s, "Zo") {
			t.Errorf("confirmation %s carries the name typed in the form:\n%s", part, s)
		}
	}
	if lu := p.Header.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<https://news.example/unsubscribe/") {
		t.Errorf("List-Unsubscribe = %q", lu)
	} else if tok, err := signer.Verify(strings.TrimSuffix(strings.TrimPrefix(lu, "<https://news.example/unsubscribe/"), ">"),
		subscriber.PurposeDecline, now); err != nil || tok.SubscriberID != 1 {
		// A reader already on another newsletter who declines this one
		// stays on the other.
		t.Errorf("the confirmation's unsubscribe link = %+v, %v; want a decline link of subscriber 1", tok, err)
	}
	if want := fmt.Sprintf("<%d.confirm@news.example>", of(1).ID); p.Header.Get("Message-Id") != want {
		t.Errorf("Message-ID = %q, want %q", p.Header.Get("Message-Id"), want)
	}
	// The token in the link confirms this subscriber and no other.
	link := p.Text[strings.Index(p.Text, "https://news.example/confirm/"):]
	link = strings.Fields(link)[0]
	tok, err := signer.Verify(strings.TrimPrefix(link, "https://news.example/confirm/"), subscriber.PurposeConfirm, now)
	if err != nil || tok.SubscriberID != 1 {
		t.Errorf("confirm link token = %+v, %v", tok, err)
	}
	if anon := render(2); !strings.Contains(anon.Text, "Hello,\n") || strings.Contains(anon.Text, "Hello ,") {
		t.Errorf("greeting without a name:\n%s", anon.Text)
	}
	// The welcome email, sent once the address owner confirmed, greets
	// them by name.
	welcome := of(1)
	welcome.Kind = delivery.KindWelcome
	welcome.SubscriptionStates = map[int64]string{1: string(subscriber.Confirmed)}
	out, err := m.Render(ctx, welcome)
	if err != nil {
		t.Fatalf("Render(welcome for subscriber 1): %v", err)
	}
	w, err := mail.Parse(out.Data)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, out.Data)
	}
	if !strings.Contains(w.Text, `Hello <b>Zoë & "Co"</b>,`) {
		t.Errorf("welcome text part does not greet by name:\n%s", w.Text)
	}
	if strings.Contains(w.HTML, "<b>Zo") || !strings.Contains(w.HTML, "&lt;b&gt;Zoë &amp; &#34;Co&#34;&lt;/b&gt;") {
		t.Errorf("welcome HTML part does not escape the name:\n%s", w.HTML)
	}
	// It links to the reader's preferences page with a token for that.
	prefs := regexp.MustCompile(`https?://\S+/preferences/([A-Za-z0-9_-]+)`).FindStringSubmatch(w.Text)
	if prefs == nil || !strings.Contains(w.HTML, `href="`+prefs[0]+`"`) {
		t.Fatalf("welcome email lacks the same preferences link in both parts:\n%s\n%s", w.Text, w.HTML)
	}
	if tok, err := signer.Verify(prefs[1], subscriber.PurposePreferences, time.Now()); err != nil || tok.SubscriberID != welcome.SubscriberID {
		t.Errorf("preferences link token = %+v, %v; want one for subscriber %d", tok, err, welcome.SubscriberID)
	}
	suppressed := claimed[0]
	suppressed.Suppressed = true
	if _, err := m.Render(ctx, suppressed); !errors.Is(err, delivery.ErrSkip) {
		t.Errorf("rendering for a suppressed address: %v, want delivery.ErrSkip", err)
	}
	left := claimed[0]
	left.SubscriptionStates = map[int64]string{1: string(subscriber.Unsubscribed)}
	if _, err := m.Render(ctx, left); !errors.Is(err, delivery.ErrSkip) {
		t.Errorf("rendering a confirmation for someone who left: %v, want delivery.ErrSkip", err)
	}
}
