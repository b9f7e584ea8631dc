package delivery_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"herald/internal/delivery"
	"herald/internal/smtptest"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// claimCounter is the real store, counting claims, and those that found
// work.
type claimCounter struct {
	*sqlite.Store
	tries, claims atomic.Int64
}

func (c *claimCounter) ClaimDeliveries(ctx context.Context, cl delivery.Claim) ([]delivery.Delivery, error) {
	ds, err := c.Store.ClaimDeliveries(ctx, cl)
	c.tries.Add(1)
	if len(ds) > 0 {
		c.claims.Add(1)
	}
	return ds, err
}

// Signups committed one after another within the gather time are sent
// after one claim, not one claim each.
func TestNudgesWithinTheGatherTimeShareOneClaim(t *testing.T) {
	f := setup(t, smtptest.Options{})
	st := &claimCounter{Store: f.st}
	e := f.engine(t, func(c *delivery.Config) {
		c.Store, c.PollInterval, c.Gather = st, time.Hour, 500*time.Millisecond
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
	}()

	// The engine looks for work once as it starts; the signups come after.
	for st.tries.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	const signups = 5
	for i := range signups {
		s := subscriber.Signup{Email: fmt.Sprintf("gather%d@example.com", i), Newsletters: []int64{1}, At: time.Now()}
		if err := f.st.RecordSignups(ctx, []subscriber.Signup{s}, time.Hour); err != nil {
			t.Fatal(err)
		}
		e.Nudge()
		time.Sleep(20 * time.Millisecond)
	}
	for deadline := time.Now().Add(10 * time.Second); f.smtp.Count() < signups; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d confirmation emails sent within 10 s", f.smtp.Count(), signups)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := st.claims.Load(); n != 1 {
		t.Errorf("%d claims for %d signups nudged within the gather time, want 1", n, signups)
	}
}
