package transfer_test

import (
	"context"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/subscriber"
	"herald/internal/user"
	"herald/internal/webhook"
)

// view is a publication as the store methods answer for it: what the site,
// the newsroom and the send engine would see.
type view struct {
	Articles    []article.Article
	BySlug      map[string]article.Article
	Newsletters []subscriber.Newsletter
	Subscribers []subscriber.Subscriber
	Consents    map[int64][]subscriber.Consent
	Tags        map[int64][]string
	Suppressed  map[string]bool
	Campaigns   []campaign.Campaign
	Ledger      map[int64][]delivery.Delivery
	Results     map[int64][]delivery.Result
	QueueDepth  int
	QueueOldest time.Time
	Outbox      []mail.OutboxMessage
	Settings    map[string]string
	Users       []user.User
	Session     user.Session
	Tokens      []user.Token
	Endpoints   []webhook.Endpoint
	Event       webhook.Event
	Attempts    []webhook.Attempt
}

func read(t *testing.T, st store) view {
	t.Helper()
	ctx := context.Background()
	var v view
	var err error
	v.Articles, err = st.ListArticles(ctx, article.Query{AllStates: true, Limit: 100}, t0)
	must(t, "ListArticles", err)
	v.BySlug = map[string]article.Article{}
	for _, a := range v.Articles {
		v.BySlug[a.Slug], err = st.ArticleBySlug(ctx, a.Slug)
		must(t, "ArticleBySlug("+a.Slug+")", err)
	}
	v.Newsletters, err = st.Newsletters(ctx)
	must(t, "Newsletters", err)
	v.Subscribers, err = st.ListSubscribers(ctx, 0, 100)
	must(t, "ListSubscribers", err)
	v.Consents, v.Tags, v.Suppressed = map[int64][]subscriber.Consent{}, map[int64][]string{}, map[string]bool{}
	for _, s := range v.Subscribers {
		v.Consents[s.ID], err = st.Consents(ctx, s.ID)
		must(t, "Consents", err)
		v.Tags[s.ID], err = st.SubscriberTags(ctx, s.ID)
		must(t, "SubscriberTags", err)
		v.Suppressed[s.Email], err = st.IsSuppressed(ctx, s.Email)
		must(t, "IsSuppressed", err)
	}
	v.Campaigns, err = st.ListCampaigns(ctx, 0, 100)
	must(t, "ListCampaigns", err)
	v.Ledger, v.Results = map[int64][]delivery.Delivery{}, map[int64][]delivery.Result{}
	for _, c := range v.Campaigns {
		v.Ledger[c.ID], v.Results[c.ID], err = st.CampaignLedger(ctx, c.ID, "", 0, 100)
		must(t, "CampaignLedger", err)
	}
	v.QueueDepth, v.QueueOldest, err = st.QueueStats(ctx)
	must(t, "QueueStats", err)
	v.Outbox, err = st.ListOutbox(ctx, 0, 100)
	must(t, "ListOutbox", err)
	v.Settings = map[string]string{}
	for _, k := range []string{"secret", "site note"} {
		v.Settings[k], err = st.Setting(ctx, k)
		must(t, "Setting("+k+")", err)
	}
	v.Users, err = st.ListUsers(ctx, 0, 100)
	must(t, "ListUsers", err)
	if len(v.Users) > 0 {
		v.Session, err = st.SessionByID(ctx, "5e55")
		must(t, "SessionByID", err)
		v.Tokens, err = st.ListAPITokens(ctx, v.Users[0].ID)
		must(t, "ListAPITokens", err)
	}
	v.Endpoints, err = st.WebhookEndpoints(ctx, 0, 100)
	must(t, "WebhookEndpoints", err)
	if len(v.Endpoints) > 0 {
		v.Event, err = st.WebhookEvent(ctx, 1)
		must(t, "WebhookEvent", err)
		v.Attempts, err = st.WebhookAttempts(ctx, 1)
		must(t, "WebhookAttempts", err)
	}
	return v
}
