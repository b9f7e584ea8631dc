package transfer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/store/pgtest"
	"herald/internal/store/transfer"
	"herald/internal/subscriber"
)

// BenchmarkCopy copies a list of 50,000 confirmed subscribers with a
// campaign frozen to all of them: about 200,000 rows across subscriber,
// subscription, consent and delivery, the tables that grow.
func BenchmarkCopy(b *testing.B) {
	pgtest.ServerURL(b)
	const n = 50000
	ctx := context.Background()
	src, path := openSQLite(b)
	rows := make([]subscriber.ImportRow, n)
	for i := range rows {
		rows[i] = subscriber.ImportRow{Line: i + 2, Email: fmt.Sprintf("reader%06d@example.com", i), Name: fmt.Sprintf("Reader %d", i)}
	}
	if _, err := src.ImportSubscribers(ctx, 1, rows, subscriber.ImportOptions{Confirmed: true, Source: "bench", At: t0}); err != nil {
		b.Fatalf("ImportSubscribers(%d) = %v", n, err)
	}
	id, err := src.CreateCampaign(ctx, &campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "Bench",
		Markdown: "Hello", ArticleMode: campaign.Full, State: campaign.Draft})
	if err != nil {
		b.Fatalf("CreateCampaign = %v", err)
	}
	if err := src.MoveCampaign(ctx, id, campaign.Sending, t0, time.Time{}); err != nil {
		b.Fatalf("MoveCampaign(sending) = %v", err)
	}
	for done := false; !done; {
		if _, done, err = src.FreezeChunk(ctx, id, 5000, t0); err != nil {
			b.Fatalf("FreezeChunk = %v", err)
		}
	}
	b.ResetTimer()
	var total int64
	for range b.N {
		b.StopTimer()
		u := pgtest.Database(b)
		b.StartTimer()
		report, err := transfer.Copy(ctx, path, u, transfer.Options{})
		if err != nil {
			b.Fatalf("Copy = %v", err)
		}
		total = 0
		for _, t := range report.Tables {
			total += t.Rows
		}
	}
	b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(total), "rows")
}
