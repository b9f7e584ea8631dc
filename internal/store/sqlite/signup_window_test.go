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
