package metrics

import (
	"context"
	"log/slog"
	"strconv"
	"time"
)

// QueueStater is the store as the queue gauges see it: how many deliveries
// wait and since when the oldest has waited (zero when none).
type QueueStater interface {
	QueueStats(ctx context.Context) (depth int, oldest time.Time, err error)
}

// Mail kinds, as labels: confirmations and welcomes go first and must not
// wait behind a campaign, so they are counted apart.
const (
	KindTransactional = "transactional"
	KindCampaign      = "campaign"
)

// Rate limits, as labels.
const (
	LimitPerSecond = "per_second" // the token bucket shared by the workers
	LimitQuota     = "quota"      // a provider's hourly or daily allowance
)

// Herald is the set of metrics Herald exposes, with one method for each
// place that counts. The packages that count declare the one or two
// methods they call as their own small interface, so none of them imports
// this package.
type Herald struct {
	requests      *CounterVec
	durations     *HistogramVec
	signups       *Counter
	confirmations *Counter
	sent          *CounterVec
	failed        *CounterVec
	deferred      *CounterVec
	skipped       *CounterVec
	leases        *Counter
	rateWaits     *CounterVec
	rateWaited    *CounterVec
	queueDepth    *Gauge
	queueAge      *Gauge
	queueErrors   *Counter
}

// NewHerald registers Herald's metrics on reg. The queue gauges are read
// from queue at each scrape (a process that sends no mail may pass nil and
// leave them empty); now gives the age of the oldest delivery.
// Failures to read them are logged and leave the gauges without a value
// for that scrape.
func NewHerald(reg *Registry, queue QueueStater, now func() time.Time, logger *slog.Logger) *Herald {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Herald{
		requests: reg.CounterVec("herald_http_requests_total",
			"HTTP requests answered, by route pattern and status class.", "route", "code"),
		// From a cached page (a few milliseconds) to a slow export, in
		// steps of about 2.5.
		durations: reg.HistogramVec("herald_http_request_duration_seconds",
			"Time to answer an HTTP request, by route pattern.",
			[]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}, "route"),
		signups: reg.Counter("herald_signups_total",
			"Newsletter signups accepted from the site (confirmation pending)."),
		confirmations: reg.Counter("herald_confirmations_total",
			"Subscriptions confirmed through the link in the confirmation email."),
		sent: reg.CounterVec("herald_mail_sent_total",
			"Messages accepted by the mail server, by kind.", "kind"),
		failed: reg.CounterVec("herald_mail_failed_total",
			"Messages that failed for good (a permanent answer, or retries exhausted), by kind.", "kind"),
		deferred: reg.CounterVec("herald_mail_deferred_total",
			"Attempts that met a temporary failure and were scheduled for a retry, by kind.", "kind"),
		skipped: reg.CounterVec("herald_mail_skipped_total",
			"Messages not sent because the reader left or the address is suppressed, by kind.", "kind"),
		leases: reg.Counter("herald_delivery_leases_expired_total",
			"Claimed deliveries whose lease ran out and that were taken back into the queue."),
		rateWaits: reg.CounterVec("herald_rate_limit_waits_total",
			"Times sending waited for a rate limit, by limit.", "limit"),
		rateWaited: reg.CounterVec("herald_rate_limit_wait_seconds_total",
			"Time spent waiting for rate limits, by limit.", "limit"),
		queueDepth: reg.Gauge("herald_delivery_queue_depth",
			"Deliveries waiting to be sent: queued, retrying or leased (a paused campaign's are not counted)."),
		queueAge: reg.Gauge("herald_delivery_oldest_pending_age_seconds",
			"How long the oldest waiting delivery has waited since it was queued; 0 when none waits."),
		queueErrors: reg.Counter("herald_delivery_queue_stats_errors_total",
			"Scrapes at which the delivery queue could not be read."),
	}
	// Series that exist from the start, so that rate() has a zero to
	// start from instead of a missing series.
	for _, k := range []string{KindTransactional, KindCampaign} {
		m.sent.With(k)
		m.failed.With(k)
		m.deferred.With(k)
		m.skipped.With(k)
	}
	for _, l := range []string{LimitPerSecond, LimitQuota} {
		m.rateWaits.With(l)
		m.rateWaited.With(l)
	}
	if queue == nil {
		return m // the queue gauges stay without a value
	}
	reg.OnScrape(func(ctx context.Context) {
		depth, oldest, err := queue.QueueStats(ctx)
		if err != nil {
			m.queueDepth.Clear()
			m.queueAge.Clear()
			m.queueErrors.Inc()
			logger.Warn("read delivery queue for metrics", "err", err)
			return
		}
		m.queueDepth.Set(float64(depth))
		age := 0.0
		if !oldest.IsZero() {
			age = max(0, now().Sub(oldest).Seconds())
		}
		m.queueAge.Set(age)
	})
	return m
}

// ObserveRequest counts one answered request. route is the ServeMux
// pattern that matched (r.Pattern once the mux has routed), so the label
// has as many values as there are routes, never one per address; "" is
// counted as "unmatched". A status of 0 means nothing was written, which
// net/http answers as 200.
func (m *Herald) ObserveRequest(route string, status int, elapsed time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.With(route, statusClass(status)).Inc()
	m.durations.With(route).Observe(elapsed.Seconds())
}

func statusClass(status int) string {
	if status == 0 {
		status = 200
	}
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// Signup counts one signup accepted from the newsletter box.
func (m *Herald) Signup() { m.signups.Inc() }

// Confirmation counts one confirmed subscription.
func (m *Herald) Confirmation() { m.confirmations.Inc() }

// DeliveryResult counts the outcome of one attempt to send a delivery of
// the given kind (the ledger's kind: confirm, welcome, campaign,
// campaign_test, webhook) that ended in state (sent, failed, queued for a
// retry, skipped). Campaign kinds count as campaign, other mail as
// transactional. Webhook requests are not mail and are not counted here.
func (m *Herald) DeliveryResult(kind, state string) {
	var k string
	switch kind {
	case "webhook":
		return
	case "campaign", "campaign_test":
		k = KindCampaign
	default:
		k = KindTransactional
	}
	switch state {
	case "sent":
		m.sent.With(k).Inc()
	case "failed":
		m.failed.With(k).Inc()
	case "queued":
		m.deferred.With(k).Inc()
	case "skipped":
		m.skipped.With(k).Inc()
	}
}

// LeasesExpired counts deliveries taken back because the worker that
// claimed them let the lease run out: each is a process that died or
// stalled mid-send, and a message that may go out twice.
func (m *Herald) LeasesExpired(n int) {
	if n > 0 {
		m.leases.Add(float64(n))
	}
}

// RateLimited counts one wait for a rate limit (LimitPerSecond or
// LimitQuota) and how long it lasted.
func (m *Herald) RateLimited(limit string, waited time.Duration) {
	m.rateWaits.With(limit).Inc()
	m.rateWaited.With(limit).Add(max(0, waited.Seconds()))
}
