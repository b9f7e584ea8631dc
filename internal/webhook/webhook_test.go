package webhook_test

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/store/sqlite"
	"herald/internal/webhook"
)

// received is one request a test receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a real HTTP server that answers with the statuses given in
// turn (the last one repeats) and keeps what it was sent.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []received
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	rc := &receiver{statuses: statuses}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		status := rc.statuses[min(len(rc.got), len(rc.statuses)-1)]
		rc.got = append(rc.got, received{r.Header.Clone(), body})
		rc.mu.Unlock()
		if status == http.StatusFound {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "answer %d\nsecond line", status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

type env struct {
	t        *testing.T
	st       *sqlite.Store
	emitter  *webhook.Emitter
	retryMax time.Duration // the engine's longest wait between tries; default 50 ms
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &env{t: t, st: st, emitter: webhook.NewEmitter(webhook.EmitterConfig{Store: st})}
}

// endpoint stores an endpoint for url and returns it with its secret.
func (e *env) endpoint(url string, events ...string) webhook.Endpoint {
	e.t.Helper()
	ep, err := webhook.NewEndpoint(url, events, true, time.Now())
	if err != nil {
		e.t.Fatalf("NewEndpoint(%s) = %v", url, err)
	}
	if ep.ID, err = e.st.CreateWebhookEndpoint(context.Background(), ep); err != nil {
		e.t.Fatalf("CreateWebhookEndpoint(%s) = %v", url, err)
	}
	return ep
}

// emit records an event. Each test has a database of its own, so its
// first event has ID 1.
func (e *env) emit(event string, payload any) {
	e.t.Helper()
	if err := e.emitter.Emit(context.Background(), event, payload); err != nil {
		e.t.Fatalf("Emit(%s) = %v", event, err)
	}
}

// run sends with a real engine until every webhook delivery of the events
// has a final state, and returns their attempts.
func (e *env) run(sender delivery.Sender, maxAge time.Duration, events ...int64) map[int64][]webhook.Attempt {
	e.t.Helper()
	engine, err := delivery.New(delivery.Config{
		Store:     e.st,
		Sender:    mail.NewOutbox(e.st, time.Now),
		Renderers: map[delivery.Kind]delivery.Renderer{webhook.Kind: webhook.NewRenderer(e.st, time.Now)},
		Senders:   map[delivery.Kind]delivery.Sender{webhook.Kind: sender},
		RetryMin:  20 * time.Millisecond, RetryMax: cmp.Or(e.retryMax, 50*time.Millisecond), RetryMaxAge: maxAge, PollInterval: 5 * time.Millisecond,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("engine.Run = %v", err)
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := map[int64][]webhook.Attempt{}
		final := true
		for _, id := range events {
			list, err := e.st.WebhookAttempts(context.Background(), id)
			if err != nil {
				e.t.Fatal(err)
			}
			for _, a := range list {
				if a.State == delivery.Queued {
					final = false
				}
			}
			out[id] = list
		}
		if final {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("webhook deliveries not final after 15 s: %+v", out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// verify checks a request's signature the way a receiver would, from the
// header alone.
func verify(t *testing.T, secret string, r received) {
	t.Helper()
	sig := r.header.Get("Herald-Signature")
	ts, mac, ok := strings.Cut(sig, ",v1=")
	ts, ok2 := strings.CutPrefix(ts, "t=")
	if !ok || !ok2 {
		t.Fatalf("Herald-Signature %q is not t=UNIX,v1=HEX", sig)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(unix, 0)).Abs() > time.Minute {
		t.Errorf("signature time %q is not now", ts)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(r.body)))
	if want := hex.EncodeToString(m.Sum(nil)); !hmac.Equal([]byte(want), []byte(mac)) {
		t.Errorf("signature %s does not match the body; want v1=%s", sig, want)
	}
	other := hmac.New(sha256.New, []byte(secret+"x"))
	other.Write([]byte(ts + "." + string(r.body)))
	if hex.EncodeToString(other.Sum(nil)) == mac {
		t.Error("the signature does not depend on the secret")
	}
}

func TestSignedDelivery(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t, 200)
	ep := e.endpoint(rc.URL+"/hooks", webhook.SubscriberConfirmed)
	other := newReceiver(t, 200)
	e.endpoint(other.URL, webhook.CampaignSent)

	e.emit(webhook.SubscriberConfirmed, map[string]any{"id": 7, "email": "reader@example.com"})
	const id = 1
	attempts := e.run(webhook.NewSender(webhook.SenderConfig{AllowPrivate: true}), time.Hour, id)[id]
	if len(attempts) != 1 || attempts[0].State != delivery.Sent || attempts[0].URL != ep.URL {
		t.Fatalf("attempts = %+v; want one sent to %s", attempts, ep.URL)
	}
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests; want 1", len(reqs))
	}
	r := reqs[0]
	verify(t, ep.Secret, r)
	if r.header.Get("Herald-Event") != webhook.SubscriberConfirmed || r.header.Get("Herald-Delivery") != strconv.FormatInt(attempts[0].DeliveryID, 10) ||
		r.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v; want the event, the delivery ID %d and JSON", r.header, attempts[0].DeliveryID)
	}
	var body struct {
		ID        int64           `json:"id"`
		Event     string          `json:"event"`
		CreatedAt time.Time       `json:"created_at"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.ID != id || body.Event != webhook.SubscriberConfirmed ||
		string(body.Data) != `{"email":"reader@example.com","id":7}` || body.CreatedAt.IsZero() {
		t.Errorf("body %s, %v; want the event's envelope around its payload", r.body, err)
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("an endpoint subscribed only to campaign.sent got %d requests", n)
	}
}

func TestRetriesKeepTheDeliveryID(t *testing.T) {
	e := newEnv(t)
	flaky := newReceiver(t, 500, 500, 200)
	gone := newReceiver(t, 410)
	moved := newReceiver(t, 302)
	for _, rc := range []*receiver{flaky, gone, moved} {
		e.endpoint(rc.URL, webhook.ArticlePublished)
	}
	e.emit(webhook.ArticlePublished, map[string]string{"slug": "harbour"})
	got := e.run(webhook.NewSender(webhook.SenderConfig{AllowPrivate: true}), time.Hour, 1)[1]
	byURL := map[string]webhook.Attempt{}
	for _, a := range got {
		byURL[a.URL] = a
	}

	reqs := flaky.requests()
	if len(reqs) != 3 {
		t.Fatalf("the receiver answering 500, 500, 200 got %d requests; want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.header.Get("Herald-Delivery") != reqs[0].header.Get("Herald-Delivery") || string(r.body) != string(reqs[0].body) {
			t.Errorf("a retry came with Herald-Delivery %s and body %s; want %s and %s",
				r.header.Get("Herald-Delivery"), r.body, reqs[0].header.Get("Herald-Delivery"), reqs[0].body)
		}
	}
	if a := byURL[flaky.URL]; a.State != delivery.Sent || a.Attempts != 3 {
		t.Errorf("flaky endpoint's delivery %+v; want sent after 3 attempts", a)
	}

	for _, tc := range []struct {
		rc   *receiver
		code int
	}{{gone, 410}, {moved, 302}} {
		if n := len(tc.rc.requests()); n != 1 {
			t.Errorf("receiver answering %d got %d requests; want 1", tc.code, n)
		}
		if a := byURL[tc.rc.URL]; a.State != delivery.Failed || a.Code != tc.code || !strings.Contains(a.Text, "answer "+strconv.Itoa(tc.code)) {
			t.Errorf("delivery to the receiver answering %d: %+v; want failed with its code and first line", tc.code, a)
		}
	}
}

// TestRetryAfterIsHonoured: an endpoint that answers 429 or 503 with a
// Retry-After is left alone that long (up to the longest wait between
// tries), not asked again after the engine's shortest backoff.
func TestRetryAfterIsHonoured(t *testing.T) {
	for _, after := range []string{"1", "a date"} {
		e := newEnv(t)
		e.retryMax = 3 * time.Second
		var mu sync.Mutex
		var at []time.Time
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			at = append(at, time.Now())
			if len(at) == 1 {
				v := after
				if v == "a date" {
					// Whole seconds: at least one and a half from now.
					v = time.Now().Add(2500 * time.Millisecond).UTC().Format(http.TimeFormat)
				}
				w.Header().Set("Retry-After", v)
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		e.endpoint(srv.URL, webhook.CampaignSent)
		e.emit(webhook.CampaignSent, map[string]int{"id": 1})
		got := e.run(webhook.NewSender(webhook.SenderConfig{AllowPrivate: true}), time.Hour, 1)[1]
		mu.Lock()
		times := slices.Clone(at)
		mu.Unlock()
		if len(got) != 1 || got[0].State != delivery.Sent || len(times) != 2 {
			t.Fatalf("Retry-After %s: %+v after %d requests; want sent at the second", after, got, len(times))
		}
		if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
			t.Errorf("Retry-After %s: asked again after %v; want about a second or more", after, gap.Round(time.Millisecond))
		}
	}
}

func TestGiveUpAfterRetryMaxAge(t *testing.T) {
	e := newEnv(t)
	down := newReceiver(t, 503)
	e.endpoint(down.URL, webhook.CampaignSent)
	e.emit(webhook.CampaignSent, map[string]int{"id": 1})
	got := e.run(webhook.NewSender(webhook.SenderConfig{AllowPrivate: true}), 200*time.Millisecond, 1)[1]
	if len(got) != 1 || got[0].State != delivery.Failed || !strings.Contains(got[0].Text, "gave up") || len(down.requests()) < 2 {
		t.Errorf("delivery to a receiver that is always down: %+v after %d requests; want given up after retries", got, len(down.requests()))
	}
}

func TestDisabledEndpointGetsNothing(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t, 200)
	ep := e.endpoint(rc.URL, webhook.CampaignSent)
	e.emit(webhook.CampaignSent, map[string]int{"id": 1})
	if err := e.st.DisableWebhookEndpoint(context.Background(), ep.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.st.DisableWebhookEndpoint(context.Background(), ep.ID, time.Now()); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("disabling twice = %v; want ErrNotFound", err)
	}
	got := e.run(webhook.NewSender(webhook.SenderConfig{AllowPrivate: true}), time.Hour, 1)[1]
	if len(got) != 1 || got[0].State != delivery.Skipped || len(rc.requests()) != 0 {
		t.Errorf("queued before the endpoint was disabled: %+v, %d requests; want skipped, none", got, len(rc.requests()))
	}
	// A new endpoint may take the URL over.
	e.endpoint(rc.URL, webhook.CampaignSent)
}

// Requests queued for an endpoint that is then deleted are skipped, also
// when a new endpoint takes its URL: that one, with a secret of its own,
// hears only of events from after it was made.
func TestDeletedEndpointsRequestsNotSentToItsSuccessor(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t, 200)
	old := e.endpoint(rc.URL, webhook.CampaignSent)
	e.emit(webhook.CampaignSent, map[string]int{"id": 1})
	if err := e.st.DisableWebhookEndpoint(context.Background(), old.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	successor := e.endpoint(rc.URL, webhook.CampaignSent)
	e.emit(webhook.CampaignSent, map[string]int{"id": 2})
	got := e.run(webhook.NewSender(webhook.SenderConfig{AllowPrivate: true}), time.Hour, 1, 2)
	if len(got[1]) != 1 || got[1][0].State != delivery.Skipped {
		t.Errorf("event 1, queued for endpoint %d before it was deleted: %+v; want skipped", old.ID, got[1])
	}
	if len(got[2]) != 1 || got[2][0].State != delivery.Sent {
		t.Errorf("event 2, queued for endpoint %d at the same URL: %+v; want sent", successor.ID, got[2])
	}
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("the receiver at %s got %d requests; want one, for event 2", rc.URL, len(reqs))
	}
	var body struct{ ID int64 }
	if err := json.Unmarshal(reqs[0].body, &body); err != nil || body.ID != 2 {
		t.Errorf("the receiver got %s; want event 2", reqs[0].body)
	}
	verify(t, successor.Secret, reqs[0])
}
