package delivery

import (
	"context"
	"sync"
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
// sent since a time, by every process on the database. Stores count by
// the minute (see MinuteOf): the minute holding since counts whole, so a
// quota errs on the side of sending less, by at most a minute's mail.
type SentCounter interface {
	SentSince(ctx context.Context, since time.Time) (int, error)
}

// Window is what a send rate shared by several processes needs from
// storage: units taken from fixed windows that every process sees.
type Window interface {
	TakeFromWindow(ctx context.Context, key string, window time.Duration, now time.Time, want, limit int) (int, error)
}

// limits holds the engine's rate limits. The per-second limit paces this
// process with a token bucket shared by its workers and, when a Window is
// given, caps every process on the database together: each takes its
// sends from the current second's shared allowance, a few at a time.
// Quotas are counted in the ledger itself, so they hold across restarts
// and across processes.
type limits struct {
	perSecond int
	pace      *rate.Limiter
	window    Window
	quotas    []Quota
	counter   SentCounter
	now       func() time.Time

	mu     sync.Mutex
	tokens int   // sends taken from the shared allowance and not yet used
	second int64 // the second they belong to; they lapse with it
}

// sendWindowKey names the shared per-second allowance in the store.
const sendWindowKey = "send"

func newLimits(perSecond int, window Window, quotas []Quota, counter SentCounter, now func() time.Time) *limits {
	l := &limits{perSecond: perSecond, window: window, quotas: quotas, counter: counter, now: now}
	if perSecond > 0 {
		l.pace = rate.NewLimiter(rate.Limit(perSecond), max(1, perSecond/10))
	}
	return l
}

// paced reports whether a per-second rate is set.
func (l *limits) paced() bool { return l.pace != nil }

// room returns how many more messages the quotas allow now, capped at
// want. inFlight are the messages this process claimed whose answers the
// ledger does not show yet; they count as sent. Those other processes have
// in flight are not seen, so with several processes a quota may be passed
// by what they had claimed at the moment it filled.
func (l *limits) room(ctx context.Context, now time.Time, want, inFlight int) (int, error) {
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
		want = min(want, max(0, q.Max-n-inFlight))
	}
	return want, nil
}

// wait blocks until the per-second limit lets one more message go, and
// returns how long it waited.
func (l *limits) wait(ctx context.Context) (time.Duration, error) {
	if l.pace == nil {
		return 0, nil
	}
	start := time.Now()
	if err := l.pace.Wait(ctx); err != nil {
		return time.Since(start), err
	}
	if l.window == nil {
		return time.Since(start), nil
	}
	// Take a few sends at a time, so the store is asked a handful of
	// times per second rather than once per message; what is taken and
	// not used lapses with its second, so the sum never goes over.
	chunk := max(1, l.perSecond/20)
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		now := l.now()
		sec := now.Unix()
		if l.second == sec && l.tokens > 0 {
			l.tokens--
			return time.Since(start), nil
		}
		got, err := l.window.TakeFromWindow(ctx, sendWindowKey, time.Second, now, chunk, l.perSecond)
		if err != nil {
			return time.Since(start), err
		}
		if got > 0 {
			l.tokens, l.second = got-1, sec
			return time.Since(start), nil
		}
		// This second's allowance is spent, by this process or others.
		t := time.NewTimer(time.Unix(sec+1, 0).Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return time.Since(start), ctx.Err()
		case <-t.C:
		}
	}
}
