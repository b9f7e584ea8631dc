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

// store is every method the tests fill a database with or read it back
// through; both stores have them all.
type store interface {
	SaveArticle(ctx context.Context, a *article.Article) (int64, error)
	ArticleBySlug(ctx context.Context, slug string) (article.Article, error)
	ListArticles(ctx context.Context, q article.Query, now time.Time) ([]article.Article, error)

	Newsletters(ctx context.Context) ([]subscriber.Newsletter, error)
	CreateNewsletter(ctx context.Context, n *subscriber.Newsletter) (int64, error)
	RecordSignups(ctx context.Context, batch []subscriber.Signup, confirmEvery time.Duration) error
	ListSubscribers(ctx context.Context, afterID int64, limit int) ([]subscriber.Subscriber, error)
	ConfirmSubscriber(ctx context.Context, id int64, c subscriber.Consent) ([]subscriber.Newsletter, error)
	UnsubscribeSubscriber(ctx context.Context, id, newsletterID int64, c subscriber.Consent) ([]int64, error)
	Consents(ctx context.Context, subscriberID int64) ([]subscriber.Consent, error)
	IsSuppressed(ctx context.Context, email string) (bool, error)
	SubscriberTags(ctx context.Context, id int64) ([]string, error)
	SetSubscriberTags(ctx context.Context, id int64, tags []string) error

	CreateCampaign(ctx context.Context, c *campaign.Campaign) (int64, error)
	ListCampaigns(ctx context.Context, beforeID int64, limit int) ([]campaign.Campaign, error)
	MoveCampaign(ctx context.Context, id int64, to campaign.State, at, sendAt time.Time) error
	FreezeChunk(ctx context.Context, id int64, limit int, now time.Time) (added int, done bool, err error)
	CampaignLedger(ctx context.Context, campaignID int64, state delivery.State, afterID int64, limit int) ([]delivery.Delivery, []delivery.Result, error)
	ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error)
	RecordResults(ctx context.Context, rs []delivery.Result) (int, error)
	QueueStats(ctx context.Context) (int, time.Time, error)

	AddOutboxMessage(ctx context.Context, m mail.OutboxMessage) (int64, error)
	ListOutbox(ctx context.Context, beforeID int64, limit int) ([]mail.OutboxMessage, error)
	EnsureSetting(ctx context.Context, key, value string) (string, error)
	Setting(ctx context.Context, key string) (string, error)

	CreateUser(ctx context.Context, u user.User) (int64, error)
	ListUsers(ctx context.Context, afterID int64, limit int) ([]user.User, error)
	CreateSession(ctx context.Context, se user.Session) error
	SessionByID(ctx context.Context, id string) (user.Session, error)
	CreateAPIToken(ctx context.Context, t user.Token, hash string) (int64, error)
	ListAPITokens(ctx context.Context, userID int64) ([]user.Token, error)
	StartLoginAttempt(ctx context.Context, a user.LoginAttempt, since time.Time, maxAccount, maxIP int) (bool, error)

	CreateWebhookEndpoint(ctx context.Context, e webhook.Endpoint) (int64, error)
	WebhookEndpoints(ctx context.Context, afterID int64, limit int) ([]webhook.Endpoint, error)
	AddWebhookEvent(ctx context.Context, e webhook.Event) (int64, int, error)
	WebhookEvent(ctx context.Context, id int64) (webhook.Event, error)
	WebhookAttempts(ctx context.Context, eventID int64) ([]webhook.Attempt, error)
}

// t0 is the fixture's clock, a whole millisecond as the stores keep it.
var t0 = time.Date(2026, 11, 2, 7, 30, 0, 0, time.UTC)

// must fails the test on err, naming the call.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v", what, err)
	}
}

// fill puts a small publication into st through the store's own methods:
// articles with a translation, signups, confirmations and an unsubscribe,
// tags, a second newsletter, a campaign with a frozen audience and results,
// a suppressed address, mail in the queue, the outbox, settings, a staff
// account with a session and a token, and a webhook event.
func fill(t *testing.T, st store) {
	t.Helper()
	ctx := context.Background()
	save := func(a article.Article) int64 {
		t.Helper()
		must(t, "Normalize("+a.Title+")", a.Normalize())
		a.BodyHTML = "<p>" + a.Body + "</p>"
		id, err := st.SaveArticle(ctx, &a)
		must(t, "SaveArticle("+a.Slug+")", err)
		return id
	}
	bridge := save(article.Article{Title: "Harbour bridge reopens", Slug: "harbour-bridge", Body: "The first bus crossed.",
		Section: "Local", Tags: []article.Tag{{Name: "Transport"}, {Name: "Harbour"}},
		Authors: []article.Author{{Name: "Maya Lindqvist"}, {Name: "Jo Ng"}}, PublishedAt: t0.Add(-3 * time.Hour)})
	save(article.Article{Title: "Le pont rouvre", Slug: "le-pont", Language: "fr", TranslationOf: "harbour-bridge",
		Body: "Le premier bus a traversé.", Authors: []article.Author{{Name: "Maya Lindqvist"}}, PublishedAt: t0.Add(-2 * time.Hour)})
	market := save(article.Article{Title: "Night markets", Body: "Lanterns \"and\" noodles.", PublishedAt: t0.Add(-time.Hour)})
	save(article.Article{Title: "Budget draft", Status: article.Draft})
	save(article.Article{Title: "Tomorrow", Status: article.Scheduled, PublishedAt: t0.Add(24 * time.Hour)})

	morning := &subscriber.Newsletter{Slug: "morning", Name: "Morning briefing", Language: "en", Digest: "daily",
		DigestTime: "07:00", DigestWeekday: 1, Timezone: "Europe/Lisbon", CreatedAt: t0}
	morningID, err := st.CreateNewsletter(ctx, morning)
	must(t, "CreateNewsletter(morning)", err)

	var batch []subscriber.Signup
	for i, email := range []string{"ann@example.com", "bo@example.com", "cy@example.com", "di@example.com", "ed@example.com"} {
		batch = append(batch, subscriber.Signup{Email: email, Name: []string{"Ann", "Bo", "Cy", "Di", "Ed"}[i],
			Newsletters: []int64{1, morningID}, Source: "/articles/harbour-bridge", Wording: "Send me the newsletter.",
			Language: "en", IP: "192.0.2.1", At: t0.Add(time.Duration(i) * time.Minute)})
	}
	must(t, "RecordSignups", st.RecordSignups(ctx, batch, time.Hour))
	subs, err := st.ListSubscribers(ctx, 0, 100)
	must(t, "ListSubscribers", err)
	for _, s := range subs[:4] {
		_, err := st.ConfirmSubscriber(ctx, s.ID, subscriber.Consent{SubscriberID: s.ID, Action: subscriber.ConsentConfirm, At: t0.Add(10 * time.Minute), IP: "192.0.2.2"})
		must(t, "ConfirmSubscriber", err)
	}
	_, err = st.UnsubscribeSubscriber(ctx, subs[3].ID, morningID,
		subscriber.Consent{SubscriberID: subs[3].ID, NewsletterID: morningID, Action: subscriber.ConsentUnsubscribe, At: t0.Add(11 * time.Minute)})
	must(t, "UnsubscribeSubscriber", err)
	must(t, "SetSubscriberTags", st.SetSubscriberTags(ctx, subs[0].ID, []string{"vip", "local"}))
	must(t, "SetSubscriberTags", st.SetSubscriberTags(ctx, subs[1].ID, []string{"local"}))

	// Confirmation and welcome mail: most sent, one bounced hard.
	mailNow := t0.Add(20 * time.Minute)
	ds, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "w1", Now: mailNow, Lease: time.Minute, Limit: 100})
	must(t, "ClaimDeliveries", err)
	var rs []delivery.Result
	for i, d := range ds {
		r := delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: mailNow, FirstAttempt: mailNow, Attempted: true, MessageID: "<m" + string(rune('a'+i)) + "@example.org>"}
		if d.Recipient == "ed@example.com" {
			r.State, r.Code, r.Status, r.Text, r.Suppress = delivery.Failed, 550, "5.1.1", "no such user", true
		}
		rs = append(rs, r)
	}
	_, err = st.RecordResults(ctx, rs)
	must(t, "RecordResults", err)

	// A campaign frozen to its audience, partly sent, partly deferred.
	id, err := st.CreateCampaign(ctx, &campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "The week",
		Preheader: "Bridges and markets", ArticleMode: campaign.Teaser, ArticleIDs: []int64{bridge, market},
		AudienceTags: []string{"local"}, State: campaign.Draft})
	must(t, "CreateCampaign", err)
	sendAt := t0.Add(time.Hour)
	must(t, "MoveCampaign(scheduled)", st.MoveCampaign(ctx, id, campaign.Scheduled, t0, sendAt))
	must(t, "MoveCampaign(sending)", st.MoveCampaign(ctx, id, campaign.Sending, sendAt, time.Time{}))
	for done := false; !done; {
		_, done, err = st.FreezeChunk(ctx, id, 1, sendAt)
		must(t, "FreezeChunk", err)
	}
	_, err = st.CreateCampaign(ctx, &campaign.Campaign{NewsletterID: morningID, Kind: campaign.Manual, Subject: "Draft issue",
		Markdown: "Hello *there*", ArticleMode: campaign.Full, State: campaign.Draft})
	must(t, "CreateCampaign(draft)", err)
	ds, err = st.ClaimDeliveries(ctx, delivery.Claim{Owner: "w2", Now: sendAt, Lease: time.Minute, Limit: 100})
	must(t, "ClaimDeliveries(campaign)", err)
	rs = rs[:0]
	for i, d := range ds {
		r := delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: sendAt, FirstAttempt: sendAt, Attempted: true}
		if i == 0 {
			r.State, r.NextAttempt, r.Code, r.Text = delivery.Queued, sendAt.Add(time.Minute), 451, "try later"
		}
		rs = append(rs, r)
	}
	_, err = st.RecordResults(ctx, rs)
	must(t, "RecordResults(campaign)", err)

	_, err = st.AddOutboxMessage(ctx, mail.OutboxMessage{From: "news@example.org", To: "ann@example.com", Subject: "Confirm",
		Data: []byte("Subject: Confirm\r\n\r\nbinary \x00\xff\xfe end"), CreatedAt: t0})
	must(t, "AddOutboxMessage", err)
	_, err = st.EnsureSetting(ctx, "secret", "0123456789abcdef0123456789abcdef")
	must(t, "EnsureSetting(secret)", err)
	_, err = st.EnsureSetting(ctx, "site note", "ünïcode, \"quotes\", tab\tand\nnewline")
	must(t, "EnsureSetting(site note)", err)

	owner, err := st.CreateUser(ctx, user.User{Email: "Editor@Example.org", Name: "Ed Itor", Role: user.Owner,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", CreatedAt: t0, PasswordChangedAt: t0})
	must(t, "CreateUser", err)
	must(t, "CreateSession", st.CreateSession(ctx, user.Session{ID: "5e55", UserID: owner, CreatedAt: t0, LastSeenAt: t0,
		ExpiresAt: t0.Add(24 * time.Hour), IP: "192.0.2.9", UserAgent: "Firefox"}))
	_, err = st.CreateAPIToken(ctx, user.Token{UserID: owner, Name: "ci", Scopes: []user.Permission{user.ArticleRead}, CreatedAt: t0}, "70ce")
	must(t, "CreateAPIToken", err)
	_, err = st.StartLoginAttempt(ctx, user.LoginAttempt{EmailKey: "editor@example.org", IP: "192.0.2.9", At: t0}, t0.Add(-time.Minute), 5, 20)
	must(t, "StartLoginAttempt", err)

	_, err = st.CreateWebhookEndpoint(ctx, webhook.Endpoint{URL: "https://hooks.example.org/herald", Secret: "whsec",
		Events: []string{"subscriber.confirmed"}, CreatedAt: t0})
	must(t, "CreateWebhookEndpoint", err)
	_, _, err = st.AddWebhookEvent(ctx, webhook.Event{Name: "subscriber.confirmed",
		Payload: []byte(`{"z": 1,  "a": [true, null], "s": "ü"}`), CreatedAt: t0})
	must(t, "AddWebhookEvent", err)
}
