package storetest

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/subscriber"
)

// BenchRecordSignups measures RecordSignups with batches of 16 new
// addresses, the size of a busy group commit, and reports the cost of one
// signup.
func BenchRecordSignups(b *testing.B, st Store) {
	const size = 16
	ctx := context.Background()
	at := time.Now().UTC()
	batch := make([]subscriber.Signup, size)
	n := 0
	for b.Loop() {
		for i := range batch {
			batch[i] = signup(fmt.Sprintf("bench%d@example.com", n), at)
			n++
		}
		if err := st.RecordSignups(ctx, batch, time.Hour); err != nil {
			b.Fatalf("RecordSignups(%d signups) = %v", size, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/signup")
}

// BenchSendLedger measures the send engine's bookkeeping for one campaign
// message: claiming deliveries 250 at a time and recording their answers
// in groups of 64, as the engine does, and reports the cost per message.
// The audience (20,000 confirmed subscribers) is frozen before timing.
func BenchSendLedger(b *testing.B, st Store) {
	const audience, batch, group = 20000, 250, 64
	ctx := context.Background()
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	rows := make([]subscriber.ImportRow, audience)
	for i := range rows {
		rows[i] = subscriber.ImportRow{Line: i + 2, Email: fmt.Sprintf("reader%d@example.com", i), Name: "Reader"}
	}
	if _, err := st.ImportSubscribers(ctx, 1, rows, subscriber.ImportOptions{Confirmed: true, Source: "bench", At: at}); err != nil {
		b.Fatalf("ImportSubscribers(%d rows) = %v", audience, err)
	}
	sent := 0
	var campaignID int64
	left := 0
	start := func() {
		id, err := st.CreateCampaign(ctx, &campaign.Campaign{NewsletterID: 1, Subject: "Bench", Markdown: "x",
			Kind: campaign.Manual, ArticleMode: campaign.Full, State: campaign.Draft})
		if err != nil {
			b.Fatalf("CreateCampaign = %v", err)
		}
		if err := st.MoveCampaign(ctx, id, campaign.Sending, at, time.Time{}); err != nil {
			b.Fatalf("MoveCampaign(%d, sending) = %v", id, err)
		}
		for done := false; !done; {
			if _, done, err = st.FreezeChunk(ctx, id, 20000, at); err != nil {
				b.Fatalf("FreezeChunk(%d) = %v", id, err)
			}
		}
		campaignID, left = id, audience
	}
	b.StopTimer()
	start()
	b.StartTimer()
	cpu0 := cpuTime()
	results := make([]delivery.Result, 0, group)
	for b.Loop() {
		if left == 0 {
			b.StopTimer()
			start()
			b.StartTimer()
		}
		now := time.Now()
		list, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "bench", Now: now, Lease: time.Minute, Limit: batch})
		if err != nil || len(list) == 0 {
			b.Fatalf("ClaimDeliveries = %d rows, %v (campaign %d, %d left)", len(list), err, campaignID, left)
		}
		for i, d := range list {
			results = append(results, delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: now,
				FirstAttempt: now, Attempted: true, MessageID: fmt.Sprintf("<c%d.s%d@example.com>", d.CampaignID, d.SubscriberID)})
			if len(results) == group || i == len(list)-1 {
				if n, err := st.RecordResults(ctx, results); err != nil || n != len(results) {
					b.Fatalf("RecordResults(%d) = %d, %v", len(results), n, err)
				}
				results = results[:0]
			}
		}
		sent += len(list)
		left -= len(list)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(sent), "ns/msg")
	if cpu := cpuTime(); cpu > 0 {
		b.ReportMetric(float64((cpu-cpu0).Nanoseconds())/float64(sent), "cpu-ns/msg")
	}
}

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
