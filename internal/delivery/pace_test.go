package delivery_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"herald/internal/delivery"
	"herald/internal/smtptest"
)

// arrivals is an SMTP server's clock of accepted messages.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) reply(string, []string, []byte) error {
	a.mu.Lock()
	a.at = append(a.at, time.Now())
	a.mu.Unlock()
	return nil
}

func (a *arrivals) times() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.at)
}

func manyAddresses(n int) []string {
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("r%d@example.com", i)
	}
	return addrs
}

// TestPerSecondLimitSendsEvenly: with a rate set, each message leaves when
// the rate allows it. A provider's limit counts what arrives in a second;
// mail gathered while waiting and then sent back to back would pass it.
func TestPerSecondLimitSendsEvenly(t *testing.T) {
	const perSecond = 4
	var got arrivals
	f := setup(t, smtptest.Options{Reply: got.reply}, manyAddresses(16)...)
	e := f.engine(t, func(c *delivery.Config) { c.PerSecond = perSecond })
	runUntil(t, e, func() bool { return f.smtp.Count() >= 16 })
	at := got.times()
	most := 0
	for i := range at {
		n := 0
		for _, b := range at[i:] {
			if b.Sub(at[i]) < time.Second {
				n++
			}
		}
		most = max(most, n)
	}
	// The limiter lets one message ahead of the pace, and a message slowed
	// on its way may arrive beside the next one.
	if most > perSecond+2 {
		t.Errorf("%d messages arrived within one second under a limit of %d a second", most, perSecond)
	}
}

// pausable renders until paused, then hands everything back, as a paused
// campaign's renderer does.
type pausable struct{ paused atomic.Bool }

func (p *pausable) Render(ctx context.Context, d delivery.Delivery) (delivery.Outgoing, error) {
	if p.paused.Load() {
		return delivery.Outgoing{}, delivery.ErrNotNow
	}
	return plainRenderer{}.Render(ctx, d)
}

// TestPauseHoldsUnderARate: under a rate, messages wait their turn; one
// that waited must not go out once its campaign is paused. Only what was
// past the renderer when the pause came may follow it.
func TestPauseHoldsUnderARate(t *testing.T) {
	var got arrivals
	f := setup(t, smtptest.Options{Reply: got.reply}, manyAddresses(40)...)
	r := &pausable{}
	e := f.engine(t, func(c *delivery.Config) {
		c.PerSecond = 4
		c.Renderers = map[delivery.Kind]delivery.Renderer{delivery.KindConfirm: r}
	})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- e.Run(ctx) }()
	if _, err := f.smtp.Wait(3, 10*time.Second); err != nil {
		cancel()
		<-stopped
		t.Fatal(err)
	}
	r.paused.Store(true)
	paused := time.Now()
	time.Sleep(2 * time.Second)
	cancel()
	if err := <-stopped; err != nil {
		t.Fatalf("Run returned %v", err)
	}
	after := 0
	for _, a := range got.times() {
		if a.After(paused) {
			after++
		}
	}
	// One message, or two on a slow machine, may be past the renderer.
	if after > 2 {
		t.Errorf("%d messages arrived in the 2 s after the pause; want at most those past their renderer", after)
	}
}
