package delivery

import (
	"context"
	"time"

	"golang.org/x/time/rate"
)

// Quota caps the messages sent in a sliding window, such as a provider's
// hourly or daily allowance.
type Quota struct {
	Window time.Duration
	Max    int
}

// SentCounter is what quotas need from storage: how many messages were
// sent since a time, by every process on the database.
type SentCounter interface {
	SentSince(ctx context.Context, since time.Time) (int, error)
}

// limits holds the engine's rate limits. The per-second limit is a token
// bucket shared by all workers; quotas are counted in the ledger itself, so
// they hold across restarts and across processes.
type limits struct {
	perSecond *rate.Limiter
	quotas    []Quota
	counter   SentCounter
}

func newLimits(perSecond int, quotas []Quota, counter SentCounter) *limits {
	l := &limits{quotas: quotas, counter: counter}
	if perSecond > 0 {
		l.perSecond = rate.NewLimiter(rate.Limit(perSecond), max(1, perSecond/10))
	}
	return l
}

// room returns how many more messages the quotas allow now, capped at want.
func (l *limits) room(ctx context.Context, now time.Time, want int) (int, error) {
	if l.counter == nil {
		return want, nil
	}
	for _, q := range l.quotas {
		if q.Max <= 0 {
			continue
		}
		n, err := l.counter.SentSince(ctx, now.Add(-q.Window))
		if err != nil {
			return 0, err
		}
		want = min(want, max(0, q.Max-n))
	}
	return want, nil
}

// wait blocks until the per-second limit lets one more message go.
func (l *limits) wait(ctx context.Context) error {
	if l.perSecond == nil {
		return nil
	}
	return l.perSecond.Wait(ctx)
}
