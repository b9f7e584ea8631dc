package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/delivery"
	"herald/internal/subscriber"
)

func testClaimOrderAndLimit(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	recordSignups(t, st, time.Hour, signup("now@example.com", t0), signup("early@example.com", t0.Add(-time.Minute)), signup("late@example.com", t0.Add(time.Minute)))

	c := delivery.Claim{Owner: "one", Now: t0, Lease: time.Minute, Limit: 1}
	first, err := st.ClaimDeliveries(ctx, c)
	if err != nil {
		t.Fatalf("ClaimDeliveries(%+v) = %v", c, err)
	}
	if diff := cmp.Diff([]string{"early@example.com"}, recipients(first)); diff != "" {
		t.Errorf("ClaimDeliveries(limit 1): the longest due first (-want +got):\n%s", diff)
	}
	// A confirmation email comes with the subscriber's standing.
	if len(first) == 1 && !cmp.Equal(first[0].SubscriptionStates, map[int64]string{1: "pending"}) {
		t.Errorf("claimed confirmation email's SubscriptionStates = %v, want newsletter 1 pending", first[0].SubscriptionStates)
	}
	// What is not due yet stays in the queue.
	if diff := cmp.Diff([]string{"now@example.com"}, recipients(claim(t, st, "two", t0, time.Minute))); diff != "" {
		t.Errorf("ClaimDeliveries at t0 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"late@example.com"}, recipients(claim(t, st, "three", t0.Add(time.Minute), time.Minute))); diff != "" {
		t.Errorf("ClaimDeliveries a minute later (-want +got):\n%s", diff)
	}
}

func testExpiredLeaseIsClaimedAgainWithNewFence(t *testing.T, st Store) {
	now := time.Now().UTC()
	recordSignups(t, st, time.Hour, signup("c@example.com", now))
	first := claim(t, st, "dead", now, time.Second)
	if len(first) != 1 {
		t.Fatalf("first claim = %+v, want one delivery", first)
	}
	// The lease still holds at its last instant.
	if again := claim(t, st, "alive", now.Add(time.Second), time.Minute); len(again) != 0 {
		t.Fatalf("claim while the lease holds = %+v, want none", again)
	}
	second := claim(t, st, "alive", now.Add(2*time.Second), time.Minute)
	if len(second) != 1 || second[0].ID != first[0].ID || second[0].Fence <= first[0].Fence {
		t.Fatalf("claim after expiry = %+v; want row %d with a higher fence than %d", second, first[0].ID, first[0].Fence)
	}
	if first[0].LeaseExpired || !second[0].LeaseExpired {
		t.Errorf("LeaseExpired = %v on the first claim, %v on the claim after expiry; want false, true", first[0].LeaseExpired, second[0].LeaseExpired)
	}
	// The dead owner's late answer is ignored; the new owner's counts.
	record(t, st, 0, delivery.Result{ID: first[0].ID, Fence: first[0].Fence, State: delivery.Sent, At: now, Attempted: true})
	record(t, st, 1, delivery.Result{ID: second[0].ID, Fence: second[0].Fence, State: delivery.Queued, NextAttempt: now.Add(time.Hour),
		FirstAttempt: now, At: now, Code: 451, Status: "4.7.1", Text: "try later", Attempted: true})
	if later := claim(t, st, "x", now.Add(time.Minute), time.Minute); len(later) != 0 {
		t.Errorf("a delivery deferred for an hour was claimed after a minute: %+v", later)
	}
	later := claim(t, st, "x", now.Add(2*time.Hour), time.Minute)
	if len(later) != 1 || later[0].Attempts != 1 || !later[0].FirstAttemptAt.Equal(now.Truncate(time.Millisecond)) || later[0].Fence <= second[0].Fence || later[0].LeaseExpired {
		t.Errorf("deferred delivery after its time = %+v; want one with 1 attempt, first tried at %v, fence above %d, no lapsed lease", later, now, second[0].Fence)
	}
	// A delivery handed back unsent does not count as an attempt.
	record(t, st, 1, delivery.Result{ID: later[0].ID, Fence: later[0].Fence, State: delivery.Queued, NextAttempt: now.Add(2 * time.Hour), FirstAttempt: now, At: now})
	if again := claim(t, st, "x", now.Add(2*time.Hour), time.Minute); len(again) != 1 || again[0].Attempts != 1 {
		t.Errorf("after handing back unsent, claimed %+v; want the delivery still at 1 attempt", again)
	}
}

func testStaleResultsAreIgnored(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC()
	recordSignups(t, st, time.Hour, signup("s1@example.com", t0), signup("s2@example.com", t0))
	old := claim(t, st, "old", t0, time.Second)
	cur := claim(t, st, "new", t0.Add(2*time.Second), time.Minute)
	if len(old) != 2 || len(cur) != 2 || old[0].ID != cur[0].ID || old[1].ID != cur[1].ID {
		t.Fatalf("claims = %+v then %+v; want the same two rows twice", old, cur)
	}
	// A hard bounce reported under the old fence suppresses nothing.
	record(t, st, 0, delivery.Result{ID: old[0].ID, Fence: old[0].Fence, State: delivery.Failed, At: t0, Code: 550, Status: "5.1.1", Suppress: true, Attempted: true})
	if bad, err := st.IsSuppressed(ctx, old[0].Recipient); err != nil || bad {
		t.Errorf("IsSuppressed(%s) = %v, %v after a stale bounce; want false", old[0].Recipient, bad, err)
	}
	// In a mixed batch only the current results count; unknown rows are
	// passed over.
	record(t, st, 1,
		delivery.Result{ID: old[0].ID, Fence: old[0].Fence, State: delivery.Sent, At: t0, Attempted: true},
		delivery.Result{ID: 1 << 40, Fence: 1, State: delivery.Sent, At: t0, Attempted: true},
		delivery.Result{ID: cur[1].ID, Fence: cur[1].Fence, State: delivery.Sent, At: t0, Attempted: true},
	)
	// A result recorded twice applies once.
	record(t, st, 0, delivery.Result{ID: cur[1].ID, Fence: cur[1].Fence, State: delivery.Failed, At: t0, Attempted: true})
	// The stale results left the first row with its current owner.
	if again := claim(t, st, "other", t0.Add(3*time.Second), time.Minute); len(again) != 0 {
		t.Errorf("claimed %+v while the current owner's lease holds", again)
	}
	record(t, st, 1, delivery.Result{ID: cur[0].ID, Fence: cur[0].Fence, State: delivery.Sent, At: t0, Attempted: true})
	if again := claim(t, st, "other", t0.Add(time.Hour), time.Minute); len(again) != 0 {
		t.Errorf("claimed %+v after every delivery was sent", again)
	}
}

// testConcurrentClaimsNeverShareARow runs four workers against one queue, as
// four processes would: every row is handed out exactly once.
func testConcurrentClaimsNeverShareARow(t *testing.T, st Store) {
	const rows, workers = 120, 4
	ctx := context.Background()
	t0 := time.Now().UTC()
	var batch []subscriber.Signup
	for i := range rows {
		batch = append(batch, signup(fmt.Sprintf("r%03d@example.com", i), t0))
		if len(batch) == 16 || i == rows-1 {
			recordSignups(t, st, time.Hour, batch...)
			batch = nil
		}
	}
	var (
		mu      sync.Mutex
		owners  = map[int64][]string{}
		applied int
	)
	race(t, st, workers, func(w int) {
		owner := fmt.Sprintf("worker-%d", w)
		for {
			c := delivery.Claim{Owner: owner, Now: t0.Add(time.Second), Lease: time.Hour, Limit: 7}
			ds, err := st.ClaimDeliveries(ctx, c)
			if err != nil {
				t.Errorf("ClaimDeliveries(%+v) = %v", c, err)
				return
			}
			if len(ds) == 0 {
				return
			}
			var rs []delivery.Result
			mu.Lock()
			for _, d := range ds {
				owners[d.ID] = append(owners[d.ID], owner)
				rs = append(rs, delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: t0, Attempted: true})
			}
			mu.Unlock()
			n, err := st.RecordResults(ctx, rs)
			if err != nil {
				t.Errorf("RecordResults(%d results of %s) = %v", len(rs), owner, err)
				return
			}
			mu.Lock()
			applied += n
			mu.Unlock()
		}
	})
	for id, o := range owners {
		if len(o) != 1 {
			t.Errorf("delivery %d was handed to %v", id, o)
		}
	}
	if len(owners) != rows || applied != rows {
		t.Errorf("%d workers claimed %d distinct rows and applied %d results; want %d and %d", workers, len(owners), applied, rows, rows)
	}
	if left := claim(t, st, "last", t0.Add(2*time.Hour), time.Minute); len(left) != 0 {
		t.Errorf("after the workers finished, %d deliveries were still claimable", len(left))
	}
}

func testHardBounceSuppresses(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	recordSignups(t, st, time.Hour, signup("a@example.com", t0), signup("b@example.com", t0))
	ds := claim(t, st, "t", t0, time.Minute)
	if diff := cmp.Diff([]string{"a@example.com", "b@example.com"}, recipients(ds)); diff != "" {
		t.Fatalf("claimed recipients (-want +got):\n%s", diff)
	}
	record(t, st, 2,
		delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Failed, At: t0, Code: 550, Status: "5.1.1", Text: "no such user", Suppress: true, Attempted: true},
		delivery.Result{ID: ds[1].ID, Fence: ds[1].Fence, State: delivery.Failed, At: t0, Code: 552, Status: "5.2.2", Text: "mailbox full", Attempted: true},
	)
	for email, want := range map[string]bool{"a@example.com": true, "A@EXAMPLE.COM": true, "b@example.com": false, "c@example.com": false} {
		if got, err := st.IsSuppressed(ctx, email); err != nil || got != want {
			t.Errorf("IsSuppressed(%s) = %v, %v; want %v", email, got, err, want)
		}
	}
	// A suppressed address still signs up, but is never mailed.
	recordSignups(t, st, time.Hour, signup("A@example.com", t0.Add(2*time.Hour)), signup("b@example.com", t0.Add(2*time.Hour)))
	ds = claim(t, st, "t", t0.Add(2*time.Hour), time.Minute)
	if diff := cmp.Diff([]string{"b@example.com"}, recipients(ds)); diff != "" {
		t.Fatalf("claimed after signing up again (-want +got):\n%s", diff)
	}
	record(t, st, 1, delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Sent, At: t0.Add(2 * time.Hour), Attempted: true})
	subs, err := st.ListSubscribers(ctx, 0, 1)
	if err != nil || len(subs) != 1 {
		t.Fatalf("ListSubscribers(0, 1) = %+v, %v", subs, err)
	}
	a := subs[0]
	if _, err := st.ConfirmSubscriber(ctx, a.ID, subscriber.Consent{SubscriberID: a.ID, Action: subscriber.ConsentConfirm, At: t0.Add(3 * time.Hour)}); err != nil {
		t.Fatalf("ConfirmSubscriber(%d) = %v", a.ID, err)
	}
	if got := claim(t, st, "t", t0.Add(3*time.Hour), time.Minute); len(got) != 0 {
		t.Errorf("confirming a suppressed address queued %+v; want no welcome email", got)
	}
	// A second hard bounce for the same address is recorded all the same.
	recordSignups(t, st, time.Hour, signup("b@example.com", t0.Add(4*time.Hour)))
	ds = claim(t, st, "t", t0.Add(4*time.Hour), time.Minute)
	if len(ds) != 1 {
		t.Fatalf("claimed %+v; want b's third confirmation email", ds)
	}
	record(t, st, 1,
		delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Failed, At: t0, Code: 550, Status: "5.1.1", Suppress: true, Attempted: true})
	if got, err := st.IsSuppressed(ctx, "b@example.com"); err != nil || !got {
		t.Errorf("IsSuppressed(b@example.com) = %v, %v after its hard bounce; want true", got, err)
	}
}

// testServerTextIsStoredWhateverItHolds records what a mail server may send
// back: long answers, invalid UTF-8, NUL bytes. None of it may fail the
// batch, or a retry loop would never end.
func testServerTextIsStoredWhateverItHolds(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC()
	recordSignups(t, st, time.Hour, signup("odd@example.com", t0))
	ds := claim(t, st, "t", t0, time.Minute)
	if len(ds) != 1 {
		t.Fatalf("claimed %+v; want one delivery", ds)
	}
	odd := "4.4.2 \xff\xfe bad\x00bytes " + strings.Repeat("é", 2000)
	record(t, st, 1, delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Queued, NextAttempt: t0.Add(time.Minute),
		FirstAttempt: t0, At: t0, Code: 442, Status: "4.4.2\x00", Text: odd, MessageID: "<id\xff@example.com>", Attempted: true})
	ds = claim(t, st, "t", t0.Add(time.Minute), time.Minute)
	if len(ds) != 1 || ds[0].Attempts != 1 {
		t.Fatalf("claimed %+v after the retry time; want the delivery with 1 attempt", ds)
	}
	record(t, st, 1, delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Failed, At: t0, Code: 550, Status: "5.1.1", Text: odd, Suppress: true, Attempted: true})
	if got, err := st.IsSuppressed(ctx, "odd@example.com"); err != nil || !got {
		t.Errorf("IsSuppressed(odd@example.com) = %v, %v after a bounce with odd text; want true", got, err)
	}
}
