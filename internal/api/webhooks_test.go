package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/user"
	"herald/internal/webhook"
)

func TestWebhookEndpoints(t *testing.T) {
	e := newEnv(t)
	owner := e.tokenFor(user.Owner)
	body := map[string]any{"url": "https://hooks.example.com/herald", "events": []string{"subscriber.unsubscribed", "campaign.sent"}}

	var created newWebhookJSON
	e.do(owner, "POST", "/api/v1/webhooks", body).want(t, 201, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || !cmp.Equal(created.Events, []string{"subscriber.unsubscribed", "campaign.sent"}) {
		t.Errorf("created %+v; want a secret and the events", created)
	}
	e.do(owner, "POST", "/api/v1/webhooks", body).wantError(t, 409, "conflict", "url")

	var list page[webhookJSON]
	r := e.do(owner, "GET", "/api/v1/webhooks", nil)
	r.want(t, 200, &list)
	if len(list.Items) != 1 || list.Items[0].ID != created.ID || strings.Contains(string(r.body), created.Secret) {
		t.Errorf("GET /api/v1/webhooks = %s; want the one endpoint, without its secret", r.body)
	}
	e.do(owner, "DELETE", "/api/v1/webhooks/"+itoa(created.ID), nil).want(t, 204, nil)
	e.do(owner, "DELETE", "/api/v1/webhooks/"+itoa(created.ID), nil).wantError(t, 404, "not_found", "")
	e.do(owner, "GET", "/api/v1/webhooks", nil).want(t, 200, &list)
	if len(list.Items) != 0 {
		t.Errorf("after DELETE the list holds %+v", list.Items)
	}
	e.do(owner, "POST", "/api/v1/webhooks", body).want(t, 201, nil)

	for _, url := range []string{"https://127.0.0.1:8443/in", "https://localhost/in", "http://hooks.example.com/in", "https://10.0.0.8/in",
		"https://localhost./in", "https://127.1/in", "https://0x7f000001/in", "https://2130706433/in", "https://0177.0.0.1/in"} {
		e.do(owner, "POST", "/api/v1/webhooks", map[string]any{"url": url, "events": []string{"campaign.sent"}}).
			wantError(t, 422, "validation_failed", "url")
	}
	e.do(owner, "POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com/2", "events": []string{"everything"}}).
		wantError(t, 422, "validation_failed", "events")
	// A domain that merely looks numeric in parts is still a name.
	e.do(owner, "POST", "/api/v1/webhooks", map[string]any{"url": "https://123.example.com/in", "events": []string{"campaign.sent"}}).want(t, 201, nil)

	// No more endpoints than one page lists.
	for i := 3; i <= webhook.MaxEndpoints; i++ {
		e.do(owner, "POST", "/api/v1/webhooks", map[string]any{"url": fmt.Sprintf("https://hooks.example.com/%d", i), "events": []string{"campaign.sent"}}).want(t, 201, nil)
	}
	e.do(owner, "POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com/one-too-many", "events": []string{"campaign.sent"}}).
		wantError(t, 409, "conflict", "url")
	e.do(owner, "GET", "/api/v1/webhooks", nil).want(t, 200, &list)
	if len(list.Items) != webhook.MaxEndpoints {
		t.Errorf("GET /api/v1/webhooks lists %d endpoints; want all %d", len(list.Items), webhook.MaxEndpoints)
	}
}

// A client whose endpoint was created but whose answer was lost, secret
// and all, is pointed to the endpoint when it tries again, deletes it and
// creates it anew with a new secret. The old secret is never shown again.
func TestWebhookCreatedTwiceNamesTheEndpoint(t *testing.T) {
	e := newEnv(t)
	owner := e.tokenFor(user.Owner)
	body := map[string]any{"url": "https://hooks.example.com/herald", "events": []string{"campaign.sent"}}
	var lost newWebhookJSON
	e.do(owner, "POST", "/api/v1/webhooks", body).want(t, 201, &lost)

	r := e.do(owner, "POST", "/api/v1/webhooks", body)
	r.wantError(t, 409, "conflict", "url")
	where := "/api/v1/webhooks/" + itoa(lost.ID)
	if got := r.header.Get("Location"); got != where || !strings.Contains(string(r.body), where) || strings.Contains(string(r.body), lost.Secret) {
		t.Fatalf("%s for a URL in force = Location %q, body %s; want Location %s, named in the message, and no secret", r.call, got, r.body, where)
	}
	e.do(owner, "DELETE", r.header.Get("Location"), nil).want(t, 204, nil)
	var again newWebhookJSON
	e.do(owner, "POST", "/api/v1/webhooks", body).want(t, 201, &again)
	if again.ID == lost.ID || again.Secret == "" || again.Secret == lost.Secret {
		t.Errorf("endpoint created again = %d with secret %q; want a new endpoint with a new secret", again.ID, again.Secret)
	}
}

// TestUnsubscribeThroughTheAPIReachesAWebhook follows one change from the
// API to a receiver: the endpoint made through the API, the event written
// with its delivery, the engine sending it signed.
func TestUnsubscribeThroughTheAPIReachesAWebhook(t *testing.T) {
	got := make(chan *http.Request, 4)
	bodies := make(chan []byte, 4)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	t.Cleanup(rc.Close)

	e := newEnv(t, func(c *Config) { c.AllowPrivateWebhooks = true })
	owner := e.tokenFor(user.Owner)
	var ep newWebhookJSON
	e.do(owner, "POST", "/api/v1/webhooks", map[string]any{"url": rc.URL + "/in", "events": []string{"subscriber.unsubscribed"}}).want(t, 201, &ep)
	e.signup("reader@example.com")
	id := e.subscriberID("reader@example.com")
	e.do(owner, "POST", "/api/v1/subscribers/"+itoa(id)+"/unsubscribe", nil).want(t, 200, nil)
	e.do(owner, "POST", "/api/v1/subscribers/"+itoa(id)+"/unsubscribe", nil).want(t, 200, nil) // changes nothing, announces nothing

	engine, err := delivery.New(delivery.Config{
		Store: e.store, Sender: mail.NewOutbox(e.store, time.Now), PollInterval: 5 * time.Millisecond,
		Renderers: map[delivery.Kind]delivery.Renderer{webhook.Kind: webhook.NewRenderer(e.store, time.Now)},
		Senders:   map[delivery.Kind]delivery.Sender{webhook.Kind: webhook.NewSender(webhook.SenderConfig{AllowPrivate: true})},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	defer func() { cancel(); <-done }()

	var r *http.Request
	var body []byte
	select {
	case r = <-got:
		body = <-bodies
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook arrived within 10 s")
	}
	if r.URL.Path != "/in" || r.Header.Get("Herald-Event") != "subscriber.unsubscribed" {
		t.Errorf("request %s with event %q; want /in and subscriber.unsubscribed", r.URL.Path, r.Header.Get("Herald-Event"))
	}
	ts, mac, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("Herald-Signature"), "t="), ",v1=")
	m := hmac.New(sha256.New, []byte(ep.Secret))
	m.Write([]byte(ts + "." + string(body)))
	if hex.EncodeToString(m.Sum(nil)) != mac {
		t.Errorf("signature %q does not match the body with the secret the API gave", r.Header.Get("Herald-Signature"))
	}
	var env struct {
		Event string          `json:"event"`
		Data  subscriberEvent `json:"data"`
	}
	want := subscriberEvent{ID: id, Email: "reader@example.com", NewsletterIDs: []int64{1}}
	if err := json.Unmarshal(body, &env); err != nil || !cmp.Equal(env.Data, want) {
		t.Errorf("body %s, %v; want the subscriber and newsletter 1", body, err)
	}
	select {
	case r := <-got:
		t.Errorf("a second request arrived (%s): the unsubscribe that changed nothing was announced", r.Header.Get("Herald-Delivery"))
	case <-time.After(200 * time.Millisecond):
	}
}
