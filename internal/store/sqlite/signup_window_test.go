package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"herald/internal/delivery"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// Two signups of one address in the same millisecond, in separate groups,
// queue one confirmation email, not two; a signup after the hour queues
// another.
func TestOneConfirmationPerHourAcrossGroups(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	for _, s := range []subscriber.Signup{
		{Email: "Reader@example.org", Newsletters: []int64{1}, At: at},
		{Email: "reader@example.org", Newsletters: []int64{1}, At: at},
		{Email: "reader@example.org", Newsletters: []int64{1}, At: at.Add(59 * time.Minute)},
	} {
		if err := st.RecordSignups(ctx, []subscriber.Signup{s}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(now time.Time) int {
		ds, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "t", Now: now, Lease: 24 * time.Hour, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(ds)
	}
	if n := claim(at.Add(time.Hour)); n != 1 {
		t.Fatalf("three signups within the hour queued %d emails, want 1", n)
	}
	if err := st.RecordSignups(ctx, []subscriber.Signup{{Email: "reader@example.org", Newsletters: []int64{1}, At: at.Add(61 * time.Minute)}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := claim(at.Add(2 * time.Hour)); n != 1 {
		t.Fatalf("a signup after the hour queued %d emails, want 1", n)
	}
}

// The dashboard's delivery chart counts sent mail per day.
func TestDailySent(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	var batch []subscriber.Signup
	for i, a := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		batch = append(batch, subscriber.Signup{Email: a, Newsletters: []int64{1}, At: day.Add(time.Duration(i) * time.Minute)})
	}
	if err := st.RecordSignups(ctx, batch, time.Hour); err != nil {
		t.Fatal(err)
	}
	ds, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "t", Now: day.Add(time.Hour), Lease: time.Hour, Limit: 10})
	if err != nil || len(ds) != 3 {
		t.Fatalf("claimed %d, %v", len(ds), err)
	}
	st.RecordResults(ctx, []delivery.Result{
		{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Sent, At: day.Add(2 * time.Hour), Attempted: true},
		{ID: ds[1].ID, Fence: ds[1].Fence, State: delivery.Sent, At: day.Add(26 * time.Hour), Attempted: true},
		{ID: ds[2].ID, Fence: ds[2].Fence, State: delivery.Failed, At: day.Add(26 * time.Hour), Attempted: true},
	})
	got, err := st.DailySent(ctx, day, 3)
	if err != nil || len(got) != 3 || got[0] != 1 || got[1] != 1 || got[2] != 0 {
		t.Errorf("DailySent = %v, %v; want [1 1 0]", got, err)
	}
}
