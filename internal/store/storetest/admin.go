package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/subscriber"
)

// AdminStore is what the newsroom app needs from a store beyond Store.
type AdminStore interface {
	Store
	SearchArticles(ctx context.Context, title string, status article.Status, beforeID int64, limit int) ([]article.Article, error)
	ArticleByID(ctx context.Context, id int64) (article.Article, error)
	ArticleOwners(ctx context.Context, ids []int64) (map[int64]int64, map[int64]time.Time, error)
	SetArticleOwner(ctx context.Context, id, userID int64) error
	SetArticleSubmitted(ctx context.Context, id int64, at time.Time) error

	CreateNewsletter(ctx context.Context, n *subscriber.Newsletter) (int64, error)
	UpdateNewsletter(ctx context.Context, n *subscriber.Newsletter) error
	CreateCampaign(ctx context.Context, c *campaign.Campaign) (int64, error)
	Campaign(ctx context.Context, id int64) (campaign.Campaign, error)
	UpdateCampaign(ctx context.Context, c *campaign.Campaign) error
	MoveCampaign(ctx context.Context, id int64, to campaign.State, at, sendAt time.Time) error
	ActiveCampaigns(ctx context.Context, limit int) ([]campaign.Campaign, error)
	FreezeChunk(ctx context.Context, id int64, limit int, now time.Time) (added int, done bool, err error)
	QueueTestSend(ctx context.Context, id int64, email string, now time.Time) error
	SetSetting(ctx context.Context, key, value string) error

	SearchSubscribers(ctx context.Context, email string, state subscriber.State, newsletterID int64, tag string, beforeID int64, limit int) ([]subscriber.Subscriber, error)
	SubscriptionCounts(ctx context.Context) (map[int64]map[subscriber.State]int, error)
	DailyConsents(ctx context.Context, action subscriber.ConsentAction, since time.Time, days int) ([]int, error)
	SubscriberTags(ctx context.Context, id int64) ([]string, error)
	SetSubscriberTags(ctx context.Context, id int64, tags []string) error
	SetSubscriberLanguage(ctx context.Context, id int64, language string) error
	EraseSubscriber(ctx context.Context, id int64, suppressKey, reason string, at time.Time) error
	SuppressedKeys(ctx context.Context, keys []string) ([]string, error)
	HasErasures(ctx context.Context) (bool, error)

	CampaignLedger(ctx context.Context, campaignID int64, state delivery.State, afterID int64, limit int) ([]delivery.Delivery, []delivery.Result, error)
	SubscriberLedger(ctx context.Context, subscriberID, beforeID int64, limit int) ([]delivery.Delivery, []delivery.Result, error)
	AddressedDeliveries(ctx context.Context, kind delivery.Kind, limit int) ([]delivery.Delivery, []delivery.Result, error)
	QueueAddressed(ctx context.Context, kind delivery.Kind, recipient string, at time.Time) (int64, error)
	CampaignUnsubscribes(ctx context.Context, campaignID int64) (int, error)
}

// RunAdmin runs the newsroom app's part of the suite; open works as for Run.
func RunAdmin(t *testing.T, open func(t *testing.T) AdminStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st AdminStore)
	}{
		{"ArticlesInEveryState", testArticlesInEveryState},
		{"NewsletterAndDraftCampaignEdits", testNewsletterAndDraftCampaignEdits},
		{"SubscriberSearchTagsAndCounts", testSubscriberSearchTagsAndCounts},
		{"SubscriberLanguageSetAndFound", testSubscriberLanguageSetAndFound},
		{"LedgerOfCampaignAndSubscriber", testLedgerOfCampaignAndSubscriber},
		{"ErasureForgetsTheAddress", testErasureForgetsTheAddress},
		{"ErasedIDsAreNotGivenAgain", testErasedIDsAreNotGivenAgain},
		{"CancelledRowsComingBackAreSkipped", testCancelledRowsComingBackAreSkipped},
		{"OddTextReadsBackAlike", testOddTextReadsBackAlike},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func admMust(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v", what, err)
	}
}

func testArticlesInEveryState(t *testing.T, st AdminStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	save := func(a article.Article) int64 {
		t.Helper()
		if a.Status != article.Draft {
			a.PublishedAt = now.Add(-time.Hour)
		}
		a.Language, a.Authors = "en", []article.Author{{Name: "Maya", Slug: "maya"}}
		id, err := st.SaveArticle(ctx, &a)
		admMust(t, "SaveArticle("+a.Slug+")", err)
		return id
	}
	orig := save(article.Article{Slug: "night-markets", Title: "Night markets return", Status: article.Published})
	fr := save(article.Article{Slug: "marches-de-nuit", Title: "Les marchés de nuit", Status: article.Draft, TranslationOf: "night-markets"})
	pct := save(article.Article{Slug: "fifty-percent", Title: "Rates up 50% again_", Status: article.Draft})
	for i := range 5 {
		save(article.Article{Slug: fmt.Sprintf("story-%d", i), Title: fmt.Sprintf("Story %d", i), Status: article.Published})
	}
	titles := func(list []article.Article) []string {
		var s []string
		for _, a := range list {
			s = append(s, a.Title)
		}
		return s
	}
	got, err := st.SearchArticles(ctx, "NIGHT", "", 0, 10)
	admMust(t, "SearchArticles(NIGHT)", err)
	if diff := cmp.Diff([]string{"Night markets return"}, titles(got)); diff != "" {
		t.Errorf("SearchArticles(NIGHT) (-want +got):\n%s", diff)
	}
	if len(got) == 1 && (len(got[0].Authors) != 1 || got[0].Authors[0].Name != "Maya") {
		t.Errorf("SearchArticles result lacks its byline: %+v", got[0].Authors)
	}
	got, _ = st.SearchArticles(ctx, "50%", "", 0, 10)
	if diff := cmp.Diff([]string{"Rates up 50% again_"}, titles(got)); diff != "" {
		t.Errorf("SearchArticles(50%%) takes %% literally (-want +got):\n%s", diff)
	}
	got, _ = st.SearchArticles(ctx, "", article.Draft, 0, 10)
	if diff := cmp.Diff([]string{"Rates up 50% again_", "Les marchés de nuit"}, titles(got)); diff != "" {
		t.Errorf("SearchArticles(drafts), newest first (-want +got):\n%s", diff)
	}
	page1, _ := st.SearchArticles(ctx, "", "", 0, 3)
	page2, _ := st.SearchArticles(ctx, "", "", page1[len(page1)-1].ID, 100)
	if len(page1) != 3 || len(page2) != 5 || page2[0].ID >= page1[2].ID {
		t.Errorf("keyset pages: %d then %d articles", len(page1), len(page2))
	}
	// Letters beyond ASCII are found in any case too, and a page of
	// results is full although other titles looked alike to the database.
	uber := save(article.Article{Slug: "uber-den-fluss", Title: "Über den Fluss", Status: article.Published})
	for i := range 3 {
		save(article.Article{Slug: fmt.Sprintf("aber-%d", i), Title: fmt.Sprintf("Aber %d", i), Status: article.Published})
	}
	for _, typed := range []string{"über", "ÜBER", "Über den"} {
		if got, err := st.SearchArticles(ctx, typed, "", 0, 1); err != nil || len(got) != 1 || got[0].ID != uber {
			t.Errorf("SearchArticles(%q, limit 1) = %v, %v; want Über den Fluss", typed, titles(got), err)
		}
	}
	if got, _ := st.SearchArticles(ctx, "äber", "", 0, 10); len(got) != 0 {
		t.Errorf("SearchArticles(äber) = %v; want none", titles(got))
	}
	// The status asked for is the one readers see now, not the one stored.
	for _, a := range []article.Article{
		{Slug: "came-out", Title: "Came out", Language: "en", Status: article.Scheduled, PublishedAt: now.Add(-time.Hour)},
		{Slug: "moved-ahead", Title: "Moved ahead", Language: "en", Status: article.Published, PublishedAt: now.Add(24 * time.Hour)},
	} {
		_, err := st.SaveArticle(ctx, &a)
		admMust(t, "SaveArticle("+a.Slug+")", err)
	}
	for _, c := range []struct {
		status   article.Status
		has, not string
	}{{article.Published, "Came out", "Moved ahead"}, {article.Scheduled, "Moved ahead", "Came out"}} {
		got, err := st.SearchArticles(ctx, "", c.status, 0, 100)
		admMust(t, "SearchArticles("+string(c.status)+")", err)
		if ts := titles(got); !slices.Contains(ts, c.has) || slices.Contains(ts, c.not) {
			t.Errorf("SearchArticles(%s) = %v; want %q and not %q", c.status, ts, c.has, c.not)
		}
	}

	a, err := st.ArticleByID(ctx, orig)
	admMust(t, "ArticleByID", err)
	if diff := cmp.Diff([]article.Ref{{Slug: "marches-de-nuit", Language: "en", Title: "Les marchés de nuit"}}, a.Translations); diff != "" {
		t.Errorf("ArticleByID lists its draft translation (-want +got):\n%s", diff)
	}
	if _, err := st.ArticleByID(ctx, 99999); !errors.Is(err, article.ErrNotFound) {
		t.Errorf("ArticleByID(missing) = %v, want article.ErrNotFound", err)
	}
	admMust(t, "SetArticleOwner", st.SetArticleOwner(ctx, fr, 42))
	admMust(t, "SetArticleSubmitted", st.SetArticleSubmitted(ctx, fr, now))
	owners, submitted, err := st.ArticleOwners(ctx, []int64{orig, fr, pct, 99999})
	admMust(t, "ArticleOwners", err)
	if diff := cmp.Diff(map[int64]int64{orig: 0, fr: 42, pct: 0}, owners); diff != "" {
		t.Errorf("owners (-want +got):\n%s", diff)
	}
	if len(submitted) != 1 || !submitted[fr].Equal(now) {
		t.Errorf("submitted = %v, want only %d at %v", submitted, fr, now)
	}
	// Saving the article again keeps its owner.
	again, _ := st.ArticleByID(ctx, fr)
	again.Title = "Les marchés de nuit reviennent"
	_, err = st.SaveArticle(ctx, &again)
	admMust(t, "SaveArticle again", err)
	admMust(t, "withdraw", st.SetArticleSubmitted(ctx, fr, time.Time{}))
	owners, submitted, _ = st.ArticleOwners(ctx, []int64{fr})
	if owners[fr] != 42 || len(submitted) != 0 {
		t.Errorf("after saving and withdrawing: owner %d, submitted %v", owners[fr], submitted)
	}
	if err := st.SetArticleOwner(ctx, 99999, 1); !errors.Is(err, article.ErrNotFound) {
		t.Errorf("SetArticleOwner(missing) = %v, want article.ErrNotFound", err)
	}
}

func testNewsletterAndDraftCampaignEdits(t *testing.T, st AdminStore) {
	ctx := context.Background()
	now := time.Now()
	n := subscriber.Newsletter{Slug: "brief", Name: "Brief", Language: "en", DigestTime: "07:00", Timezone: "UTC", CreatedAt: now}
	id, err := st.CreateNewsletter(ctx, &n)
	admMust(t, "CreateNewsletter", err)
	n.ID, n.Name, n.SenderEmail, n.ReplyTo, n.Digest, n.DigestWeekday, n.Timezone = id, "Morning Brief", "desk@example.org", "letters@example.org", "weekly", 5, "Europe/Lisbon"
	admMust(t, "UpdateNewsletter", st.UpdateNewsletter(ctx, &n))
	nls, _ := st.Newsletters(ctx)
	got := nls[len(nls)-1]
	if got.Name != "Morning Brief" || got.SenderEmail != "desk@example.org" || got.ReplyTo != "letters@example.org" ||
		got.Digest != "weekly" || got.DigestWeekday != 5 || got.Timezone != "Europe/Lisbon" || got.Slug != "brief" {
		t.Errorf("after UpdateNewsletter: %+v", got)
	}
	// A changed digest schedule keeps when it takes effect, to the
	// millisecond, and leaves the digest clock alone.
	from := time.UnixMilli(now.Add(20 * time.Hour).UnixMilli())
	n.DigestFrom = from
	admMust(t, "UpdateNewsletter(DigestFrom)", st.UpdateNewsletter(ctx, &n))
	nls, _ = st.Newsletters(ctx)
	if got := nls[len(nls)-1]; !got.DigestFrom.Equal(from) || !got.LastDigestAt.IsZero() {
		t.Errorf("after UpdateNewsletter(DigestFrom %v): DigestFrom %v, LastDigestAt %v; want %v and none", from, got.DigestFrom, got.LastDigestAt, from)
	}
	if err := st.UpdateNewsletter(ctx, &subscriber.Newsletter{ID: 999, Name: "x"}); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("UpdateNewsletter(missing) = %v, want subscriber.ErrNotFound", err)
	}

	a := article.Article{Slug: "a", Title: "A", Language: "en", Status: article.Published, PublishedAt: now.Add(-time.Hour)}
	aid, _ := st.SaveArticle(ctx, &a)
	b := article.Article{Slug: "b", Title: "B", Language: "en", Status: article.Published, PublishedAt: now.Add(-time.Hour)}
	bid, _ := st.SaveArticle(ctx, &b)
	c := campaign.Campaign{NewsletterID: 1, Subject: "First", ArticleMode: campaign.Full, ArticleIDs: []int64{aid}, State: campaign.Draft, Kind: campaign.Manual}
	cid, err := st.CreateCampaign(ctx, &c)
	admMust(t, "CreateCampaign", err)
	c.ID, c.NewsletterID, c.Subject, c.ArticleIDs, c.AudienceTags, c.ArticleMode = cid, id, "Second", []int64{bid, aid}, []string{"local", "sport"}, campaign.Teaser
	admMust(t, "UpdateCampaign", st.UpdateCampaign(ctx, &c))
	stored, _ := st.Campaign(ctx, cid)
	if stored.Subject != "Second" || stored.NewsletterID != id || !slices.Equal(stored.ArticleIDs, []int64{bid, aid}) ||
		!slices.Equal(stored.AudienceTags, []string{"local", "sport"}) || stored.ArticleMode != campaign.Teaser {
		t.Errorf("after UpdateCampaign: %+v", stored)
	}
	admMust(t, "MoveCampaign(scheduled)", st.MoveCampaign(ctx, cid, campaign.Scheduled, now, now.Add(time.Hour)))
	if err := st.UpdateCampaign(ctx, &c); !errors.Is(err, campaign.ErrState) {
		t.Errorf("UpdateCampaign(scheduled) = %v, want campaign.ErrState", err)
	}
	if err := st.UpdateCampaign(ctx, &campaign.Campaign{ID: 999, NewsletterID: 1, Subject: "x"}); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("UpdateCampaign(missing) = %v, want campaign.ErrNotFound", err)
	}
	active, err := st.ActiveCampaigns(ctx, 10)
	admMust(t, "ActiveCampaigns", err)
	if len(active) != 1 || active[0].ID != cid {
		t.Errorf("ActiveCampaigns = %+v, want the scheduled one", active)
	}
	admMust(t, "SetSetting", st.SetSetting(ctx, "site.name", "One"))
	admMust(t, "SetSetting again", st.SetSetting(ctx, "site.name", "Two"))
	if v, _ := st.Setting(ctx, "site.name"); v != "Two" {
		t.Errorf("after SetSetting twice: %q, want Two", v)
	}
}

// admSignup records a signup of email for the default newsletter and
// returns the subscriber's ID.
func admSignup(t *testing.T, st AdminStore, email string, at time.Time) int64 {
	t.Helper()
	recordSignups(t, st, time.Hour, signup(email, at))
	list, err := st.SearchSubscribers(context.Background(), email, "", 0, "", 0, 2)
	if err != nil || len(list) != 1 {
		t.Fatalf("SearchSubscribers(%s) = %d found, %v", email, len(list), err)
	}
	return list[0].ID
}

// testSubscriberLanguageSetAndFound changes a subscriber's language, and
// clears it, and reads it back through the search and by ID.
func testSubscriberLanguageSetAndFound(t *testing.T, st AdminStore) {
	ctx := context.Background()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ana := admSignup(t, st, "ana@example.org", at)
	bo := admSignup(t, st, "bo@example.org", at)
	language := func(id int64) string {
		t.Helper()
		list, err := st.SearchSubscribers(ctx, "", "", 0, "", id+1, 1)
		if err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("SearchSubscribers(before %d, 1) = %+v, %v; want subscriber %d", id+1, list, err, id)
		}
		one, err := st.SubscriberByID(ctx, id)
		if err != nil || one.Language != list[0].Language {
			t.Errorf("SubscriberByID(%d) = %+v, %v; want language %q as searched", id, one, err, list[0].Language)
		}
		return list[0].Language
	}
	admMust(t, "SetSubscriberLanguage", st.SetSubscriberLanguage(ctx, ana, "pt-br"))
	if got, other := language(ana), language(bo); got != "pt-br" || other != "" {
		t.Errorf("after SetSubscriberLanguage(ana, pt-br): ana %q, bo %q; want pt-br and none", got, other)
	}
	admMust(t, "SetSubscriberLanguage", st.SetSubscriberLanguage(ctx, ana, ""))
	if got := language(ana); got != "" {
		t.Errorf("after SetSubscriberLanguage(ana, \"\"): %q; want none", got)
	}
	if err := st.SetSubscriberLanguage(ctx, 9999, "fr"); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("SetSubscriberLanguage(missing) = %v, want subscriber.ErrNotFound", err)
	}
}

func testSubscriberSearchTagsAndCounts(t *testing.T, st AdminStore) {
	ctx := context.Background()
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ana := admSignup(t, st, "ana@example.org", day.Add(2*time.Hour))
	bo := admSignup(t, st, "bo_1%@example.org", day.Add(26*time.Hour))
	cy := admSignup(t, st, "cy@example.org", day.Add(27*time.Hour))
	_, err := st.ConfirmSubscriber(ctx, ana, subscriber.Consent{SubscriberID: ana, Action: subscriber.ConsentConfirm, At: day.Add(3 * time.Hour)})
	admMust(t, "ConfirmSubscriber", err)
	_, err = st.ConfirmSubscriber(ctx, cy, subscriber.Consent{SubscriberID: cy, Action: subscriber.ConsentConfirm, At: day.Add(50 * time.Hour)})
	admMust(t, "ConfirmSubscriber", err)
	admMust(t, "SetSubscriberTags", st.SetSubscriberTags(ctx, bo, []string{"sport", "local"}))
	admMust(t, "SetSubscriberTags", st.SetSubscriberTags(ctx, cy, []string{"local"}))
	if err := st.SetSubscriberTags(ctx, 9999, []string{"x"}); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("SetSubscriberTags(missing) = %v, want subscriber.ErrNotFound", err)
	}
	tags, _ := st.SubscriberTags(ctx, bo)
	if !slices.Equal(tags, []string{"local", "sport"}) {
		t.Errorf("SubscriberTags = %v", tags)
	}
	ids := func(list []subscriber.Subscriber, err error) []int64 {
		t.Helper()
		admMust(t, "SearchSubscribers", err)
		var s []int64
		for _, x := range list {
			s = append(s, x.ID)
		}
		return s
	}
	for name, c := range map[string]struct {
		got, want []int64
	}{
		"all, newest first":    {ids(st.SearchSubscribers(ctx, "", "", 0, "", 0, 10)), []int64{cy, bo, ana}},
		"email in other case":  {ids(st.SearchSubscribers(ctx, "ANA@", "", 0, "", 0, 10)), []int64{ana}},
		"wildcards literally":  {ids(st.SearchSubscribers(ctx, "_1%", "", 0, "", 0, 10)), []int64{bo}},
		"confirmed":            {ids(st.SearchSubscribers(ctx, "", subscriber.Confirmed, 0, "", 0, 10)), []int64{cy, ana}},
		"pending in news":      {ids(st.SearchSubscribers(ctx, "", subscriber.Pending, 1, "", 0, 10)), []int64{bo}},
		"another newsletter":   {ids(st.SearchSubscribers(ctx, "", "", 2, "", 0, 10)), nil},
		"tag":                  {ids(st.SearchSubscribers(ctx, "", "", 0, "local", 0, 10)), []int64{cy, bo}},
		"tag and state":        {ids(st.SearchSubscribers(ctx, "", subscriber.Confirmed, 0, "local", 0, 10)), []int64{cy}},
		"page after the first": {ids(st.SearchSubscribers(ctx, "", "", 0, "", cy, 1)), []int64{bo}},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	list, _ := st.SearchSubscribers(ctx, "cy@", "", 0, "", 0, 1)
	if len(list) != 1 || len(list[0].Subscriptions) != 1 || list[0].Subscriptions[0].State != subscriber.Confirmed {
		t.Errorf("search result lacks its subscriptions: %+v", list)
	}
	counts, err := st.SubscriptionCounts(ctx)
	admMust(t, "SubscriptionCounts", err)
	if diff := cmp.Diff(map[int64]map[subscriber.State]int{1: {subscriber.Confirmed: 2, subscriber.Pending: 1}}, counts); diff != "" {
		t.Errorf("SubscriptionCounts (-want +got):\n%s", diff)
	}
	daily, err := st.DailyConsents(ctx, subscriber.ConsentConfirm, day, 4)
	admMust(t, "DailyConsents", err)
	if !slices.Equal(daily, []int{1, 0, 1, 0}) {
		t.Errorf("DailyConsents(confirm) = %v, want [1 0 1 0]", daily)
	}
	signups, _ := st.DailyConsents(ctx, subscriber.ConsentSignup, day.Add(24*time.Hour), 1)
	if !slices.Equal(signups, []int{2}) {
		t.Errorf("DailyConsents(signup, day 2) = %v, want [2]", signups)
	}
}
