package campaign_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/mail/smtp"
	"herald/internal/smtptest"
	"herald/internal/subscriber"
)

// TestPauseHandsBackClaimedMailUnderASlowRate: under a slow send rate the
// engine holds claimed mail while it waits for the rate. A pause must hand
// all of it back within about the second the renderer takes to notice, not
// one message per tick of the rate, so the campaign's waiting list is
// whole at once.
func TestPauseHandsBackClaimedMailUnderASlowRate(t *testing.T) {
	f := setup(t)
	var emails []string
	for i := range 60 {
		emails = append(emails, fmt.Sprintf("r%d@example.org", i))
	}
	f.subscribe(t, nil, emails...)
	id := f.campaign(t, campaign.Campaign{})
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Sending, f.now, f.now); err != nil {
		t.Fatal(err)
	}
	f.tick(t, f.now)

	srv, err := smtptest.Start(smtptest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg, err := smtp.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	sender := smtp.New(cfg, nil)
	t.Cleanup(func() { sender.Close() })
	r, err := campaign.NewRenderer(campaign.RendererConfig{Store: f.st, SiteName: "Herald", BaseURL: "https://news.example",
		From: mail.Address{Email: "news@news.example"}, Signer: subscriber.NewSigner([]byte("a secret of at least thirty-two bytes"))})
	if err != nil {
		t.Fatal(err)
	}
	e, err := delivery.New(delivery.Config{Store: f.st, Sender: sender, PerSecond: 2, PollInterval: 20 * time.Millisecond,
		Renderers: map[delivery.Kind]delivery.Renderer{delivery.KindCampaign: r}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- e.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("Run returned %v", err)
		}
	}()
	if _, err := srv.Wait(2, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Paused, time.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	deadline := paused.Add(10 * time.Second)
	for {
		queued, _, err := f.st.CampaignLedger(f.ctx, id, delivery.Queued, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(queued) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still queued 10 s after the pause", len(queued))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The renderer looks at the campaign's state once a second; one
	// message may be waiting for the rate (half a second) when it does.
	if took := time.Since(paused); took > 2500*time.Millisecond {
		t.Errorf("the last claimed delivery was handed back %v after the pause; want within about a second and a half", took.Round(100*time.Millisecond))
	}
}
