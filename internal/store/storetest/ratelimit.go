package storetest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func testTakeFromWindow(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.UnixMilli(1_800_000_000_000).UTC() // the start of a one-second window
	take := func(key string, at time.Time, want, limit, wantGot int) {
		t.Helper()
		got, err := st.TakeFromWindow(ctx, key, time.Second, at, want, limit)
		if err != nil || got != wantGot {
			t.Errorf("TakeFromWindow(%s, %v, want %d, limit %d) = %d, %v; want %d", key, at.Sub(t0), want, limit, got, err, wantGot)
		}
	}
	take("send", t0, 3, 5, 3)
	take("send", t0.Add(500*time.Millisecond), 3, 5, 2) // only two left
	take("send", t0.Add(999*time.Millisecond), 1, 5, 0) // spent
	take("other", t0, 4, 5, 4)                          // keys do not share
	take("send", t0.Add(time.Second), 3, 5, 3)          // a new window
	take("send", t0.Add(time.Second), 0, 5, 0)          // nothing asked, nothing taken
	take("send", t0.Add(2*time.Second), 9, 0, 0)        // no limit, nothing taken
}

// testTakeFromWindowConcurrently takes from one window from four
// processes at once: together they get exactly the limit.
func testTakeFromWindowConcurrently(t *testing.T, st Store) {
	const limit, workers = 25, 4
	at := time.UnixMilli(1_800_000_000_000).UTC()
	var total atomic.Int64
	race(t, st, workers, func(int) {
		for range 10 {
			got, err := st.TakeFromWindow(context.Background(), "send", time.Second, at, 1, limit)
			if err != nil {
				t.Errorf("TakeFromWindow = %v", err)
				return
			}
			total.Add(int64(got))
		}
	})
	if total.Load() != limit {
		t.Errorf("%d workers took %d in one window, want exactly the limit %d", workers, total.Load(), limit)
	}
}

// testCountInWindow counts by key and fixed window, as the signup limit
// shared by every node does.
func testCountInWindow(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.UnixMilli(1_800_000_000_000).UTC() // the start of a one-minute window
	count := func(key string, at time.Time, want int) {
		t.Helper()
		got, err := st.CountInWindow(ctx, key, time.Minute, at)
		if err != nil || got != want {
			t.Errorf("CountInWindow(%s, %v) = %d, %v; want %d", key, at.Sub(t0), got, err, want)
		}
	}
	count("signup:192.0.2.1", t0, 1)
	count("signup:192.0.2.1", t0.Add(59*time.Second), 2)
	count("signup:192.0.2.2", t0, 1)                     // keys do not share
	count("signup:192.0.2.1", t0.Add(time.Minute), 1)    // a new window
	count("signup:192.0.2.1", t0.Add(61*time.Second), 2) // and it counts on
}
