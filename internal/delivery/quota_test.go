package delivery_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"herald/internal/delivery"
	"herald/internal/smtptest"
)

// quotaObserver counts the claims held back by a quota.
type quotaObserver struct{ held atomic.Int64 }

func (o *quotaObserver) DeliveryResult(kind, state string) {}
func (o *quotaObserver) LeasesExpired(n int)               {}
func (o *quotaObserver) RateLimited(limit string, waited time.Duration) {
	if limit == "quota" {
		o.held.Add(1)
	}
}

// An hourly quota stops the engine at its number of messages, counting
// what an earlier process sent within the hour too, and the rest waits in
// the queue.
func TestQuotaHoldsTheRestBack(t *testing.T) {
	var addrs []string
	for i := range 8 {
		addrs = append(addrs, fmt.Sprintf("q%d@example.com", i))
	}
	f := setup(t, smtptest.Options{}, addrs...)
	quota := func(c *delivery.Config) {
		c.Quotas = []delivery.Quota{{Window: time.Hour, Max: 5}}
		c.Counter = f.st
	}
	// A first process sends two of them and stops.
	first := f.engine(t, func(c *delivery.Config) {
		quota(c)
		c.Quotas[0].Max = 2
	})
	runUntil(t, first, func() bool { return f.smtp.Count() == 2 })
	if n, err := f.st.SentSince(context.Background(), time.Now().Add(-time.Hour)); err != nil || n != 2 {
		t.Fatalf("SentSince(an hour ago) after the first process = %d, %v; want 2", n, err)
	}

	var obs quotaObserver
	second := f.engine(t, func(c *delivery.Config) {
		quota(c)
		c.Observer = &obs
	})
	runUntil(t, second, func() bool { return f.smtp.Count() >= 5 && obs.held.Load() >= 3 })
	if n := f.smtp.Count(); n != 5 {
		t.Errorf("%d messages sent under an hourly quota of 5; want 5", n)
	}
	depth, _, err := f.st.QueueStats(context.Background())
	if err != nil || depth != 3 {
		t.Errorf("QueueStats() = %d, %v; want the 3 messages over the quota still queued", depth, err)
	}
}
