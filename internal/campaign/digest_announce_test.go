package campaign_test

import (
	"context"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/subscriber"
)

// announcer announces what came out by its own reading of the clock, as
// the publisher does.
type announcer struct {
	f   *fixture
	now func() time.Time
}

func (a announcer) Announce(ctx context.Context) error {
	_, err := a.f.st.AnnounceArticles(ctx, a.now())
	return err
}

// digestArticles counts, per article, the digests of newsletter nlID
// that hold it, and returns the articles of each digest in turn.
func (f *fixture) digestArticles(t *testing.T, nlID int64) (map[int64]int, [][]int64) {
	t.Helper()
	list, err := f.st.ListCampaigns(f.ctx, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	count := map[int64]int{}
	var each [][]int64
	for i := len(list) - 1; i >= 0; i-- {
		c := list[i]
		if c.NewsletterID != nlID || c.Kind != campaign.Digest {
			continue
		}
		ids := f.get(t, c.ID).ArticleIDs
		each = append(each, ids)
		for _, id := range ids {
			count[id]++
		}
	}
	return count, each
}

func (f *fixture) morning(t *testing.T, last time.Time) int64 {
	t.Helper()
	nl := subscriber.Newsletter{Slug: "morning", Name: "Morning", Language: "en", CreatedAt: last,
		Digest: "daily", DigestTime: "07:00", Timezone: "UTC", LastDigestAt: last}
	id, err := f.st.CreateNewsletter(f.ctx, &nl)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) publish(t *testing.T, title string, at time.Time) int64 {
	t.Helper()
	a := article.Article{Title: title, Language: "en", Status: article.Scheduled, PublishedAt: at}
	if err := a.Normalize(); err != nil {
		t.Fatal(err)
	}
	id, err := f.st.SaveArticle(f.ctx, &a)
	if err != nil {
		t.Fatalf("SaveArticle(%s): %v", title, err)
	}
	return id
}

// TestDigestTakesTheArticleScheduledForItsTime: an article scheduled for
// the digest's own time comes out in the tick that makes the digest, a
// moment after the tick began; it is in that digest, and not again in the
// next day's.
func TestDigestTakesTheArticleScheduledForItsTime(t *testing.T) {
	f := setup(t)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	nlID := f.morning(t, day.Add(7*time.Hour))
	id := f.publish(t, "Morning story", day.Add(24*time.Hour+7*time.Hour))

	var at time.Time
	clock := func() time.Time { at = at.Add(time.Millisecond); return at }
	s := campaign.NewScheduler(campaign.SchedulerConfig{Store: f.st, Digests: campaign.NewDigests(f.st, nil),
		Now: clock, Articles: announcer{f: f, now: clock}})
	for d := 1; d <= 2; d++ {
		at = day.Add(time.Duration(d)*24*time.Hour + 7*time.Hour + 200*time.Millisecond)
		s.Tick(f.ctx)
		count, each := f.digestArticles(t, nlID)
		if count[id] != 1 || len(each) != 1 || len(each[0]) != 1 {
			t.Errorf("digests after morning %d hold %v; want one digest, the first morning's, with article %d", d, each, id)
		}
	}
}

// TestDigestLeavesWhatCameOutAfterItsTimeToTheNext: an article announced
// after the instant a digest is made for (by another process whose clock
// runs a little ahead) goes in the next digest, once.
func TestDigestLeavesWhatCameOutAfterItsTimeToTheNext(t *testing.T) {
	f := setup(t)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	nlID := f.morning(t, day.Add(7*time.Hour))
	due := day.Add(24*time.Hour + 7*time.Hour)
	id := f.publish(t, "Late story", due.Add(-time.Second))
	if _, err := f.st.AnnounceArticles(f.ctx, due.Add(50*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	d := campaign.NewDigests(f.st, nil)
	for _, now := range []time.Time{due.Add(20 * time.Millisecond), due.Add(24 * time.Hour)} {
		if err := d.Run(f.ctx, now); err != nil {
			t.Fatalf("Run(%v): %v", now, err)
		}
	}
	count, each := f.digestArticles(t, nlID)
	if count[id] != 1 {
		t.Errorf("article %d is in %d digests (%v); want 1", id, count[id], each)
	}
}

// TestDigestTakesAnArticleAnnouncedBehindItsClock: another process
// announced an article with the time it read before its announcement
// committed, and a digest made in between moved its clock past that time.
// The next digest holds the article, and not again the ones the first
// one held.
func TestDigestTakesAnArticleAnnouncedBehindItsClock(t *testing.T) {
	f := setup(t)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	nlID := f.morning(t, day.Add(7*time.Hour))
	due := day.Add(24*time.Hour + 7*time.Hour)
	early := f.publish(t, "Early story", due.Add(-time.Hour))
	if _, err := f.st.AnnounceArticles(f.ctx, due.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	d := campaign.NewDigests(f.st, nil)
	if err := d.Run(f.ctx, due.Add(20*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	late := f.publish(t, "Late story", due.Add(10*time.Millisecond))
	if _, err := f.st.AnnounceArticles(f.ctx, due.Add(10*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := d.Run(f.ctx, due.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	count, each := f.digestArticles(t, nlID)
	if count[early] != 1 || count[late] != 1 || len(each) != 2 {
		t.Errorf("digests hold %v; want the early story in the first and the late one in the second, once each", each)
	}
}
