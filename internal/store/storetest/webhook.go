package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/article"
	"herald/internal/delivery"
	"herald/internal/subscriber"
	"herald/internal/webhook"
)

// WebhookStore is what the webhook and API queries need from a store.
type WebhookStore interface {
	Store
	webhook.EventStore
	webhook.RenderStore
	CreateWebhookEndpoint(ctx context.Context, e webhook.Endpoint) (int64, error)
	WebhookEndpoints(ctx context.Context, afterID int64, limit int) ([]webhook.Endpoint, error)
	DisableWebhookEndpoint(ctx context.Context, id int64, at time.Time) error
	WebhookAttempts(ctx context.Context, eventID int64) ([]webhook.Attempt, error)
	ArticleCreator(ctx context.Context, id int64) (int64, error)
	SetArticleCreator(ctx context.Context, id, userID int64) error
	SubscriberByEmail(ctx context.Context, email string) (subscriber.Subscriber, error)
	FilterSubscribers(ctx context.Context, email string, state subscriber.State, newsletterID int64, tag string, afterID int64, limit int) ([]subscriber.Subscriber, error)
	TagsOfSubscribers(ctx context.Context, ids []int64) (map[int64][]string, error)
	UpdateSubscriberProfile(ctx context.Context, id int64, name, language string, tags []string) error
}

// RunWebhooks runs the webhook and API query tests, each on a fresh store.
func RunWebhooks(t *testing.T, open func(t *testing.T) WebhookStore) {
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, open(t)) })
	t.Run("APIQueries", func(t *testing.T) { testAPIQueries(t, open(t)) })
	t.Run("EndpointLimitAtOnce", func(t *testing.T) { testEndpointLimit(t, open(t)) })
}

// testWebhooks holds the webhook queries to what the stores must do:
// endpoints one per URL in force, an event queued for exactly the
// endpoints that want it, in the delivery ledger, and disabled endpoints
// found no more.
func testWebhooks(t *testing.T, st WebhookStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := webhook.Endpoint{URL: "https://a.example/in", Secret: "whsec_a", Events: []string{webhook.CampaignSent, webhook.ArticlePublished}, CreatedAt: now}
	b := webhook.Endpoint{URL: "https://b.example/in", Secret: "whsec_b", Events: []string{webhook.ArticlePublished}, CreatedAt: now}
	var err error
	if a.ID, err = st.CreateWebhookEndpoint(ctx, a); err != nil {
		t.Fatal(err)
	}
	if b.ID, err = st.CreateWebhookEndpoint(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateWebhookEndpoint(ctx, a); !errors.Is(err, webhook.ErrDuplicate) {
		t.Errorf("a second endpoint for %s = %v; want ErrDuplicate", a.URL, err)
	}
	list, err := st.WebhookEndpoints(ctx, 0, 10)
	if err != nil || !cmp.Equal(list, []webhook.Endpoint{a, b}) {
		t.Errorf("WebhookEndpoints = %+v, %v; want %+v", list, err, []webhook.Endpoint{a, b})
	}

	id, n, err := st.AddWebhookEvent(ctx, webhook.Event{Name: webhook.CampaignSent, Payload: []byte(`{"id": 3, "z": [1, 2]}`), CreatedAt: now})
	if err != nil || n != 1 {
		t.Fatalf("AddWebhookEvent(campaign.sent) = %d, %d, %v; want one delivery", id, n, err)
	}
	ev, err := st.WebhookEvent(ctx, id)
	if err != nil || string(ev.Payload) != `{"id": 3, "z": [1, 2]}` || ev.Name != webhook.CampaignSent || !ev.CreatedAt.Equal(now) {
		t.Errorf("WebhookEvent(%d) = %+v %s, %v; want the payload as written", id, ev, ev.Payload, err)
	}
	if _, err := st.WebhookEvent(ctx, id+100); !errors.Is(err, webhook.ErrNoEvent) {
		t.Errorf("WebhookEvent(unknown) = %v; want ErrNoEvent", err)
	}
	both, n, err := st.AddWebhookEvent(ctx, webhook.Event{Name: webhook.ArticlePublished, Payload: []byte(`{}`), CreatedAt: now})
	if err != nil || n != 2 {
		t.Fatalf("AddWebhookEvent(article.published) = %d, %v; want two deliveries", n, err)
	}

	ds, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "test", Now: now, Lease: time.Minute, Limit: 10})
	if err != nil || len(ds) != 3 {
		t.Fatalf("ClaimDeliveries = %+v, %v; want the three webhook deliveries", ds, err)
	}
	queuedFor := map[int64]webhook.Endpoint{} // by delivery ID
	for _, d := range ds {
		if d.Kind != webhook.Kind || d.SubscriberID != 0 || (d.CampaignID != id && d.CampaignID != both) {
			t.Errorf("claimed %+v; want a webhook delivery of one of the events", d)
		}
		ep, err := st.WebhookEndpointOf(ctx, d.ID)
		if err != nil || ep.URL != d.Recipient || (ep.ID != a.ID && ep.ID != b.ID) || d.CampaignID == id && ep.ID != a.ID {
			t.Errorf("WebhookEndpointOf(%d) = %+v, %v; want the endpoint at %s the event was queued for", d.ID, ep, err, d.Recipient)
		}
		queuedFor[d.ID] = ep
	}
	if _, err := st.WebhookEndpointOf(ctx, ds[len(ds)-1].ID+100); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("WebhookEndpointOf(unknown delivery) = %v; want ErrNotFound", err)
	}
	if _, err := st.RecordResults(ctx, []delivery.Result{{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Failed, At: now,
		FirstAttempt: now, Code: 410, Text: "webhook: HTTP 410", Attempted: true}}); err != nil {
		t.Fatal(err)
	}
	attempts, err := st.WebhookAttempts(ctx, id)
	want := []webhook.Attempt{{DeliveryID: ds[0].ID, URL: a.URL, State: delivery.Failed, Attempts: 1, Code: 410, Text: "webhook: HTTP 410", DoneAt: now}}
	if err != nil || !cmp.Equal(attempts, want) {
		t.Errorf("WebhookAttempts(%d) = %+v, %v; want %+v", id, attempts, err, want)
	}

	if err := st.DisableWebhookEndpoint(ctx, a.ID, now); err != nil {
		t.Fatal(err)
	}
	if err := st.DisableWebhookEndpoint(ctx, a.ID, now); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("disabling twice = %v; want ErrNotFound", err)
	}
	again := a
	again.Secret = "whsec_again"
	if again.ID, err = st.CreateWebhookEndpoint(ctx, again); err != nil {
		t.Errorf("a new endpoint for the URL of a disabled one = %v", err)
	}
	// The requests queued for the disabled endpoint still name it, not the
	// new one at its URL; those of the other endpoint are untouched.
	for did, was := range queuedFor {
		ep, err := st.WebhookEndpointOf(ctx, did)
		switch {
		case err != nil || ep.ID != was.ID:
			t.Errorf("WebhookEndpointOf(%d) after %s got a new endpoint = %+v, %v; want endpoint %d still", did, a.URL, ep, err, was.ID)
		case ep.ID == a.ID && !ep.DisabledAt.Equal(now), ep.ID == b.ID && !ep.DisabledAt.IsZero():
			t.Errorf("WebhookEndpointOf(%d) = %+v; want it disabled exactly when endpoint %d is", did, ep, a.ID)
		}
	}
	// A new event goes to the new endpoint.
	third, n, err := st.AddWebhookEvent(ctx, webhook.Event{Name: webhook.CampaignSent, Payload: []byte(`{}`), CreatedAt: now})
	if err != nil || n != 1 {
		t.Fatalf("AddWebhookEvent(campaign.sent) after the new endpoint = %d, %v; want one delivery", n, err)
	}
	if attempts, err := st.WebhookAttempts(ctx, third); err != nil || len(attempts) != 1 {
		t.Fatalf("WebhookAttempts(%d) = %+v, %v; want one", third, attempts, err)
	} else if ep, err := st.WebhookEndpointOf(ctx, attempts[0].DeliveryID); err != nil || ep.ID != again.ID || ep.Secret != "whsec_again" {
		t.Errorf("WebhookEndpointOf(%d) = %+v, %v; want the new endpoint %d", attempts[0].DeliveryID, ep, err, again.ID)
	}
}

func testAPIQueries(t *testing.T, st WebhookStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	var batch []subscriber.Signup
	for _, e := range []string{"a@example.com", "B@example.com", "c@example.com"} {
		batch = append(batch, subscriber.Signup{Email: e, Newsletters: []int64{1}, Language: "de", At: now})
	}
	if err := st.RecordSignups(ctx, batch, time.Hour); err != nil {
		t.Fatal(err)
	}
	b, err := st.SubscriberByEmail(ctx, "b@EXAMPLE.com")
	if err != nil || b.Email != "B@example.com" || len(b.Subscriptions) != 1 {
		t.Fatalf("SubscriberByEmail(b) = %+v, %v", b, err)
	}
	if _, err := st.SubscriberByEmail(ctx, "nobody@example.com"); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("SubscriberByEmail(unknown) = %v; want ErrNotFound", err)
	}
	if b.Language != "de" {
		t.Errorf("SubscriberByEmail(b).Language = %q; want de, as signed up", b.Language)
	}
	if err := st.UpdateSubscriberProfile(ctx, b.ID, "Bea", "pt-br", []string{"vip", "local"}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.SubscriberByEmail(ctx, "b@example.com"); err != nil || got.Name != "Bea" || got.Language != "pt-br" {
		t.Errorf("SubscriberByEmail(b) after UpdateSubscriberProfile(Bea, pt-br) = %+v, %v", got, err)
	}
	if err := st.UpdateSubscriberProfile(ctx, 999, "x", "", nil); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("UpdateSubscriberProfile(999) = %v; want ErrNotFound", err)
	}
	if _, err := st.ConfirmSubscriber(ctx, b.ID, subscriber.Consent{SubscriberID: b.ID, Action: subscriber.ConsentConfirm, At: now}); err != nil {
		t.Fatal(err)
	}
	tags, err := st.TagsOfSubscribers(ctx, []int64{1, b.ID})
	if err != nil || !cmp.Equal(tags, map[int64][]string{b.ID: {"local", "vip"}}) {
		t.Errorf("TagsOfSubscribers = %v, %v", tags, err)
	}
	emails := func(email string, state subscriber.State, nl int64, tag string, after int64, limit int) []string {
		t.Helper()
		list, err := st.FilterSubscribers(ctx, email, state, nl, tag, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range list {
			if len(s.Subscriptions) != 1 {
				t.Errorf("%s has subscriptions %+v; want its one", s.Email, s.Subscriptions)
			}
			if want := map[bool]string{true: "pt-br", false: "de"}[s.ID == b.ID]; s.Language != want {
				t.Errorf("FilterSubscribers gave %s language %q; want %q", s.Email, s.Language, want)
			}
			out = append(out, s.Email)
		}
		return out
	}
	for _, tc := range []struct {
		got, want []string
	}{
		{emails("", "", 0, "", 0, 2), []string{"a@example.com", "B@example.com"}},
		{emails("", "", 0, "", b.ID, 2), []string{"c@example.com"}},
		{emails("", subscriber.Confirmed, 1, "", 0, 10), []string{"B@example.com"}},
		{emails("", subscriber.Pending, 0, "", 0, 10), []string{"a@example.com", "c@example.com"}},
		{emails("", "", 0, "vip", 0, 10), []string{"B@example.com"}},
		{emails("C@example.COM", "", 0, "", 0, 10), []string{"c@example.com"}},
		{emails("", "", 2, "", 0, 10), nil},
	} {
		if diff := cmp.Diff(tc.want, tc.got); diff != "" {
			t.Errorf("FilterSubscribers (-want +got):\n%s", diff)
		}
	}

	a := article.Article{Slug: "owned", Title: "Owned", Status: article.Draft, Language: "en"}
	id, err := st.SaveArticle(ctx, &a)
	if err != nil {
		t.Fatal(err)
	}
	if by, err := st.ArticleCreator(ctx, id); err != nil || by != 0 {
		t.Errorf("ArticleCreator of a new article = %d, %v; want 0", by, err)
	}
	if err := st.SetArticleCreator(ctx, id, 42); err != nil {
		t.Fatal(err)
	}
	if by, err := st.ArticleCreator(ctx, id); err != nil || by != 42 {
		t.Errorf("ArticleCreator = %d, %v; want 42", by, err)
	}
	if err := st.SetArticleCreator(ctx, id+1, 42); !errors.Is(err, article.ErrNotFound) {
		t.Errorf("SetArticleCreator(unknown) = %v; want ErrNotFound", err)
	}
	if _, err := st.ArticleCreator(ctx, id+1); !errors.Is(err, article.ErrNotFound) {
		t.Errorf("ArticleCreator(unknown) = %v; want ErrNotFound", err)
	}
}

// testEndpointLimit creates endpoints at once when one more fits: one is
// created and the others are refused with ErrTooMany, so the limit holds
// whatever the timing. A URL in force is still refused as taken, and
// disabling an endpoint makes room again.
func testEndpointLimit(t *testing.T, st WebhookStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	endpoint := func(i int) webhook.Endpoint {
		return webhook.Endpoint{URL: fmt.Sprintf("https://hooks.example/%d", i), Secret: "whsec", Events: []string{webhook.CampaignSent}, CreatedAt: now}
	}
	for i := range webhook.MaxEndpoints - 1 {
		if _, err := st.CreateWebhookEndpoint(ctx, endpoint(i)); err != nil {
			t.Fatalf("CreateWebhookEndpoint(%s) = %v", endpoint(i).URL, err)
		}
	}
	const n = 8
	errs := make([]error, n)
	race(t, st, n, func(i int) {
		_, errs[i] = st.CreateWebhookEndpoint(ctx, endpoint(1000+i))
	})
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, webhook.ErrTooMany):
			t.Errorf("CreateWebhookEndpoint(%s) at once = %v; want nil or ErrTooMany", endpoint(1000+i).URL, err)
		}
	}
	list, err := st.WebhookEndpoints(ctx, 0, 2*webhook.MaxEndpoints)
	if err != nil || created != 1 || len(list) != webhook.MaxEndpoints {
		t.Errorf("%d creations at once with room for one: %d created, %d in force (%v); want 1 created, %d in force",
			n, created, len(list), err, webhook.MaxEndpoints)
	}
	if _, err := st.CreateWebhookEndpoint(ctx, endpoint(0)); !errors.Is(err, webhook.ErrDuplicate) {
		t.Errorf("CreateWebhookEndpoint(%s) again at the limit = %v; want ErrDuplicate", endpoint(0).URL, err)
	}
	if err := st.DisableWebhookEndpoint(ctx, list[0].ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateWebhookEndpoint(ctx, endpoint(2000)); err != nil {
		t.Errorf("CreateWebhookEndpoint(%s) after one was disabled = %v; want it created", endpoint(2000).URL, err)
	}
}
