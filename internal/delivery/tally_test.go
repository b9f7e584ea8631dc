package delivery_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/delivery"
)

func TestTallyCountsWhatApplied(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 9, 0, 59, 0, time.UTC)
	rs := []delivery.Result{
		{ID: 1, State: delivery.Sent, At: t0},
		{ID: 2, State: delivery.Sent, At: t0.Add(2 * time.Second)}, // the next minute
		{ID: 3, State: delivery.Failed, At: t0, Suppress: true},
		{ID: 4, State: delivery.Sent, At: t0},    // a webhook: not mail
		{ID: 5, State: delivery.Queued, At: t0},  // a retry
		{ID: 6, State: delivery.Skipped, At: t0}, // never written: a stale lease
		{ID: 7, State: delivery.Sent, At: t0},
	}
	tally := delivery.NewTally(rs)
	tally.Add(1, 10, true)
	tally.Add(2, 10, true)
	tally.Add(3, 10, true)
	tally.Add(4, 0, false)
	tally.Add(5, 11, true)
	tally.Add(7, 0, true) // a confirmation email: mail, in no campaign
	tally.Add(99, 10, true)

	if tally.Applied != 6 {
		t.Errorf("Applied = %d, want 6 (ID 99 was not in the group)", tally.Applied)
	}
	if len(tally.Suppress) != 1 || tally.Suppress[0].ID != 3 {
		t.Errorf("Suppress = %+v, want the hard bounce, ID 3", tally.Suppress)
	}
	wantCampaigns := []delivery.CampaignCounts{{CampaignID: 10, Sent: 2, Failed: 1}, {CampaignID: 11}}
	if diff := cmp.Diff(wantCampaigns, tally.Campaigns()); diff != "" {
		t.Errorf("Campaigns() (-want +got):\n%s", diff)
	}
	minute := delivery.MinuteOf(t0)
	wantMinutes := []delivery.MinuteCount{{Minute: minute, Sent: 2}, {Minute: minute + 1, Sent: 1}}
	if diff := cmp.Diff(wantMinutes, tally.Minutes()); diff != "" {
		t.Errorf("Minutes() (-want +got):\n%s", diff)
	}
	if got, want := delivery.MinuteOf(time.UnixMilli(-1)), int64(-1); got != want {
		t.Errorf("MinuteOf(1 ms before the epoch) = %d, want %d", got, want)
	}
}
