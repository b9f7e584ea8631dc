package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"herald/internal/smtptest"
)

// TestCampaignWatchOutlastsTheMailInFlight cancels a campaign while its
// mail is with a slow mail server: campaign status --watch keeps watching
// until every message in flight is answered and ends on the final counts.
func TestCampaignWatchOutlastsTheMailInFlight(t *testing.T) {
	arrived, answer := make(chan struct{}, 10), make(chan struct{})
	sink, err := smtptest.Start(smtptest.Options{Reply: func(string, []string, []byte) error {
		arrived <- struct{}{}
		<-answer
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	answered := false
	release := func() {
		if !answered {
			answered = true
			close(answer)
		}
	}
	defer release()
	h := startHerald(t, "--smtp", sink.URL()+"?connections=1")
	id := newCampaignWith(t, h.cli, addresses("w", 3))
	h.cli("campaign", "send", id)
	select {
	case <-arrived:
	case <-time.After(15 * time.Second):
		t.Fatalf("no campaign message reached the mail server within 15 s\n%s", h.stderr.String())
	}
	h.cli("campaign", "cancel", id)

	var out bytes.Buffer
	watched := make(chan error, 1)
	go func() {
		watched <- run(context.Background(), []string{"campaign", "status", id, "--watch", "--data", h.data}, env(nil), strings.NewReader(""), &out, &bytes.Buffer{})
	}()
	select {
	case err := <-watched:
		t.Fatalf("campaign status --watch ended (%v) while a message was still with the mail server:\n%q", err, out.String())
	case <-time.After(1500 * time.Millisecond):
	}
	release()
	select {
	case err := <-watched:
		if err != nil {
			t.Fatalf("campaign status --watch = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("campaign status --watch still watching 15 s after the mail server answered:\n%q", out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\r\033[K")
	last := lines[len(lines)-1]
	s := campaignState(t, h.data, id)
	want := fmt.Sprintf("sent %d ", s.Sent)
	if s.Sent == 0 || s.Remaining != 0 || !strings.Contains(last, "cancelled") || !strings.Contains(last, want) || !strings.Contains(last, "remaining 0 of 3") {
		t.Errorf("campaign status --watch ended on %q; want the final counts of %+v (cancelled, %s, remaining 0 of 3)", last, s, want)
	}
}
