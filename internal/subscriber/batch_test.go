package subscriber

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBatcherCommitsEveryCallOnceAndGroupsThem(t *testing.T) {
	var commits, committed atomic.Int64
	var mu sync.Mutex
	seen := map[string]int{}
	b := &batcher{max: 64, commit: func(_ context.Context, batch []Signup) error {
		commits.Add(1)
		time.Sleep(2 * time.Millisecond) // a disk flush
		mu.Lock()
		for _, s := range batch {
			seen[s.Email]++
		}
		mu.Unlock()
		committed.Add(int64(len(batch)))
		return nil
	}}
	const n = 2000
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := b.do(context.Background(), Signup{Email: fmt.Sprint(i)}); err != nil {
				t.Errorf("do: %v", err)
			}
		})
	}
	wg.Wait()
	if committed.Load() != n || len(seen) != n {
		t.Fatalf("committed %d signups (%d distinct), want %d", committed.Load(), len(seen), n)
	}
	for e, c := range seen {
		if c != 1 {
			t.Fatalf("signup %s committed %d times", e, c)
		}
	}
	if commits.Load() > n/4 {
		t.Errorf("%d commits for %d concurrent signups: not grouped", commits.Load(), n)
	}
}

func TestBatcherReportsCommitErrorToEveryCaller(t *testing.T) {
	boom := errors.New("disk full")
	b := &batcher{max: 8, commit: func(context.Context, []Signup) error { return boom }}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if err := b.do(context.Background(), Signup{}); !errors.Is(err, boom) {
				t.Errorf("do returned %v, want the commit error", err)
			}
		})
	}
	wg.Wait()
}
