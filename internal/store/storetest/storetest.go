// Package storetest is the one behaviour suite that every Herald store must
// pass. The SQLite and PostgreSQL stores are written apart, in two SQL
// dialects; running the same tests on both is what lets the rest of Herald
// treat them as one.
package storetest

import (
	"context"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/subscriber"
)

// Store is every method the suite holds a store to.
type Store interface {
	Setting(ctx context.Context, key string) (string, error)
	EnsureSetting(ctx context.Context, key, value string) (string, error)

	SaveArticle(ctx context.Context, a *article.Article) (int64, error)
	ArticleBySlug(ctx context.Context, slug string) (article.Article, error)
	ListArticles(ctx context.Context, q article.Query, now time.Time) ([]article.Article, error)

	Newsletters(ctx context.Context) ([]subscriber.Newsletter, error)
	RecordSignups(ctx context.Context, batch []subscriber.Signup, confirmEvery time.Duration) error
	SubscriberByID(ctx context.Context, id int64) (subscriber.Subscriber, error)
	ListSubscribers(ctx context.Context, afterID int64, limit int) ([]subscriber.Subscriber, error)
	ConfirmSubscriber(ctx context.Context, id int64, c subscriber.Consent) ([]subscriber.Newsletter, error)
	UnsubscribeSubscriber(ctx context.Context, id, newsletterID int64, c subscriber.Consent) error
	Consents(ctx context.Context, subscriberID int64) ([]subscriber.Consent, error)
	IsSuppressed(ctx context.Context, email string) (bool, error)

	ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error)
	RecordResults(ctx context.Context, rs []delivery.Result) (int, error)

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
		{"DefaultNewsletter", testDefaultNewsletter},
		{"SignupConfirmUnsubscribeAndMailQueue", testSignupConfirmUnsubscribeAndMailQueue},
		{"ConfirmationEmailAtMostOncePerWindow", testConfirmationEmailAtMostOncePerWindow},
		{"SignupPassesOverUnknownNewsletter", testSignupPassesOverUnknownNewsletter},
		{"SignupKeepsBatchDespiteOddText", testSignupKeepsBatchDespiteOddText},
		{"SubscribersPagesAndNotFound", testSubscribersPagesAndNotFound},
		{"UnsubscribeOneNewsletter", testUnsubscribeOneNewsletter},
		{"ClaimOrderAndLimit", testClaimOrderAndLimit},
		{"ExpiredLeaseIsClaimedAgainWithNewFence", testExpiredLeaseIsClaimedAgainWithNewFence},
		{"StaleResultsAreIgnored", testStaleResultsAreIgnored},
		{"ConcurrentClaimsNeverShareARow", testConcurrentClaimsNeverShareARow},
		{"HardBounceSuppresses", testHardBounceSuppresses},
		{"ServerTextIsStoredWhateverItHolds", testServerTextIsStoredWhateverItHolds},
		{"Settings", testSettings},
		{"EnsureSettingRace", testEnsureSettingRace},
		{"Outbox", testOutbox},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
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
