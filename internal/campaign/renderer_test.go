package campaign_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/subscriber"
)

func TestCampaignLinksOpenUnsubscribeAndPreferences(t *testing.T) {
	f := setup(t)
	f.subscribe(t, nil, "a@example.org")
	id := f.campaign(t, campaign.Campaign{})
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Sending, f.now, f.now); err != nil {
		t.Fatal(err)
	}
	f.tick(t, f.now)
	ds := f.claim(t, f.now)
	if len(ds) != 1 {
		t.Fatalf("claimed %d deliveries, want the one campaign email", len(ds))
	}
	signer := subscriber.NewSigner([]byte("a secret of at least thirty-two bytes"))
	r, err := campaign.NewRenderer(campaign.RendererConfig{Store: f.st, SiteName: "Herald", BaseURL: "https://news.example",
		From: mail.Address{Email: "news@news.example"}, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Render(f.ctx, ds[0])
	if err != nil {
		t.Fatalf("Render(%+v) = %v", ds[0], err)
	}
	msg, err := mail.Parse(out.Data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pattern    string
		purpose    subscriber.Purpose
		newsletter int64
	}{
		{`https://news\.example/unsubscribe/([A-Za-z0-9_-]+)`, subscriber.PurposeUnsubscribe, 1},
		{`https://news\.example/preferences/([A-Za-z0-9_-]+)`, subscriber.PurposePreferences, 0},
	} {
		m := regexp.MustCompile(tc.pattern).FindStringSubmatch(msg.Text)
		if m == nil {
			t.Errorf("the email's text has no link matching %s:\n%s", tc.pattern, msg.Text)
			continue
		}
		tok, err := signer.Verify(m[1], tc.purpose, f.now)
		if err != nil || tok.SubscriberID != ds[0].SubscriberID || tok.NewsletterID != tc.newsletter || !tok.Expires.IsZero() {
			t.Errorf("link %s carries %+v, %v; want purpose %d for subscriber %d, newsletter %d, no expiry",
				m[0], tok, err, tc.purpose, ds[0].SubscriberID, tc.newsletter)
		}
	}
}

// TestMailClaimedBeforeAPauseWaits: mail claimed before the campaign was
// paused is handed back at render time, within about a second, and mail
// claimed before a cancel is skipped.
func TestMailClaimedBeforeAPauseWaits(t *testing.T) {
	f := setup(t)
	f.subscribe(t, nil, "a@example.org", "b@example.org")
	id := f.campaign(t, campaign.Campaign{})
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Sending, f.now, f.now); err != nil {
		t.Fatal(err)
	}
	f.tick(t, f.now)
	ds := f.claim(t, f.now)
	if len(ds) != 2 {
		t.Fatalf("claimed %d deliveries, want 2", len(ds))
	}
	now := f.now
	r, err := campaign.NewRenderer(campaign.RendererConfig{Store: f.st, SiteName: "Herald", BaseURL: "https://news.example",
		From: mail.Address{Email: "news@news.example"}, Signer: subscriber.NewSigner([]byte("a secret of at least thirty-two bytes")),
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Render(f.ctx, ds[0]); err != nil {
		t.Fatalf("Render while sending = %v", err)
	}
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Paused, now, time.Time{}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Second)
	if _, err := r.Render(f.ctx, ds[1]); !errors.Is(err, delivery.ErrNotNow) {
		t.Errorf("Render after a pause = %v, want delivery.ErrNotNow", err)
	}
	if err := r.Ready(f.ctx, ds[1]); !errors.Is(err, delivery.ErrNotNow) {
		t.Errorf("Ready after a pause = %v, want delivery.ErrNotNow", err)
	}
	test := ds[1]
	test.Kind = delivery.KindCampaignTest
	if err := r.Ready(f.ctx, test); err != nil {
		t.Errorf("Ready for a test send of a paused campaign = %v, want nil: a test goes whatever the campaign's state", err)
	}
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Cancelled, now, time.Time{}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Second)
	if _, err := r.Render(f.ctx, ds[1]); !errors.Is(err, delivery.ErrSkip) {
		t.Errorf("Render after a cancel = %v, want delivery.ErrSkip", err)
	}
	if err := r.Ready(f.ctx, ds[1]); !errors.Is(err, delivery.ErrSkip) {
		t.Errorf("Ready after a cancel = %v, want delivery.ErrSkip", err)
	}
}
