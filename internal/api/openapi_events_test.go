package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/delivery"
	"herald/internal/markup"
	"herald/internal/user"
	"herald/internal/webhook"
)

// eventSchemas names the schema of each event's data in openapi.json.
var eventSchemas = map[string]string{
	webhook.ArticlePublished:       "ArticlePublishedData",
	webhook.SubscriberConfirmed:    "SubscriberEventData",
	webhook.SubscriberUnsubscribed: "SubscriberEventData",
	webhook.CampaignSent:           "CampaignSentData",
}

// TestEventsFitOpenAPI makes changes through the API that announce events,
// renders the requests an endpoint would receive, and checks each body
// against the envelope openapi.json describes and the data schema of its
// event. campaign.sent comes from the scheduler, so it is emitted here the
// way the scheduler emits it.
func TestEventsFitOpenAPI(t *testing.T) {
	var events *webhook.Emitter
	e := newEnv(t, func(c *Config) {
		c.AllowPrivateWebhooks = true
		events = c.Events.(*webhook.Emitter)
		c.Publisher = article.NewPublisher(c.Store.(article.Store), markup.New("https://news.example").HTML).
			WithEvents(events, time.Now, slog.New(slog.DiscardHandler))
	})
	doc := loadOpenAPI(t, e.h.openapi)
	owner := e.tokenFor(user.Owner)
	ctx := context.Background()
	e.do(owner, "POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com/in", "events": webhook.Events()}).want(t, 201, nil)

	e.do(owner, "POST", "/api/v1/articles", map[string]any{"title": "Harbour"}).want(t, 201, nil)
	e.do(owner, "POST", "/api/v1/articles/harbour/publish", nil).want(t, 200, nil)
	e.do(owner, "POST", "/api/v1/subscribers", map[string]any{"email": "ana@example.com", "newsletter_ids": []int64{1}, "confirmed": true}).want(t, 201, nil)
	e.do(owner, "POST", "/api/v1/subscribers/"+itoa(e.subscriberID("ana@example.com"))+"/unsubscribe", nil).want(t, 200, nil)
	if err := events.Emit(ctx, webhook.CampaignSent, map[string]any{"id": int64(1), "finished_at": time.Now().UTC().Truncate(time.Millisecond)}); err != nil {
		t.Fatal(err)
	}

	ds, err := e.store.ClaimDeliveries(ctx, delivery.Claim{Owner: "test", Now: time.Now().Add(time.Minute), Lease: time.Minute, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	renderer := webhook.NewRenderer(e.store, time.Now)
	envelope := obj(obj(obj(doc["components"])["schemas"])["EventEnvelope"])
	seen := map[string]bool{}
	for _, d := range ds {
		if d.Kind != webhook.Kind {
			continue
		}
		out, err := renderer.Render(ctx, d)
		if err != nil {
			t.Fatalf("Render(delivery %d) = %v", d.ID, err)
		}
		_, body, _ := bytes.Cut(out.Data, []byte("\r\n\r\n"))
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v map[string]any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("delivery %d: body %s is not JSON: %v", d.ID, body, err)
		}
		name, _ := v["event"].(string)
		seen[name] = true
		// The envelope's data is one of several; it is checked below
		// against its event's own schema.
		env := map[string]any{"type": "object", "required": envelope["required"], "properties": map[string]any{
			"id": obj(envelope["properties"])["id"], "event": obj(envelope["properties"])["event"],
			"created_at": obj(envelope["properties"])["created_at"], "data": map[string]any{}}}
		bad := doc.check("body", env, v)
		data := obj(obj(obj(doc["components"])["schemas"])[eventSchemas[name]])
		if data == nil {
			bad = append(bad, "body.event: "+name+" has no data schema")
		} else {
			bad = append(bad, doc.check("body.data", data, v["data"])...)
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			t.Errorf("%s request %s does not fit openapi.json:\n  %s", name, body, strings.Join(bad, "\n  "))
		}
	}
	for _, name := range webhook.Events() {
		if !seen[name] {
			t.Errorf("no %s request was queued; the test meant to check one", name)
		}
	}
}
