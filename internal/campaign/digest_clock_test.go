package campaign

import (
	"testing"
	"time"

	"herald/internal/subscriber"
)

// TestNextDigestAcrossTheClockChange: a digest at 02:30 on the day the
// clocks spring forward, when 02:30 does not exist, comes after the
// change, never before, west of Greenwich as east of it; on other days it
// comes at 02:30.
func TestNextDigestAcrossTheClockChange(t *testing.T) {
	for _, c := range []struct {
		zone   string
		before time.Time // the evening before the change, UTC
		want   string    // local time of the digest that follows
	}{
		{"America/New_York", time.Date(2026, 3, 8, 3, 0, 0, 0, time.UTC), "2026-03-08 03:30 EDT"},
		{"Europe/Paris", time.Date(2026, 3, 28, 22, 0, 0, 0, time.UTC), "2026-03-29 03:30 CEST"},
		{"Europe/Paris", time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC), "2026-03-30 02:30 CEST"},
	} {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Skipf("no time zone data: %v", err)
		}
		nl := subscriber.Newsletter{Slug: "n", Digest: "daily", DigestTime: "02:30", Timezone: c.zone}
		got, err := NextDigest(nl, c.before)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.In(loc).Format("2006-01-02 15:04 MST"); s != c.want || !got.After(c.before) {
			t.Errorf("%s: next digest after %v = %s, want %s", c.zone, c.before, s, c.want)
		}
	}
}
