package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"herald/internal/mail"
)

// Config sets up an Engine. Zero durations and counts take the defaults
// noted beside them.
type Config struct {
	Store     Store
	Sender    Sender
	Renderers map[Kind]Renderer
	Owner     string // names this process in leases
	// Sign, when set, signs each message before it is sent (DKIM).
	Sign func(data []byte) ([]byte, error)
	// Senders overrides Sender for the kinds it names, for deliveries that
	// are not mail (webhooks go out over HTTP). Sign and PerSecond are
	// about mail, so they apply only to what goes through Sender.
	Senders map[Kind]Sender
	// PerSecond caps messages per second across all workers; 0 is no cap.
	// With Window set, the cap holds for every process on the store
	// together.
	PerSecond int
	Window    Window
	// Quotas cap messages per window, counted by Counter in the ledger.
	Quotas  []Quota
	Counter SentCounter
	// Observer, when set, hears every outcome and every wait on a limit.
	Observer Observer

	Workers      int           // concurrent sends; default 8
	Pipeline     int           // messages a worker sends back to back on one connection; default 8
	Batch        int           // deliveries claimed at once; default 250
	Lease        time.Duration // how long a claim holds; default 60 s
	SendTimeout  time.Duration // one attempt; default half the lease
	RetryMin     time.Duration // first retry after a temporary failure; default 30 s
	RetryMax     time.Duration // longest wait between retries; default 1 h
	RetryMaxAge  time.Duration // give up this long after the first attempt; default 24 h
	PollInterval time.Duration // how often to look for due work when not nudged; default 1 s
	Now          func() time.Time
	Logger       *slog.Logger
	// Gather is how long a nudge lets more work arrive before the claim:
	// under a stream of signups one claim, full pipelines of sends and a
	// few writes of answers then serve the commits of a tenth of a second,
	// instead of each commit costing its own. Default 100 ms, which no
	// reader waiting for a confirmation email notices.
	Gather time.Duration
}

// Observer is told what the engine does, for metrics.
type Observer interface {
	DeliveryResult(kind, state string)
	RateLimited(limit string, waited time.Duration)
	// LeasesExpired hears how many rows of a claim had been claimed before
	// by a worker that let its lease run out.
	LeasesExpired(n int)
}

// Engine claims due deliveries, sends them and records what happened.
type Engine struct {
	cfg    Config
	nudge  chan struct{}
	limits *limits
	// unrecorded counts the deliveries this engine claimed whose answers
	// are not written yet: the quotas count them as sent, since the ledger
	// does not show them yet.
	unrecorded atomic.Int64
	// turn lets one worker at a time wait for the per-second rate, so
	// that the others, when their turn comes, ask afresh whether their
	// mail may still go (see Gate).
	turn chan struct{}
}

// New returns an engine; call Run to start it.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Sender == nil || len(cfg.Renderers) == 0 {
		return nil, errors.New("delivery: store, sender and renderers are required")
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Lease, 60*time.Second)
	// A mail server may take long to accept a message; one that answers
	// after the timeout gets it again at the next attempt. Half the lease
	// leaves the other half for rendering and recording, and a longer
	// --lease gives a slow server longer.
	def(&cfg.SendTimeout, cfg.Lease/2)
	def(&cfg.RetryMin, 30*time.Second)
	def(&cfg.RetryMax, time.Hour)
	def(&cfg.RetryMaxAge, 24*time.Hour)
	def(&cfg.PollInterval, time.Second)
	def(&cfg.Gather, 100*time.Millisecond)
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 250
	}
	if cfg.Pipeline <= 0 {
		cfg.Pipeline = 8
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Owner == "" {
		cfg.Owner = fmt.Sprintf("herald-%d", rand.Int64())
	}
	if cfg.SendTimeout > cfg.Lease/2 {
		cfg.SendTimeout = cfg.Lease / 2
	}
	if len(cfg.Quotas) > 0 && cfg.Counter == nil {
		return nil, errors.New("delivery: quotas need a counter")
	}
	return &Engine{cfg: cfg, nudge: make(chan struct{}, 1), turn: make(chan struct{}, 1),
		limits: newLimits(cfg.PerSecond, cfg.Window, cfg.Quotas, cfg.Counter, cfg.Now)}, nil
}

// Nudge tells the engine that new work was queued, so it need not wait for
// its next poll.
func (e *Engine) Nudge() {
	select {
	case e.nudge <- struct{}{}:
	default:
	}
}

type claimed struct {
	d  Delivery
	at time.Time // when the lease began
}

// Run sends until ctx ends. On the way out it stops claiming, lets the
// sends in flight finish (each within SendTimeout), hands back what it had
// claimed but not started, and records every answer before returning.
//
// Claiming, sending and recording overlap: the next batch is claimed while
// the workers send the last one, and answers keep being collected while a
// group is being written, so the workers never wait on the database.
func (e *Engine) Run(ctx context.Context) error {
	// The work buffer holds up to one batch ahead of the workers.
	work := make(chan claimed, e.claimSize())
	results := make(chan Result, e.cfg.Workers) // small: what a crash may repeat is bounded by it
	var workers sync.WaitGroup
	report := func(d Delivery, r Result) {
		if r.Attempted && e.cfg.Observer != nil {
			e.cfg.Observer.DeliveryResult(string(d.Kind), string(r.State))
		}
		results <- r
	}
	// Under a per-second rate each message goes alone when the rate lets
	// it, so a worker takes one at a time: what it held besides would only
	// wait, leased, for the rate.
	depth := e.cfg.Pipeline
	if e.limits.paced() {
		depth = 1
	}
	for range e.cfg.Workers {
		workers.Go(func() {
			batch := make([]claimed, 0, depth)
			for c := range work {
				// Take what else is waiting, up to the pipeline's depth: under
				// load a worker sends several messages back to back, and a
				// lone message goes at once.
				batch = append(batch[:0], c)
			more:
				for len(batch) < depth {
					select {
					case c, ok := <-work:
						if !ok {
							break more
						}
						batch = append(batch, c)
					default:
						break more
					}
				}
				e.attempt(ctx, batch, report)
			}
		})
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		e.record(results)
	}()

	err := e.claimLoop(ctx, work, results)
	close(work)
	workers.Wait()
	close(results)
	<-recorded
	return err
}

func (e *Engine) claimLoop(ctx context.Context, work chan<- claimed, results chan<- Result) error {
	poll := time.NewTimer(0)
	defer poll.Stop()
	gather := time.NewTimer(0)
	defer gather.Stop()
	for {
		if ctx.Err() != nil {
			return nil
		}
		now := e.cfg.Now()
		want := e.claimSize()
		limit, err := e.limits.room(ctx, now, want, int(e.unrecorded.Load()))
		if err != nil && ctx.Err() == nil {
			e.cfg.Logger.Error("count sent messages for quotas", "err", err)
		}
		var batch []Delivery
		if limit > 0 {
			batch, err = e.cfg.Store.ClaimDeliveries(ctx, Claim{Owner: e.cfg.Owner, Now: now, Lease: e.cfg.Lease, Limit: limit})
			if err != nil && ctx.Err() == nil {
				e.cfg.Logger.Error("claim deliveries", "err", err)
			}
			e.unrecorded.Add(int64(len(batch)))
		} else if err == nil {
			e.cfg.Logger.Debug("quota reached; waiting")
			if e.cfg.Observer != nil {
				e.cfg.Observer.RateLimited("quota", e.cfg.PollInterval)
			}
		}
		if e.cfg.Observer != nil {
			expired := 0
			for _, d := range batch {
				if d.LeaseExpired {
					expired++
				}
			}
			e.cfg.Observer.LeasesExpired(expired)
		}
		for i, d := range batch {
			select {
			case work <- claimed{d, now}:
			case <-ctx.Done():
				for _, d := range batch[i:] {
					results <- release(d, e.cfg.Now())
				}
				return nil
			}
		}
		if len(batch) == want {
			continue
		}
		poll.Reset(e.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-e.nudge:
			gather.Reset(e.cfg.Gather)
			select {
			case <-ctx.Done():
				return nil
			case <-gather.C:
			}
		case <-poll.C:
		}
	}
}

// claimSize is how many deliveries to claim at once: a batch, or two
// seconds' worth under a per-second limit, so that claimed rows do not sit
// waiting for the limit while their leases run.
func (e *Engine) claimSize() int {
	if e.cfg.PerSecond > 0 {
		return min(e.cfg.Batch, max(1, 2*e.cfg.PerSecond))
	}
	return e.cfg.Batch
}

// release hands a claimed delivery back untouched, to be claimed again at once.
func release(d Delivery, now time.Time) Result {
	return Result{ID: d.ID, Fence: d.Fence, State: Queued, At: now, NextAttempt: now, FirstAttempt: d.FirstAttemptAt}
}

// job is a delivery rendered and ready for the wire.
type job struct {
	d      Delivery
	at     time.Time // when its lease began
	r      Result    // filled in as far as it is known before sending
	out    Outgoing
	sender Sender
	own    bool // sent by a sender of its kind's own, not the mail sender
}

// prepare waits for the rate limit, then renders and signs one delivery.
// It returns the job, or the delivery's result when it ends here (handed
// back, skipped, failed to render). The wait comes first, so that what the
// renderer checks (a campaign paused or cancelled meanwhile) is as fresh as
// can be when the message goes out.
func (e *Engine) prepare(ctx context.Context, c claimed) (job, Result, bool) {
	d := c.d
	if !e.leaseAllows(ctx, c) {
		return job{}, release(d, e.cfg.Now()), false
	}
	sender, own := e.cfg.Senders[d.Kind]
	if !own && e.limits.paced() {
		if r, wait := e.waitTurn(ctx, c); !wait {
			return job{}, r, false
		}
	}
	now := e.cfg.Now()
	renderCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.SendTimeout)
	defer cancel()
	first := d.FirstAttemptAt
	if first.IsZero() {
		first = now
	}
	r := Result{ID: d.ID, Fence: d.Fence, At: now, FirstAttempt: first, Attempted: true}
	renderer := e.cfg.Renderers[d.Kind]
	if renderer == nil {
		r.State, r.Text = Failed, "no renderer for "+string(d.Kind)
		return job{}, r, false
	}
	out, err := renderer.Render(renderCtx, d)
	if errors.Is(err, ErrNotNow) {
		return job{}, release(d, now), false
	}
	if errors.Is(err, ErrSkip) {
		r.State, r.Text = Skipped, err.Error()
		return job{}, r, false
	}
	if err != nil {
		e.cfg.Logger.Error("render delivery", "delivery", d.ID, "kind", d.Kind, "err", err)
		return job{}, e.retry(d, r, 0, "", err.Error(), 0), false
	}
	r.MessageID = out.MessageID
	if own {
		return job{d: d, at: c.at, r: r, out: out, sender: sender, own: true}, Result{}, true
	}
	if e.cfg.Sign != nil {
		if out.Data, err = e.cfg.Sign(out.Data); err != nil {
			e.cfg.Logger.Error("sign delivery", "delivery", d.ID, "err", err)
			return job{}, e.retry(d, r, 0, "", "signing failed: "+err.Error(), 0), false
		}
	}
	return job{d: d, at: c.at, r: r, out: out, sender: e.cfg.Sender}, Result{}, true
}

// waitTurn waits for the per-second rate to let c go. Workers wait one at
// a time; each first asks the renderer, when it can tell (Gate), whether
// the delivery may still go, so that a pause hands back what was claimed
// in about the time the renderer takes to notice, not one message per
// tick of the rate. It returns the delivery's result and false when it
// ends here.
func (e *Engine) waitTurn(ctx context.Context, c claimed) (Result, bool) {
	d := c.d
	select {
	case e.turn <- struct{}{}:
	case <-ctx.Done():
		return release(d, e.cfg.Now()), false
	}
	defer func() { <-e.turn }()
	if g, ok := e.cfg.Renderers[d.Kind].(Gate); ok {
		if err := g.Ready(ctx, d); err != nil {
			if r, end := e.notReady(d, err); end {
				return r, false
			}
		}
	}
	waited, err := e.limits.wait(ctx)
	if waited > time.Millisecond && e.cfg.Observer != nil {
		e.cfg.Observer.RateLimited("per_second", waited)
	}
	if err != nil {
		if ctx.Err() == nil {
			e.cfg.Logger.Error("take from the shared send rate", "err", err)
		}
		return release(d, e.cfg.Now()), false
	}
	if !e.leaseAllows(ctx, c) {
		return release(d, e.cfg.Now()), false
	}
	return Result{}, true
}

// notReady turns what a Gate said into the delivery's result: handed back
// for ErrNotNow, skipped for ErrSkip. Anything else is left for the
// renderer to say again, with the attempt counted, and the wait goes on.
func (e *Engine) notReady(d Delivery, err error) (Result, bool) {
	now := e.cfg.Now()
	switch {
	case errors.Is(err, ErrNotNow):
		return release(d, now), true
	case errors.Is(err, ErrSkip):
		first := d.FirstAttemptAt
		if first.IsZero() {
			first = now
		}
		return Result{ID: d.ID, Fence: d.Fence, At: now, FirstAttempt: first, Attempted: true, State: Skipped, Text: err.Error()}, true
	}
	return Result{}, false
}

// release lets the renderer reuse the job's buffer: the sender is done
// with it.
func (j job) release() {
	if j.out.Release != nil {
		j.out.Release()
	}
}

// outcome turns what the sender said about a job into its result.
func (e *Engine) outcome(j job, err error) Result {
	d, r := j.d, j.r
	r.At = e.cfg.Now()
	if err == nil {
		r.State = Sent
		return r
	}
	var se *mail.SendError
	if errors.As(err, &se) && !se.Temporary {
		r.State, r.Code, r.Status, r.Text = Failed, se.Code, se.Enhanced, se.Text
		r.Suppress = se.HardBounce()
		e.cfg.Logger.Warn("delivery failed", "delivery", d.ID, "code", se.Code, "status", se.Enhanced, "reason", se.Text)
		return r
	}
	if se != nil {
		return e.retry(d, r, se.Code, se.Enhanced, se.Text, se.RetryAfter)
	}
	return e.retry(d, r, 0, "", err.Error(), 0)
}

// leaseAllows reports whether a send could still begin and end within the
// lease: another worker may claim the row once it expires. A send that
// could outlive it is never started.
func (e *Engine) leaseAllows(ctx context.Context, c claimed) bool {
	return ctx.Err() == nil && !e.cfg.Now().Add(e.cfg.SendTimeout).After(c.at.Add(e.cfg.Lease))
}

// attempt renders and sends the claimed deliveries and reports each one's
// result. Mail goes back to back over one connection when the sender can
// do that (see BatchSender), unless a rate is set: then each message goes
// as soon as the rate allows it, so that the mail server never sees a
// burst of what was allowed while the others waited. Rendering and sending
// each get SendTimeout.
func (e *Engine) attempt(ctx context.Context, batch []claimed, report func(Delivery, Result)) {
	bs, _ := e.cfg.Sender.(BatchSender)
	paced := e.limits.paced()
	var jobs []job
	for _, c := range batch {
		j, r, ok := e.prepare(ctx, c)
		switch {
		case !ok:
			report(c.d, r)
		case j.own || bs == nil:
			sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.SendTimeout)
			err := j.sender.Send(sendCtx, j.out.From, j.out.To, j.out.Data)
			cancel()
			j.release()
			report(j.d, e.outcome(j, err))
		case paced:
			e.sendBatch(ctx, bs, []job{j}, report)
		default:
			jobs = append(jobs, j)
		}
	}
	e.sendBatch(ctx, bs, jobs, report)
}

// sendBatch sends jobs back to back over one connection. What could no
// longer be sent within its lease goes back.
func (e *Engine) sendBatch(ctx context.Context, bs BatchSender, jobs []job, report func(Delivery, Result)) {
	now := e.cfg.Now()
	msgs := make([]mail.Envelope, 0, len(jobs))
	ready := jobs[:0]
	for _, j := range jobs {
		if now.Add(e.cfg.SendTimeout).After(j.at.Add(e.cfg.Lease)) {
			report(j.d, release(j.d, now))
			continue
		}
		ready = append(ready, j)
		msgs = append(msgs, mail.Envelope{From: j.out.From, To: j.out.To, Data: j.out.Data})
	}
	if len(msgs) == 0 {
		return
	}
	sendCtx, cancelSend := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.SendTimeout)
	defer cancelSend()
	bs.SendBatch(sendCtx, msgs, func(i int, err error) {
		ready[i].release()
		if errors.Is(err, mail.ErrNotSent) {
			report(ready[i].d, release(ready[i].d, e.cfg.Now()))
			return
		}
		report(ready[i].d, e.outcome(ready[i], err))
	})
}

// retry schedules another attempt with exponential backoff and jitter, or
// gives up once the delivery has been failing for RetryMaxAge. asked is
// how long the receiver asked to be left alone, 0 if it did not say.
func (e *Engine) retry(d Delivery, r Result, code int, status, text string, asked time.Duration) Result {
	r.Code, r.Status, r.Text = code, status, text
	if r.At.Sub(r.FirstAttempt) >= e.cfg.RetryMaxAge {
		r.State = Failed
		r.Text = fmt.Sprintf("gave up after %d attempts: %s", d.Attempts+1, text)
		e.cfg.Logger.Warn("delivery failed", "delivery", d.ID, "code", code, "status", status, "reason", r.Text)
		return r
	}
	wait := e.cfg.RetryMin
	for i := 0; i < d.Attempts && wait < e.cfg.RetryMax; i++ {
		wait *= 2
	}
	wait = min(wait, e.cfg.RetryMax)
	// ±20% jitter so that a burst of failures does not come back as a burst.
	wait = time.Duration(float64(wait) * (0.8 + 0.4*rand.Float64()))
	// A receiver that asked for a longer pause (a webhook endpoint's
	// Retry-After) gets it, up to the longest wait between tries.
	wait = max(wait, min(asked, e.cfg.RetryMax))
	r.State, r.NextAttempt = Queued, r.At.Add(wait)
	e.cfg.Logger.Info("delivery deferred", "delivery", d.ID, "code", code, "status", status, "reason", text, "retry_in", wait.Round(time.Second))
	return r
}

// Recording groups: at most maxGroup answers are written at once, and at
// most another maxGroup are collected meanwhile. What a crash may repeat is
// bounded by these two groups plus the result buffer and the sends in
// flight.
const (
	maxGroup     = 64
	maxGroupWait = 20 * time.Millisecond
)

// record writes results in small groups: whatever a crash may repeat is only
// what was answered but not yet written here. One group is written while
// the next is collected.
func (e *Engine) record(results <-chan Result) {
	var (
		pending = make([]Result, 0, maxGroup)
		spare   = make([]Result, 0, maxGroup)
		written = make(chan []Result, 1) // the group just written, handed back for reuse
		busy    bool
		closed  bool
		timer   = time.NewTimer(maxGroupWait)
		due     bool // the oldest pending answer has waited maxGroupWait
	)
	defer timer.Stop()
	for {
		if !busy && len(pending) > 0 && (len(pending) >= maxGroup || due || closed) {
			group := pending
			pending, spare = spare[:0], nil
			busy, due = true, false
			go func() {
				e.write(group)
				written <- group
			}()
		}
		if closed && !busy && len(pending) == 0 {
			return
		}
		in := results
		if closed || len(pending) >= maxGroup {
			in = nil // a full group waits for the writer; the workers wait on the buffer
		}
		select {
		case r, ok := <-in:
			if !ok {
				closed = true
				continue
			}
			pending = append(pending, r)
			if len(pending) == 1 {
				timer.Reset(maxGroupWait)
				due = false
			}
		case g := <-written:
			busy, spare = false, g[:0]
		case <-timer.C:
			due = len(pending) > 0
		}
	}
}

// write records one group, retrying a few times when the database fails.
func (e *Engine) write(group []Result) {
	// A background context: answers already received must be written even
	// while the engine shuts down.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Written or given up (the leases then expire and the rows are
	// claimed, and counted, again): either way no longer in flight.
	defer e.unrecorded.Add(-int64(len(group)))
	for attempt := 0; ; attempt++ {
		_, err := e.cfg.Store.RecordResults(ctx, group)
		if err == nil {
			return
		}
		e.cfg.Logger.Error("record delivery results", "count", len(group), "err", err)
		if attempt >= 5 || ctx.Err() != nil {
			return // the leases expire and the rows are sent again
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
}
