package subscriber

import (
	"context"
	"sync"
)

// batcher groups concurrent signups into one transaction. A durable commit
// costs a disk flush; sharing it among everyone who arrived meanwhile lets
// thousands of signups a second be committed before they are answered.
//
// The first caller to find no commit running becomes the leader: it commits
// everything queued so far, hands the lead to the first caller queued
// behind it, and returns. No goroutine lives outside a call.
type batcher struct {
	commit func(ctx context.Context, batch []Signup) error
	max    int

	mu      sync.Mutex
	leading bool
	queue   []*waiter
}

type waiter struct {
	s    Signup
	done chan error    // the commit's outcome
	lead chan struct{} // closed when this waiter must commit the queue
}

func (b *batcher) do(ctx context.Context, s Signup) error {
	w := &waiter{s: s, done: make(chan error, 1), lead: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, w)
	if b.leading {
		b.mu.Unlock()
		select {
		case err := <-w.done:
			return err
		case <-w.lead:
		}
	} else {
		b.leading = true
		b.mu.Unlock()
	}
	// This caller leads: commit the queue (which includes it).
	b.mu.Lock()
	n := min(len(b.queue), b.max)
	group := b.queue[:n:n]
	b.queue = append([]*waiter(nil), b.queue[n:]...)
	b.mu.Unlock()

	batch := make([]Signup, len(group))
	for i, g := range group {
		batch[i] = g.s
	}
	// The commit must not be abandoned because the leader's own request
	// went away: the others are waiting for it.
	err := b.commit(context.WithoutCancel(ctx), batch)
	for _, g := range group {
		g.done <- err
	}

	b.mu.Lock()
	if len(b.queue) > 0 {
		close(b.queue[0].lead)
	} else {
		b.leading = false
	}
	b.mu.Unlock()
	return <-w.done
}
