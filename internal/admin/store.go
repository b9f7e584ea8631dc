package admin

import (
	"context"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// Users is the staff side: signing in and out, and the accounts an owner
// manages. *user.Service provides it.
type Users interface {
	LoginWith(ctx context.Context, c user.Credentials) (user.Session, error)
	CheckSession(ctx context.Context, token string) (user.User, user.Session, error)
	Logout(ctx context.Context, token string) error
	User(ctx context.Context, id int64) (user.User, error)
	Users(ctx context.Context, afterID int64, limit int) ([]user.User, error)
	Create(ctx context.Context, u user.User, password string) (user.User, error)
	SetRole(ctx context.Context, id int64, r user.Role) error
	SetDisabled(ctx context.Context, id int64, disabled bool) error
}

// ArticleStore finds articles in every state and keeps who owns them.
// Saving goes through the article.Publisher, which renders the body.
type ArticleStore interface {
	ArticleBySlug(ctx context.Context, slug string) (article.Article, error)
	// ArticleByID returns the article with every other language version
	// of its story, drafts included, in Translations.
	ArticleByID(ctx context.Context, id int64) (article.Article, error)
	ListArticles(ctx context.Context, q article.Query, now time.Time) ([]article.Article, error)
	// ArticlesByID returns the articles in the order given, as campaign
	// emails are built from them.
	ArticlesByID(ctx context.Context, ids []int64) ([]article.Article, error)
	// SearchArticles lists articles in any state, newest first, below
	// beforeID; an empty title or status does not filter.
	SearchArticles(ctx context.Context, title string, status article.Status, beforeID int64, limit int) ([]article.Article, error)
	// ArticleOwners returns the staff account that created each article
	// (0 for none) and when each submitted one was submitted.
	ArticleOwners(ctx context.Context, ids []int64) (map[int64]int64, map[int64]time.Time, error)
	SetArticleOwner(ctx context.Context, id, userID int64) error
	// SetArticleSubmitted marks the article submitted for review at at;
	// the zero time withdraws it.
	SetArticleSubmitted(ctx context.Context, id int64, at time.Time) error
}

// NewsletterStore keeps the newsletters readers can join.
type NewsletterStore interface {
	Newsletters(ctx context.Context) ([]subscriber.Newsletter, error)
	CreateNewsletter(ctx context.Context, n *subscriber.Newsletter) (int64, error)
	// UpdateNewsletter changes everything but the slug and digest clock.
	UpdateNewsletter(ctx context.Context, n *subscriber.Newsletter) error
	// RecordDigest moves the digest clock from prev to now (see
	// campaign.DigestStore).
	RecordDigest(ctx context.Context, newsletterID int64, prev, now time.Time, c *campaign.Campaign) (bool, error)
}

// CampaignStore keeps campaigns and moves them through their states.
type CampaignStore interface {
	CreateCampaign(ctx context.Context, c *campaign.Campaign) (int64, error)
	Campaign(ctx context.Context, id int64) (campaign.Campaign, error)
	ListCampaigns(ctx context.Context, beforeID int64, limit int) ([]campaign.Campaign, error)
	// UpdateCampaign edits a draft; campaign.ErrState for any other.
	UpdateCampaign(ctx context.Context, c *campaign.Campaign) error
	MoveCampaign(ctx context.Context, id int64, to campaign.State, at, sendAt time.Time) error
	QueueTestSend(ctx context.Context, id int64, email string, now time.Time) error
	ActiveCampaigns(ctx context.Context, limit int) ([]campaign.Campaign, error)
	CampaignUnsubscribes(ctx context.Context, campaignID int64) (int, error)
	// AudienceSize counts whom a campaign to the newsletter, narrowed by
	// language and tags, would reach now.
	AudienceSize(ctx context.Context, newsletterID int64, language string, tags []string) (int, error)
}

// SubscriberStore finds, edits, imports, exports and erases subscribers.
type SubscriberStore interface {
	subscriber.ImportStore
	SearchSubscribers(ctx context.Context, email string, state subscriber.State, newsletterID int64, tag string, beforeID int64, limit int) ([]subscriber.Subscriber, error)
	SubscriberByID(ctx context.Context, id int64) (subscriber.Subscriber, error)
	Consents(ctx context.Context, subscriberID int64) ([]subscriber.Consent, error)
	SubscriberTags(ctx context.Context, id int64) ([]string, error)
	SetSubscriberTags(ctx context.Context, id int64, tags []string) error
	SetSubscriberLanguage(ctx context.Context, id int64, language string) error
	ExportSubscribers(ctx context.Context, newsletterID, afterID int64, limit int) ([]subscriber.ExportRow, error)
	// EraseSubscriber deletes the person and every copy of their address,
	// and suppresses suppressKey in its place.
	EraseSubscriber(ctx context.Context, id int64, suppressKey, reason string, at time.Time) error
	// SuppressedKeys returns those of keys on the suppression list.
	SuppressedKeys(ctx context.Context, keys []string) ([]string, error)
	// HasErasures reports whether any erasure key is suppressed.
	HasErasures(ctx context.Context) (bool, error)
	SubscriptionCounts(ctx context.Context) (map[int64]map[subscriber.State]int, error)
	// DailyConsents counts records of action per day for days from since.
	DailyConsents(ctx context.Context, action subscriber.ConsentAction, since time.Time, days int) ([]int, error)
}

// LedgerStore reads the delivery ledger, each row as it was queued and the
// result of its last attempt, and queues mail to a given address.
type LedgerStore interface {
	// DailySent counts the messages sent per day for days from since.
	DailySent(ctx context.Context, since time.Time, days int) ([]int, error)
	CampaignLedger(ctx context.Context, campaignID int64, state delivery.State, afterID int64, limit int) ([]delivery.Delivery, []delivery.Result, error)
	SubscriberLedger(ctx context.Context, subscriberID, beforeID int64, limit int) ([]delivery.Delivery, []delivery.Result, error)
	AddressedDeliveries(ctx context.Context, kind delivery.Kind, limit int) ([]delivery.Delivery, []delivery.Result, error)
	QueueAddressed(ctx context.Context, kind delivery.Kind, recipient string, at time.Time) (int64, error)
}

// SettingStore keeps the publication's settings. EnsureSetting reads a
// setting, storing the default the first time, so every process on one
// database starts from the same value.
type SettingStore interface {
	EnsureSetting(ctx context.Context, key, value string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

// OutboxReader shows the mail the built-in outbox caught instead of
// sending.
type OutboxReader interface {
	ListOutbox(ctx context.Context, beforeID int64, limit int) ([]mail.OutboxMessage, error)
	OutboxMessage(ctx context.Context, id int64) (mail.OutboxMessage, error)
}
