package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"herald/internal/admin"
	"herald/internal/api"
	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/metrics"
	"herald/internal/server"
	"herald/internal/store/postgres"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
	"herald/internal/user"
	"herald/internal/web"
	"herald/internal/webhook"
)

// database is everything the program asks of storage. The SQLite and the
// PostgreSQL stores both provide it, so the --database setting is the only
// difference between one laptop and several nodes.
type database interface {
	article.Store
	subscriber.Store
	subscriber.ImportStore
	delivery.Store
	delivery.SentCounter
	delivery.Window
	campaign.SchedulerStore
	campaign.DigestStore
	campaign.RenderStore
	mail.OutboxStore
	web.OutboxReader
	web.WindowCounter
	user.Store
	webhook.EventStore
	webhook.RenderStore
	api.Store
	server.ReadyChecker
	metrics.QueueStater
	admin.ArticleStore
	admin.NewsletterStore
	admin.CampaignStore
	admin.SubscriberStore
	admin.LedgerStore
	admin.SettingStore
	admin.OutboxReader

	Close() error
	Ping(ctx context.Context) error
	SchemaVersion(ctx context.Context) (version, applied int, err error)
	Setting(ctx context.Context, key string) (string, error)
	EnsureSetting(ctx context.Context, key, value string) (string, error)
	ListSubscribers(ctx context.Context, afterID int64, limit int) ([]subscriber.Subscriber, error)
	ExportSubscribers(ctx context.Context, newsletterID, afterID int64, limit int) ([]subscriber.ExportRow, error)
	CreateNewsletter(ctx context.Context, n *subscriber.Newsletter) (int64, error)
	CreateCampaign(ctx context.Context, c *campaign.Campaign) (int64, error)
	ListCampaigns(ctx context.Context, beforeID int64, limit int) ([]campaign.Campaign, error)
	MoveCampaign(ctx context.Context, id int64, to campaign.State, at, sendAt time.Time) error
	ArticlesByID(ctx context.Context, ids []int64) ([]article.Article, error)
	QueueTestSend(ctx context.Context, id int64, email string, now time.Time) error
	CampaignInFlight(ctx context.Context, id int64, now time.Time) (int, error)
}

var (
	_ database = (*sqlite.Store)(nil)
	_ database = (*postgres.Store)(nil)
)

// isPostgres reports whether the --database setting names a PostgreSQL server.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openStore opens the configured database, applying its migrations.
func (c *config) openStore(ctx context.Context) (database, error) {
	if isPostgres(c.database) {
		st, err := postgres.Open(ctx, c.database)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL database: %w", err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, c.database)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// redactDSN hides the password in a database setting, for logs.
func redactDSN(s string) string {
	if !isPostgres(s) {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}
