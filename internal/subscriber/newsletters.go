package subscriber

import (
	"context"
	"sync"
	"time"
)

// newsletterCache keeps the list of newsletters for a few seconds: every
// signup and every transactional email needs it, and it changes seldom.
// A newsletter added by another process shows up within the TTL.
type newsletterCache struct {
	load func(ctx context.Context) ([]Newsletter, error)
	ttl  time.Duration
	now  func() time.Time

	mu   sync.Mutex
	list []Newsletter
	at   time.Time
}

func (c *newsletterCache) get(ctx context.Context) ([]Newsletter, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.list != nil && now.Sub(c.at) < c.ttl {
		return c.list, nil
	}
	list, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	c.list, c.at = list, now
	return list, nil
}
