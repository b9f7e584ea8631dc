package metrics_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/metrics"
	"herald/internal/store/pgtest"
	"herald/internal/store/postgres"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// scrape renders reg and returns each sample's value by its name and labels.
func scrape(t *testing.T, reg *metrics.Registry) map[string]float64 {
	t.Helper()
	var b strings.Builder
	if err := reg.Render(context.Background(), &b); err != nil {
		t.Fatalf("Render() = %v", err)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample line %q has no number: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestHooks(t *testing.T) {
	reg := metrics.NewRegistry()
	m := metrics.NewHerald(reg, emptyQueue{}, nil, nil)
	m.Signup()
	m.Signup()
	m.Confirmation()
	for _, r := range []struct{ kind, state string }{
		{"confirm", "sent"}, {"welcome", "sent"}, {"campaign", "sent"}, {"campaign_test", "failed"},
		{"campaign", "queued"}, {"confirm", "skipped"}, {"webhook", "sent"}, {"campaign", "held"},
	} {
		m.DeliveryResult(r.kind, r.state)
	}
	m.LeasesExpired(3)
	m.LeasesExpired(0)
	m.RateLimited(metrics.LimitPerSecond, 250*time.Millisecond)
	m.RateLimited(metrics.LimitPerSecond, 250*time.Millisecond)

	// Requests go through a real ServeMux, which sets r.Pattern as the
	// server's request logger will see it.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /articles/{slug}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /subscribe", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) })
	for _, target := range []string{"/articles/a", "/articles/b", "/nowhere"} {
		r := httptest.NewRequest("GET", target, nil)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		m.ObserveRequest(r.Pattern, rec.Code, 30*time.Millisecond)
	}
	r := httptest.NewRequest("POST", "/subscribe", nil)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, r)
	m.ObserveRequest(r.Pattern, rec.Code, 2*time.Second)

	got := scrape(t, reg)
	for key, want := range map[string]float64{
		`herald_signups_total`:                                                                 2,
		`herald_confirmations_total`:                                                           1,
		`herald_mail_sent_total{kind="transactional"}`:                                         2,
		`herald_mail_sent_total{kind="campaign"}`:                                              1,
		`herald_mail_failed_total{kind="campaign"}`:                                            1,
		`herald_mail_failed_total{kind="transactional"}`:                                       0,
		`herald_mail_deferred_total{kind="campaign"}`:                                          1,
		`herald_mail_skipped_total{kind="transactional"}`:                                      1,
		`herald_delivery_leases_expired_total`:                                                 3,
		`herald_rate_limit_waits_total{limit="per_second"}`:                                    2,
		`herald_rate_limit_wait_seconds_total{limit="per_second"}`:                             0.5,
		`herald_rate_limit_waits_total{limit="quota"}`:                                         0,
		`herald_http_requests_total{route="GET /articles/{slug}",code="2xx"}`:                  2,
		`herald_http_requests_total{route="unmatched",code="4xx"}`:                             1,
		`herald_http_requests_total{route="POST /subscribe",code="5xx"}`:                       1,
		`herald_http_request_duration_seconds_bucket{route="GET /articles/{slug}",le="0.025"}`: 0,
		`herald_http_request_duration_seconds_bucket{route="GET /articles/{slug}",le="0.05"}`:  2,
		`herald_http_request_duration_seconds_bucket{route="POST /subscribe",le="1"}`:          0,
		`herald_http_request_duration_seconds_bucket{route="POST /subscribe",le="2.5"}`:        1,
		`herald_http_request_duration_seconds_count{route="unmatched"}`:                        1,
		`herald_delivery_queue_depth`:                                                          0,
		`herald_delivery_oldest_pending_age_seconds`:                                           0,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	if _, ok := got[`herald_mail_sent_total{kind="webhook"}`]; ok {
		t.Errorf("webhook requests were counted as mail")
	}
}

type emptyQueue struct{}

func (emptyQueue) QueueStats(ctx context.Context) (int, time.Time, error) { return 0, time.Time{}, nil }

// queueStore is what the queue gauges test needs of a store.
type queueStore interface {
	metrics.QueueStater
	RecordSignups(ctx context.Context, batch []subscriber.Signup, confirmEvery time.Duration) error
	ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error)
	RecordResults(ctx context.Context, rs []delivery.Result) (int, error)
	ImportSubscribers(ctx context.Context, newsletterID int64, rows []subscriber.ImportRow, opts subscriber.ImportOptions) (subscriber.ImportResult, error)
	CreateCampaign(ctx context.Context, c *campaign.Campaign) (int64, error)
	MoveCampaign(ctx context.Context, id int64, to campaign.State, at, sendAt time.Time) error
	FreezeChunk(ctx context.Context, id int64, limit int, now time.Time) (added int, done bool, err error)
	Close() error
}

// checkQueueGauges fills st's queue and reads the gauges at each step.
func checkQueueGauges(t *testing.T, st queueStore) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	now := t0
	reg := metrics.NewRegistry()
	metrics.NewHerald(reg, st, func() time.Time { return now }, nil)
	gauges := func(step string, depth, age float64) {
		t.Helper()
		got := scrape(t, reg)
		if got["herald_delivery_queue_depth"] != depth || got["herald_delivery_oldest_pending_age_seconds"] != age {
			t.Errorf("%s: queue depth %v, oldest age %v s; want %v and %v s", step, got["herald_delivery_queue_depth"],
				got["herald_delivery_oldest_pending_age_seconds"], depth, age)
		}
	}
	gauges("empty queue", 0, 0)

	signup := func(email string, at time.Time) subscriber.Signup {
		return subscriber.Signup{Email: email, Newsletters: []int64{1}, Source: "/", Wording: "I agree", IP: "127.0.0.1", At: at}
	}
	if err := st.RecordSignups(ctx, []subscriber.Signup{signup("a@example.com", t0), signup("b@example.com", t0.Add(time.Minute))}, time.Hour); err != nil {
		t.Fatalf("RecordSignups = %v", err)
	}
	now = t0.Add(90 * time.Second)
	gauges("two confirmations queued", 2, 90)

	claimed, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "w", Now: t0.Add(2 * time.Minute), Lease: time.Minute, Limit: 1})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimDeliveries(limit 1) = %v, %v; want one", claimed, err)
	}
	gauges("one of two leased", 2, 90)
	n, err := st.RecordResults(ctx, []delivery.Result{{ID: claimed[0].ID, Fence: claimed[0].Fence, State: delivery.Sent, At: now, Attempted: true}})
	if err != nil || n != 1 {
		t.Fatalf("RecordResults(sent) = %d, %v; want 1 applied", n, err)
	}
	now = t0.Add(3 * time.Minute)
	gauges("the older one sent", 1, 120)

	// A paused campaign's rows wait by choice and are not counted.
	if _, err := st.ImportSubscribers(ctx, 1, []subscriber.ImportRow{{Line: 2, Email: "c@example.com"}, {Line: 3, Email: "d@example.com"}},
		subscriber.ImportOptions{Confirmed: true, Source: "test", At: t0}); err != nil {
		t.Fatalf("ImportSubscribers = %v", err)
	}
	id, err := st.CreateCampaign(ctx, &campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "Issue",
		Markdown: "Hello", ArticleMode: campaign.Full, State: campaign.Draft})
	if err != nil {
		t.Fatalf("CreateCampaign = %v", err)
	}
	if err := st.MoveCampaign(ctx, id, campaign.Sending, now, time.Time{}); err != nil {
		t.Fatalf("MoveCampaign(sending) = %v", err)
	}
	if added, done, err := st.FreezeChunk(ctx, id, 100, now); err != nil || added != 2 || !done {
		t.Fatalf("FreezeChunk = %d, %v, %v; want the 2 confirmed subscribers, done", added, done, err)
	}
	gauges("a campaign to 2 readers queued", 3, 120)
	if err := st.MoveCampaign(ctx, id, campaign.Paused, now, time.Time{}); err != nil {
		t.Fatalf("MoveCampaign(paused) = %v", err)
	}
	gauges("the campaign paused", 1, 120)

	if err := st.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	got := scrape(t, reg)
	if _, ok := got["herald_delivery_queue_depth"]; ok || got["herald_delivery_queue_stats_errors_total"] != 1 {
		t.Errorf("with the store closed: depth present %v, errors %v; want no depth sample and 1 error", ok, got["herald_delivery_queue_stats_errors_total"])
	}
}

func TestQueueGaugesSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlite.Open(%s) = %v", path, err)
	}
	checkQueueGauges(t, st)
}

func TestQueueGaugesPostgres(t *testing.T) {
	st, err := postgres.Open(context.Background(), pgtest.Database(t))
	if err != nil {
		t.Fatalf("postgres.Open = %v", err)
	}
	checkQueueGauges(t, st)
}

// BenchmarkObserveRequest is the cost the metrics add to every request,
// with all processors counting at once.
func BenchmarkObserveRequest(b *testing.B) {
	m := metrics.NewHerald(metrics.NewRegistry(), emptyQueue{}, nil, nil)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest("GET /articles/{slug}", 200, 3*time.Millisecond)
		}
	})
}
