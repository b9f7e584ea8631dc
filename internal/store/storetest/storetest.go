// Package storetest is the one behaviour suite that every Herald store must
// pass. The SQLite and PostgreSQL stores are written apart, in two SQL
// dialects; running the same tests on both is what lets the rest of Herald
// treat them as one.
package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// Store is every method the suite holds a store to.
type Store interface {
	Setting(ctx context.Context, key string) (string, error)
	EnsureSetting(ctx context.Context, key, value string) (string, error)

	SaveArticle(ctx context.Context, a *article.Article) (int64, error)
	CreateArticle(ctx context.Context, a *article.Article) (int64, error)
	ArticleBySlug(ctx context.Context, slug string) (article.Article, error)
	ListArticles(ctx context.Context, q article.Query, now time.Time) ([]article.Article, error)
	ArticlesByID(ctx context.Context, ids []int64) ([]article.Article, error)
	AnnounceArticles(ctx context.Context, now time.Time) ([]article.Article, error)

	Newsletters(ctx context.Context) ([]subscriber.Newsletter, error)
	RecordSignups(ctx context.Context, batch []subscriber.Signup, confirmEvery time.Duration) error
	SubscriberByID(ctx context.Context, id int64) (subscriber.Subscriber, error)
	ListSubscribers(ctx context.Context, afterID int64, limit int) ([]subscriber.Subscriber, error)
	ConfirmSubscriber(ctx context.Context, id int64, c subscriber.Consent) ([]subscriber.Newsletter, error)
	UnsubscribeSubscriber(ctx context.Context, id, newsletterID int64, c subscriber.Consent) ([]int64, error)
	Consents(ctx context.Context, subscriberID int64) ([]subscriber.Consent, error)
	IsSuppressed(ctx context.Context, email string) (bool, error)
	SavePreferences(ctx context.Context, id int64, c subscriber.PreferenceChange) (subscriber.PreferenceOutcome, error)

	CreateNewsletter(ctx context.Context, n *subscriber.Newsletter) (int64, error)
	RecordDigest(ctx context.Context, newsletterID int64, prev, now time.Time, c *campaign.Campaign) (bool, error)
	DigestArticleIDs(ctx context.Context, newsletterID int64, since time.Time) ([]int64, error)
	subscriber.ImportStore
	ExportSubscribers(ctx context.Context, newsletterID, afterID int64, limit int) ([]subscriber.ExportRow, error)

	ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error)
	RecordResults(ctx context.Context, rs []delivery.Result) (int, error)
	SentSince(ctx context.Context, since time.Time) (int, error)
	QueueStats(ctx context.Context) (depth int, oldest time.Time, err error)
	TakeFromWindow(ctx context.Context, key string, window time.Duration, now time.Time, want, limit int) (int, error)
	CountInWindow(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)

	CreateCampaign(ctx context.Context, c *campaign.Campaign) (int64, error)
	Campaign(ctx context.Context, id int64) (campaign.Campaign, error)
	ListCampaigns(ctx context.Context, beforeID int64, limit int) ([]campaign.Campaign, error)
	MoveCampaign(ctx context.Context, id int64, to campaign.State, at, sendAt time.Time) error
	DueCampaigns(ctx context.Context, now time.Time) ([]int64, error)
	StartDue(ctx context.Context, id int64, now time.Time) error
	CampaignsToFreeze(ctx context.Context) ([]int64, error)
	FreezeChunk(ctx context.Context, id int64, limit int, now time.Time) (added int, done bool, err error)
	AudienceSize(ctx context.Context, newsletterID int64, language string, tags []string) (int, error)
	FinishCampaigns(ctx context.Context, now time.Time) ([]int64, error)
	QueueTestSend(ctx context.Context, id int64, email string, now time.Time) error
	CampaignInFlight(ctx context.Context, id int64, now time.Time) (int, error)

	user.Store

	AddOutboxMessage(ctx context.Context, m mail.OutboxMessage) (int64, error)
	ListOutbox(ctx context.Context, beforeID int64, limit int) ([]mail.OutboxMessage, error)
	OutboxMessage(ctx context.Context, id int64) (mail.OutboxMessage, error)
}

// Run runs the suite. open must return an empty, migrated store of its own
// for each call and close it when the test ends; the subtests run in
// parallel.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st Store)
	}{
		{"ArticlesListingAndTranslations", testArticlesListingAndTranslations},
		{"ArticleUpdateReplacesNames", testArticleUpdateReplacesNames},
		{"ArticleKeysetPages", testArticleKeysetPages},
		{"ArticlesAfterCursor", testArticlesAfterCursor},
		{"ArticlesAnnouncedOnceWhenTheyComeOut", testArticlesAnnouncedOnce},
		{"ArticleSaveOnVersion", testArticleSaveOnVersion},
		{"ArticleCreateOnce", testArticleCreateOnce},
		{"DefaultNewsletter", testDefaultNewsletter},
		{"SignupConfirmUnsubscribeAndMailQueue", testSignupConfirmUnsubscribeAndMailQueue},
		{"ConfirmAtOnce", testConfirmAtOnce},
		{"ConfirmationEmailAtMostOncePerWindow", testConfirmationEmailAtMostOncePerWindow},
		{"SignupPassesOverUnknownNewsletter", testSignupPassesOverUnknownNewsletter},
		{"SignupKeepsBatchDespiteOddText", testSignupKeepsBatchDespiteOddText},
		{"SubscribersPagesAndNotFound", testSubscribersPagesAndNotFound},
		{"UnsubscribeOneNewsletter", testUnsubscribeOneNewsletter},
		{"PreferencesJoinLeaveRename", testPreferencesJoinLeaveRename},
		{"PreferencesConfirmPending", testPreferencesConfirmPending},
		{"PreferencesSuppressedAddress", testPreferencesSuppressedAddress},
		{"PreferencesChangeNothingOnError", testPreferencesChangeNothingOnError},
		{"ClaimOrderAndLimit", testClaimOrderAndLimit},
		{"ExpiredLeaseIsClaimedAgainWithNewFence", testExpiredLeaseIsClaimedAgainWithNewFence},
		{"StaleResultsAreIgnored", testStaleResultsAreIgnored},
		{"ConcurrentClaimsNeverShareARow", testConcurrentClaimsNeverShareARow},
		{"HardBounceSuppresses", testHardBounceSuppresses},
		{"ServerTextIsStoredWhateverItHolds", testServerTextIsStoredWhateverItHolds},
		{"Settings", testSettings},
		{"EnsureSettingRace", testEnsureSettingRace},
		{"Outbox", testOutbox},
		{"ArticlesByID", testArticlesByID},
		{"CampaignLifecycle", testCampaignLifecycle},
		{"CampaignPauseResume", testCampaignPauseResume},
		{"HandedBackWhilePausedIsHeld", testHandedBackWhilePausedIsHeld},
		{"TakeFromWindow", testTakeFromWindow},
		{"CountInWindow", testCountInWindow},
		{"TakeFromWindowConcurrently", testTakeFromWindowConcurrently},
		{"CampaignCancelSkipsTheRest", testCampaignCancelSkipsTheRest},
		{"FreezeConcurrently", testFreezeConcurrently},
		{"AudienceByLanguage", testAudienceByLanguage},
		{"NewslettersAndDigestClock", testNewslettersAndDigestClock},
		{"DigestArticleIDs", testDigestArticleIDs},
		{"ImportAndExport", testImportAndExport},
		{"ImportLanguage", testImportLanguage},
		{"ImporterOneWriter", func(t *testing.T, st Store) { testImporterInFileOrder(t, st, 1) }},
		{"ImporterThreeWriters", func(t *testing.T, st Store) { testImporterInFileOrder(t, st, 3) }},
		{"Users", testUsers},
		{"TOTPStepOnce", testTOTPStepOnce},
		{"LoginAttempts", testLoginAttempts},
		{"SessionsAndTokens", testSessionsAndTokens},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// race runs fn(0) … fn(n-1) at once from n goroutines, as n processes
// would. Each goroutine first makes a call of its own, so that a store with
// a connection pool has its connections open and the calls under test
// overlap instead of queueing behind connection set-up.
func race(t *testing.T, st Store, n int, fn func(i int)) {
	t.Helper()
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		ready.Add(1)
		done.Go(func() {
			if _, err := st.Newsletters(context.Background()); err != nil {
				t.Errorf("Newsletters() = %v", err)
			}
			ready.Done()
			<-start
			fn(i)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// signup is a reader signing up for the default newsletter at at.
func signup(email string, at time.Time) subscriber.Signup {
	return subscriber.Signup{Email: email, Newsletters: []int64{1}, Source: "/", Wording: "I agree", IP: "127.0.0.1", At: at}
}

func recordSignups(t *testing.T, st Store, confirmEvery time.Duration, batch ...subscriber.Signup) {
	t.Helper()
	if err := st.RecordSignups(context.Background(), batch, confirmEvery); err != nil {
		t.Fatalf("RecordSignups(%d signups) = %v", len(batch), err)
	}
}

// states maps each subscriber's address to its state with the default
// newsletter.
func states(t *testing.T, st Store) map[string]subscriber.State {
	t.Helper()
	list, err := st.ListSubscribers(context.Background(), 0, 100)
	if err != nil {
		t.Fatalf("ListSubscribers(0, 100) = %v", err)
	}
	m := map[string]subscriber.State{}
	for _, s := range list {
		for _, sp := range s.Subscriptions {
			m[s.Email] = sp.State
		}
	}
	return m
}

// claim leases every due delivery at now for owner.
func claim(t *testing.T, st Store, owner string, now time.Time, lease time.Duration) []delivery.Delivery {
	t.Helper()
	c := delivery.Claim{Owner: owner, Now: now, Lease: lease, Limit: 100}
	list, err := st.ClaimDeliveries(context.Background(), c)
	if err != nil {
		t.Fatalf("ClaimDeliveries(%+v) = %v", c, err)
	}
	return list
}

// record applies rs and fails the test unless want of them applied.
func record(t *testing.T, st Store, want int, rs ...delivery.Result) {
	t.Helper()
	n, err := st.RecordResults(context.Background(), rs)
	if err != nil || n != want {
		t.Fatalf("RecordResults(%+v) = %d, %v; want %d applied", rs, n, err, want)
	}
}

func recipients(ds []delivery.Delivery) []string {
	var s []string
	for _, d := range ds {
		s = append(s, d.Recipient)
	}
	return s
}
