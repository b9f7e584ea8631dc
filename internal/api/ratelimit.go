package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// tokenLimits keeps one token bucket per API token, so one busy script
// cannot starve the rest. The map is bounded: past max tokens, the one
// unused longest is forgotten, which only gives it a full bucket again.
type tokenLimits struct {
	rate  rate.Limit
	burst int
	max   int

	mu sync.Mutex
	m  map[int64]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newTokenLimits(perSecond float64, burst, max int) *tokenLimits {
	return &tokenLimits{rate: rate.Limit(perSecond), burst: burst, max: max, m: map[int64]*bucket{}}
}

// wait takes one request from the token's bucket at now; when the bucket
// is empty it takes nothing and returns how long until it holds one.
func (t *tokenLimits) wait(tokenID int64, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.m[tokenID]
	if b == nil {
		if len(t.m) >= t.max {
			t.evict()
		}
		b = &bucket{lim: rate.NewLimiter(t.rate, t.burst)}
		t.m[tokenID] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// evict forgets the bucket used longest ago.
func (t *tokenLimits) evict() {
	var oldest int64
	var at time.Time
	first := true
	for id, b := range t.m {
		if first || b.seen.Before(at) {
			oldest, at, first = id, b.seen, false
		}
	}
	delete(t.m, oldest)
}
