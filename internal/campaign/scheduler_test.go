package campaign_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

type fixture struct {
	st  *sqlite.Store
	ctx context.Context
	now time.Time
}

func setup(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &fixture{st: st, ctx: context.Background(), now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
}

// subscribe imports confirmed subscribers of newsletter 1 with tags.
func (f *fixture) subscribe(t *testing.T, tags []string, emails ...string) {
	t.Helper()
	var rows []subscriber.ImportRow
	for i, e := range emails {
		rows = append(rows, subscriber.ImportRow{Line: i + 2, Email: e, Tags: tags})
	}
	last, _ := f.st.LastSubscriberID(f.ctx)
	if _, err := f.st.ImportSubscribers(f.ctx, 1, rows, subscriber.ImportOptions{Confirmed: true, Source: "test", At: f.now, Since: last}); err != nil {
		t.Fatalf("ImportSubscribers: %v", err)
	}
}

func (f *fixture) campaign(t *testing.T, c campaign.Campaign) int64 {
	t.Helper()
	c.NewsletterID, c.Subject, c.Markdown = 1, "Issue", "Hello"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	id, err := f.st.CreateCampaign(f.ctx, &c)
	if err != nil {
		t.Fatalf("CreateCampaign: %v", err)
	}
	return id
}

func (f *fixture) tick(t *testing.T, at time.Time) {
	t.Helper()
	s := campaign.NewScheduler(campaign.SchedulerConfig{Store: f.st, Digests: campaign.NewDigests(f.st, nil), Now: func() time.Time { return at }, Chunk: 2})
	s.Tick(f.ctx)
}

func (f *fixture) claim(t *testing.T, at time.Time) []delivery.Delivery {
	t.Helper()
	ds, err := f.st.ClaimDeliveries(f.ctx, delivery.Claim{Owner: "t", Now: at, Lease: time.Minute, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func (f *fixture) get(t *testing.T, id int64) campaign.Campaign {
	t.Helper()
	c, err := f.st.Campaign(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAudienceIsFrozenNarrowedAndFinished(t *testing.T) {
	f := setup(t)
	f.subscribe(t, []string{"harbour"}, "a@example.org", "b@example.org", "c@example.org")
	f.subscribe(t, []string{"sport"}, "d@example.org")
	f.subscribe(t, nil, "e@example.org")
	id := f.campaign(t, campaign.Campaign{AudienceTags: []string{"harbour", "Culture"}})
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Sending, f.now, time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.tick(t, f.now) // chunks of 2: the freeze takes several transactions
	c := f.get(t, id)
	if c.Total != 3 || c.FrozenAt.IsZero() {
		t.Fatalf("after freezing, total %d frozen %v; want the 3 harbour subscribers", c.Total, c.FrozenAt)
	}
	// An unsubscribe after freezing is honoured at send time.
	b := f.claim(t, f.now)
	if len(b) != 3 {
		t.Fatalf("claimed %d deliveries, want 3", len(b))
	}
	var rs []delivery.Result
	for _, d := range b {
		if !d.Subscribed || d.Suppressed || d.Kind != delivery.KindCampaign {
			t.Errorf("claimed %+v; want a subscribed campaign delivery", d)
		}
		rs = append(rs, delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: f.now, Attempted: true})
	}
	if _, err := f.st.RecordResults(f.ctx, rs[:2]); err != nil {
		t.Fatal(err)
	}
	f.tick(t, f.now)
	if c := f.get(t, id); c.State != campaign.Sending || c.Sent != 2 {
		t.Fatalf("with one delivery open: %s, sent %d; want sending, 2", c.State, c.Sent)
	}
	if _, err := f.st.RecordResults(f.ctx, rs[2:]); err != nil {
		t.Fatal(err)
	}
	f.tick(t, f.now)
	if c := f.get(t, id); c.State != campaign.Sent || c.Sent != 3 || c.Remaining() != 0 {
		t.Fatalf("all delivered: %s sent %d remaining %d; want sent", c.State, c.Sent, c.Remaining())
	}
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Sending, f.now, time.Time{}); err == nil {
		t.Error("a sent campaign was sent again")
	}
}

func TestPauseResumeCancelAndSchedule(t *testing.T) {
	f := setup(t)
	var emails []string
	for i := range 5 {
		emails = append(emails, fmt.Sprintf("r%d@example.org", i))
	}
	f.subscribe(t, nil, emails...)
	id := f.campaign(t, campaign.Campaign{})
	later := f.now.Add(time.Hour)
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Scheduled, f.now, later); err != nil {
		t.Fatal(err)
	}
	f.tick(t, f.now)
	if c := f.get(t, id); c.State != campaign.Scheduled || c.Total != 0 {
		t.Fatalf("before its time the campaign is %s with %d rows", c.State, c.Total)
	}
	f.tick(t, later)
	if c := f.get(t, id); c.State != campaign.Sending || c.Total != 5 {
		t.Fatalf("at its time the campaign is %s with %d rows; want sending, 5", c.State, c.Total)
	}
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Paused, later, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if ds := f.claim(t, later); len(ds) != 0 {
		t.Fatalf("claimed %d deliveries of a paused campaign", len(ds))
	}
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Sending, later, time.Time{}); err != nil {
		t.Fatal(err)
	}
	ds := f.claim(t, later)
	if len(ds) != 5 {
		t.Fatalf("after resuming, claimed %d; want 5", len(ds))
	}
	// Two are answered, three are still out when the campaign is cancelled.
	f.st.RecordResults(f.ctx, []delivery.Result{
		{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Sent, At: later, Attempted: true},
		{ID: ds[1].ID, Fence: ds[1].Fence, State: delivery.Queued, NextAttempt: later, At: later, Attempted: true},
	})
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Cancelled, later, time.Time{}); err != nil {
		t.Fatal(err)
	}
	c := f.get(t, id)
	if c.State != campaign.Cancelled || c.Sent != 1 || c.Skipped != 1 {
		t.Fatalf("cancelled campaign: %s sent %d skipped %d; want cancelled, 1, 1 (the retry waiting)", c.State, c.Sent, c.Skipped)
	}
	if ds := f.claim(t, later.Add(time.Hour)); len(ds) != 0 {
		t.Fatalf("claimed %d deliveries of a cancelled campaign", len(ds))
	}
	if err := f.st.MoveCampaign(f.ctx, id, campaign.Sending, later, time.Time{}); err == nil {
		t.Error("a cancelled campaign was resumed")
	}
}

func TestDigestsSendWhatIsNewAtTheirTime(t *testing.T) {
	f := setup(t)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	nl := subscriber.Newsletter{Slug: "morning", Name: "Morning", Language: "en", CreatedAt: day,
		Digest: "daily", DigestTime: "07:00", Timezone: "Europe/Lisbon", LastDigestAt: day.Add(7 * time.Hour)}
	nlID, err := f.st.CreateNewsletter(f.ctx, &nl)
	if err != nil {
		t.Fatal(err)
	}
	a := article.Article{Title: "Port news", PublishedAt: day.Add(10 * time.Hour)}
	a.Normalize()
	if _, err := f.st.SaveArticle(f.ctx, &a); err != nil {
		t.Fatal(err)
	}
	// The publisher announces what comes out; digests take what was.
	if _, err := f.st.AnnounceArticles(f.ctx, day.Add(10*time.Hour)); err != nil {
		t.Fatal(err)
	}
	digests := func() []campaign.Campaign {
		list, err := f.st.ListCampaigns(f.ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []campaign.Campaign
		for _, c := range list {
			if c.NewsletterID == nlID && c.Kind == campaign.Digest {
				out = append(out, c)
			}
		}
		return out
	}
	d := campaign.NewDigests(f.st, nil)
	// Lisbon is on UTC in March: 07:00 there is 07:00 UTC.
	if err := d.Run(f.ctx, day.Add(24*time.Hour+6*time.Hour+59*time.Minute)); err != nil || len(digests()) != 0 {
		t.Fatalf("before 07:00: err %v, %d digests", err, len(digests()))
	}
	at := day.Add(24*time.Hour + 7*time.Hour + time.Minute)
	if err := d.Run(f.ctx, at); err != nil {
		t.Fatal(err)
	}
	got := digests()
	if len(got) == 1 {
		got[0] = f.get(t, got[0].ID)
	}
	if len(got) != 1 || got[0].State != campaign.Sending || len(got[0].ArticleIDs) != 1 || got[0].ArticleMode != campaign.Teaser {
		t.Fatalf("at 07:01: digests %+v; want one sending teaser with the article", got)
	}
	// Running again, here or on another node, makes no second digest.
	d.Run(f.ctx, at.Add(time.Minute))
	if len(digests()) != 1 {
		t.Fatalf("a second run made another digest")
	}
	// Next morning nothing is new: nothing is sent, the clock moves on.
	d.Run(f.ctx, at.Add(24*time.Hour))
	if len(digests()) != 1 {
		t.Fatalf("a digest was made with no new articles")
	}
}

// TestScheduledCampaignChecksItsArticlesWhenDue: an article unpublished
// after its campaign was scheduled sends the campaign back to draft at its
// time, before anyone is mailed; one still public starts as planned.
func TestScheduledCampaignChecksItsArticlesWhenDue(t *testing.T) {
	f := setup(t)
	f.subscribe(t, nil, "a@example.com", "b@example.com")
	later := f.now.Add(time.Hour)
	save := func(a article.Article) article.Article {
		t.Helper()
		id, err := f.st.SaveArticle(f.ctx, &a)
		if err != nil {
			t.Fatalf("SaveArticle(%s): %v", a.Slug, err)
		}
		a.ID = id
		return a
	}
	kept := save(article.Article{Slug: "kept", Title: "Kept", Language: "en", Status: article.Published, PublishedAt: f.now.Add(-time.Hour)})
	gone := save(article.Article{Slug: "gone", Title: "Gone", Language: "en", Status: article.Published, PublishedAt: f.now.Add(-time.Hour)})
	ok := f.campaign(t, campaign.Campaign{ArticleIDs: []int64{kept.ID}})
	bad := f.campaign(t, campaign.Campaign{ArticleIDs: []int64{kept.ID, gone.ID}})
	for _, id := range []int64{ok, bad} {
		if err := f.st.MoveCampaign(f.ctx, id, campaign.Scheduled, f.now, later); err != nil {
			t.Fatal(err)
		}
	}
	gone.Status = article.Draft
	save(gone)

	f.tick(t, later)
	if c := f.get(t, bad); c.State != campaign.Draft || c.Total != 0 {
		t.Errorf("campaign with an unpublished article at its time: %s, %d frozen; want back to draft, none", c.State, c.Total)
	}
	if c := f.get(t, ok); c.State != campaign.Sending || c.Total != 2 {
		t.Errorf("campaign with public articles at its time: %s, %d frozen; want sending to 2", c.State, c.Total)
	}
	for _, d := range f.claim(t, later) {
		if d.CampaignID == bad {
			t.Errorf("delivery %d of the campaign sent back to draft was claimed", d.ID)
		}
	}
}

// TestDigestTellsEachStoryOnceAndLeavesNoneOut: a digest holds the
// articles in its newsletter's language (a translation is the same story
// told again) that came out since the last digest, one dated earlier
// included, never one that the last digest held; a day with more articles
// than a digest takes gives a second digest at once instead of leaving the
// oldest out, and articles that came out together stay together.
func TestDigestTellsEachStoryOnceAndLeavesNoneOut(t *testing.T) {
	f := setup(t)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	last := day.Add(7 * time.Hour)
	nl := subscriber.Newsletter{Slug: "morning", Name: "Morning", Language: "en", CreatedAt: day,
		Digest: "daily", DigestTime: "07:00", Timezone: "UTC", LastDigestAt: last}
	nlID, err := f.st.CreateNewsletter(f.ctx, &nl)
	if err != nil {
		t.Fatal(err)
	}
	save := func(a article.Article) int64 {
		t.Helper()
		if err := a.Normalize(); err != nil {
			t.Fatal(err)
		}
		id, err := f.st.SaveArticle(f.ctx, &a)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	announce := func(at time.Time) {
		t.Helper()
		if _, err := f.st.AnnounceArticles(f.ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	// Held by the last digest, which ran at this very instant.
	held := save(article.Article{Title: "At the last digest", Language: "en", PublishedAt: last})
	announce(last)
	lastDigest := campaign.Campaign{NewsletterID: nlID, Kind: campaign.Digest, State: campaign.Sent, ArticleMode: campaign.Teaser,
		Subject: "Morning: 2 March 2026", ArticleIDs: []int64{held}}
	lastID, err := f.st.CreateCampaign(f.ctx, &lastDigest)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{save(article.Article{Title: "Port news", Language: "en", PublishedAt: day.Add(10 * time.Hour)}): true}
	save(article.Article{Title: "Nouvelles du port", Language: "fr", TranslationOf: "port-news", PublishedAt: day.Add(10 * time.Hour)})
	announce(day.Add(10 * time.Hour))
	for i := range campaign.MaxDigestArticles {
		want[save(article.Article{Title: fmt.Sprintf("Story %d", i), Language: "en", PublishedAt: day.Add(11*time.Hour + time.Duration(i)*time.Minute)})] = true
		announce(day.Add(11*time.Hour + time.Duration(i)*time.Minute))
	}
	// Published together later in the day, dated before the last digest:
	// a batch the first digest has no room for stays whole for the second.
	for i := range 5 {
		want[save(article.Article{Title: fmt.Sprintf("From the archive %d", i), Language: "en", PublishedAt: day.Add(-time.Duration(i+1) * time.Hour)})] = true
	}
	announce(day.Add(20 * time.Hour))
	d := campaign.NewDigests(f.st, nil)
	at := day.Add(24*time.Hour + 7*time.Hour + time.Minute)
	for i := range 3 {
		if err := d.Run(f.ctx, at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	list, err := f.st.ListCampaigns(f.ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	digests := 0
	for _, c := range list {
		if c.NewsletterID != nlID || c.Kind != campaign.Digest || c.ID == lastID {
			continue
		}
		digests++
		for _, id := range f.get(t, c.ID).ArticleIDs {
			got[id]++
		}
	}
	if digests != 2 {
		t.Errorf("%d digests; want 2, the second with what the first could not take", digests)
	}
	for _, c := range list {
		if c.NewsletterID == nlID && c.ID != lastID && c.Subject != "Morning: 3 March 2026" {
			t.Errorf("digest subject %q; want the newsletter's name and the day", c.Subject)
		}
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("article %d is in %d digests; want 1", id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("the digests hold %d articles; want the %d English ones published since the last digest", len(got), len(want))
	}
}
