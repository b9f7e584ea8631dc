package campaign_test

import (
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/subscriber"
)

// TestDigestScheduleChangeTakesEffectNextPeriod: a daily digest went out
// at 07:00 on Monday 2 March (UTC); an editor then moves its time, day or
// zone. The period whose digest went out gets no second one, the next
// comes at the new time, and the article published after the last digest
// is in exactly one digest.
func TestDigestScheduleChangeTakesEffectNextPeriod(t *testing.T) {
	mon := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	at := func(day, hour, minute int) time.Time {
		return mon.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	}
	for _, c := range []struct {
		name     string
		digest   string
		zone     string    // the old zone, UTC if empty
		last     time.Time // the last digest, as the old schedule made it
		change   func(n *subscriber.Newsletter)
		changed  time.Time
		quiet    []time.Time // runs that make no digest
		send     time.Time   // the run that makes the next one
		wantZone string      // the local time the next one is due, in zone
		wantDue  string
	}{
		{name: "moved later, before the new time", digest: "daily", last: at(0, 7, 0),
			change: func(n *subscriber.Newsletter) { n.DigestTime = "09:00" }, changed: at(0, 8, 0),
			quiet: []time.Time{at(0, 9, 1), at(0, 23, 59), at(1, 8, 59)}, send: at(1, 9, 0),
			wantZone: "UTC", wantDue: "2026-03-03 09:00"},
		{name: "moved later, after the new time", digest: "daily", last: at(0, 7, 0),
			change: func(n *subscriber.Newsletter) { n.DigestTime = "09:00" }, changed: at(0, 10, 0),
			quiet: []time.Time{at(0, 10, 0), at(1, 7, 1)}, send: at(1, 9, 1),
			wantZone: "UTC", wantDue: "2026-03-03 09:00"},
		{name: "moved earlier", digest: "daily", last: at(0, 7, 0),
			change: func(n *subscriber.Newsletter) { n.DigestTime = "06:00" }, changed: at(0, 8, 0),
			quiet: []time.Time{at(0, 8, 0), at(1, 5, 59)}, send: at(1, 6, 0),
			wantZone: "UTC", wantDue: "2026-03-03 06:00"},
		{name: "moved before today's went out", digest: "daily", last: at(-1, 7, 0),
			change: func(n *subscriber.Newsletter) { n.DigestTime = "09:00" }, changed: at(0, 6, 0),
			quiet: []time.Time{at(0, 7, 1)}, send: at(0, 9, 0),
			wantZone: "UTC", wantDue: "2026-03-02 09:00"},
		{name: "weekly, Monday to Wednesday", digest: "weekly", last: at(0, 7, 0),
			change: func(n *subscriber.Newsletter) { n.DigestWeekday = 3 }, changed: at(1, 10, 0),
			quiet: []time.Time{at(2, 7, 1), at(7, 7, 1)}, send: at(9, 7, 0),
			wantZone: "UTC", wantDue: "2026-03-11 07:00"},
		{name: "weekly made daily", digest: "weekly", last: at(0, 7, 0),
			change: func(n *subscriber.Newsletter) { n.Digest = "daily" }, changed: at(1, 10, 0),
			quiet: []time.Time{at(1, 10, 0), at(2, 6, 59)}, send: at(2, 7, 0),
			wantZone: "UTC", wantDue: "2026-03-04 07:00"},
		// 07:00 in New York (EST) is 12:00 UTC, passed at 14:00.
		{name: "zone west, its time passed today", digest: "daily", last: at(0, 7, 0),
			change: func(n *subscriber.Newsletter) { n.Timezone = "America/New_York" }, changed: at(0, 14, 0),
			quiet: []time.Time{at(0, 14, 0), at(1, 7, 1)}, send: at(1, 12, 0),
			wantZone: "America/New_York", wantDue: "2026-03-03 07:00"},
		// In Los Angeles the last digest went out at 23:00 the evening
		// before; 07:00 there (15:00 UTC) is still the same day's digest.
		{name: "zone west past midnight", digest: "daily", last: at(0, 7, 0),
			change: func(n *subscriber.Newsletter) { n.Timezone = "America/Los_Angeles" }, changed: at(0, 16, 0),
			quiet: []time.Time{at(0, 16, 0), at(1, 7, 1)}, send: at(1, 15, 0),
			wantZone: "America/Los_Angeles", wantDue: "2026-03-03 07:00"},
		// 07:00 in Tokyo (22:00 UTC the day before) passed today.
		{name: "zone east, its time passed today", digest: "daily", last: at(0, 7, 0),
			change: func(n *subscriber.Newsletter) { n.Timezone = "Asia/Tokyo" }, changed: at(0, 10, 0),
			quiet: []time.Time{at(0, 10, 0), at(0, 21, 59)}, send: at(0, 22, 0),
			wantZone: "Asia/Tokyo", wantDue: "2026-03-03 07:00"},
		// Paris springs forward on 29 March: 02:30 does not exist and is
		// taken as 03:30 CEST (01:30 UTC).
		{name: "into the spring gap", digest: "daily", zone: "Europe/Paris", last: time.Date(2026, 3, 28, 6, 0, 0, 0, time.UTC),
			change:  func(n *subscriber.Newsletter) { n.DigestTime = "02:30" },
			changed: time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC),
			quiet:   []time.Time{time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 29, 0, 0, time.UTC)},
			send:    time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), wantZone: "Europe/Paris", wantDue: "2026-03-29 03:30"},
	} {
		t.Run(c.name, func(t *testing.T) {
			loc, err := time.LoadLocation(c.wantZone)
			if err != nil {
				t.Skipf("no time zone data: %v", err)
			}
			f := setup(t)
			old := subscriber.Newsletter{Slug: "morning", Name: "Morning", Language: "en", CreatedAt: c.last.Add(-30 * 24 * time.Hour),
				Digest: c.digest, DigestTime: "07:00", DigestWeekday: 1, Timezone: "UTC", LastDigestAt: c.last}
			if c.zone != "" {
				old.Timezone = c.zone
			}
			id, err := f.st.CreateNewsletter(f.ctx, &old)
			if err != nil {
				t.Fatal(err)
			}
			old.ID = id
			art := f.publish(t, "After the last digest", c.last.Add(time.Hour))
			if _, err := f.st.AnnounceArticles(f.ctx, c.last.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			nl := old
			c.change(&nl)
			if nl.DigestFrom, err = campaign.RescheduleDigest(old, nl, c.changed); err != nil {
				t.Fatalf("RescheduleDigest(%+v, %+v, %v): %v", old, nl, c.changed, err)
			}
			if err := f.st.UpdateNewsletter(f.ctx, &nl); err != nil {
				t.Fatal(err)
			}
			nls, err := f.st.Newsletters(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			due, err := campaign.DueDigest(nls[len(nls)-1])
			if got := due.In(loc).Format("2006-01-02 15:04"); err != nil || got != c.wantDue {
				t.Errorf("DueDigest after the change = %s, %v; want %s %s", got, err, c.wantDue, c.wantZone)
			}
			d := campaign.NewDigests(f.st, nil)
			for _, now := range c.quiet {
				if err := d.Run(f.ctx, now); err != nil {
					t.Fatalf("Run(%v): %v", now, err)
				}
				if _, each := f.digestArticles(t, id); len(each) != 0 {
					t.Fatalf("Run(%v) made digests %v; want none before %s %s", now, each, c.wantDue, c.wantZone)
				}
			}
			if err := d.Run(f.ctx, c.send); err != nil {
				t.Fatalf("Run(%v): %v", c.send, err)
			}
			if count, each := f.digestArticles(t, id); len(each) != 1 || count[art] != 1 {
				t.Errorf("Run(%v) left digests %v; want one holding article %d", c.send, each, art)
			}
		})
	}
}
