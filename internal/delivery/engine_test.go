package delivery_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"herald/internal/delivery"
	"herald/internal/mail/smtp"
	"herald/internal/smtptest"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// plainRenderer writes a minimal message naming the delivery, so the SMTP
// server's log can be matched against the ledger.
type plainRenderer struct{}

func (plainRenderer) Render(_ context.Context, d delivery.Delivery) (delivery.Outgoing, error) {
	data := fmt.Sprintf("From: news@example.com\r\nTo: %s\r\nSubject: delivery %d\r\nMessage-ID: <%d@example.com>\r\n\r\nHello.\r\n", d.Recipient, d.ID, d.ID)
	return delivery.Outgoing{From: "news@example.com", To: d.Recipient, Data: []byte(data), MessageID: fmt.Sprintf("%d@example.com", d.ID)}, nil
}

type fixture struct {
	st   *sqlite.Store
	path string
	smtp *smtptest.Server
}

func setup(t *testing.T, opts smtptest.Options, addresses ...string) fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var batch []subscriber.Signup
	for _, a := range addresses {
		batch = append(batch, subscriber.Signup{Email: a, Newsletters: []int64{1}, At: time.Now()})
	}
	if err := st.RecordSignups(ctx, batch, time.Hour); err != nil {
		t.Fatal(err)
	}
	srv, err := smtptest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return fixture{st: st, path: path, smtp: srv}
}

func (f fixture) run(t *testing.T, until func() bool) {
	t.Helper()
	f.runObserved(t, nil, until)
}

// engine returns an engine sending the fixture's queue to its SMTP server,
// with quick retries and polls unless change says otherwise.
func (f fixture) engine(t *testing.T, change func(*delivery.Config)) *delivery.Engine {
	t.Helper()
	cfg, err := smtp.ParseURL(f.smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	sender := smtp.New(cfg, nil)
	t.Cleanup(func() { sender.Close() })
	c := delivery.Config{
		Store: f.st, Sender: sender, Renderers: map[delivery.Kind]delivery.Renderer{delivery.KindConfirm: plainRenderer{}},
		RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond, PollInterval: 10 * time.Millisecond,
	}
	if change != nil {
		change(&c)
	}
	e, err := delivery.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (f fixture) runObserved(t *testing.T, obs delivery.Observer, until func() bool) {
	t.Helper()
	runUntil(t, f.engine(t, func(c *delivery.Config) { c.Observer = obs }), until)
}

// runUntil runs e until done holds, for at most 20 s.
func runUntil(t *testing.T, e *delivery.Engine, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- e.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			cancel()
			<-stopped
			t.Fatal("engine did not finish the work within 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Fatalf("Run returned %v", err)
	}
}

func TestEngineSendsEveryQueuedMessageOnce(t *testing.T) {
	var addrs []string
	for i := range 300 {
		addrs = append(addrs, fmt.Sprintf("reader%d@example.com", i))
	}
	f := setup(t, smtptest.Options{}, addrs...)
	f.run(t, func() bool { return len(f.smtp.Messages()) >= len(addrs) })
	seen := map[string]int{}
	for _, m := range f.smtp.Messages() {
		seen[m.To[0]]++
	}
	for _, a := range addrs {
		if seen[a] != 1 {
			t.Errorf("%s received %d messages, want 1", a, seen[a])
		}
	}
	if c := f.smtp.Connections(); c > 16 {
		t.Errorf("opened %d SMTP connections for %d messages; connections are not reused", c, len(addrs))
	}
}

func TestEngineRetriesTemporaryFailuresAndDropsNothing(t *testing.T) {
	var calls, transactions atomic.Int64
	opts := smtptest.Options{
		Reply: func(string, []string, []byte) error {
			if calls.Add(1)%3 == 0 {
				return &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try later"}
			}
			return nil
		},
		Drop: func(string, []string) bool { return transactions.Add(1)%10 == 5 },
	}
	var addrs []string
	for i := range 60 {
		addrs = append(addrs, fmt.Sprintf("r%d@example.com", i))
	}
	f := setup(t, opts, addrs...)
	f.run(t, func() bool {
		got := map[string]bool{}
		for _, m := range f.smtp.Messages() {
			got[m.To[0]] = true
		}
		return len(got) == len(addrs)
	})
}

func TestEngineFailsAndSuppressesHardBounces(t *testing.T) {
	opts := smtptest.Options{Reply: func(_ string, to []string, _ []byte) error {
		if strings.HasPrefix(to[0], "gone") {
			return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}}
	f := setup(t, opts, "gone@example.com", "here@example.com")
	ctx := context.Background()
	f.run(t, func() bool {
		bad, _ := f.st.IsSuppressed(ctx, "gone@example.com")
		return bad && len(f.smtp.Messages()) == 1
	})
	if bad, _ := f.st.IsSuppressed(ctx, "here@example.com"); bad {
		t.Error("a delivered address was suppressed")
	}
	// A later signup of the bounced address queues nothing.
	if err := f.st.RecordSignups(ctx, []subscriber.Signup{{Email: "gone@example.com", Newsletters: []int64{1}, At: time.Now().Add(2 * time.Hour)}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if ds, _ := f.st.ClaimDeliveries(ctx, delivery.Claim{Owner: "t", Now: time.Now().Add(3 * time.Hour), Lease: time.Minute, Limit: 10}); len(ds) != 0 {
		t.Errorf("suppressed address got %d new deliveries", len(ds))
	}
}

// TestPerSecondLimitHoldsForTwoProcesses runs two engines, each with its
// own connection to one database as two processes would have, under a
// per-second limit taken from the database: together they send no more
// than the limit allows, not twice it.
func TestPerSecondLimitHoldsForTwoProcesses(t *testing.T) {
	const perSecond = 20
	var addrs []string
	for i := range 400 {
		addrs = append(addrs, fmt.Sprintf("r%d@example.com", i))
	}
	f := setup(t, smtptest.Options{}, addrs...)
	second, err := sqlite.Open(context.Background(), f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	cfg, err := smtp.ParseURL(f.smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	start := time.Now()
	var obs waitObserver
	for i, st := range []*sqlite.Store{f.st, second} {
		sender := smtp.New(cfg, nil)
		defer sender.Close()
		e, err := delivery.New(delivery.Config{
			Store: st, Sender: sender, Renderers: map[delivery.Kind]delivery.Renderer{delivery.KindConfirm: plainRenderer{}},
			Owner: fmt.Sprintf("process-%d", i), PerSecond: perSecond, Window: st, PollInterval: 10 * time.Millisecond,
			Observer: &obs,
		})
		if err != nil {
			t.Fatal(err)
		}
		go func() { done <- e.Run(ctx) }()
	}
	time.Sleep(3 * time.Second)
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("Run returned %v", err)
		}
	}
	elapsed := time.Since(start)
	// Each started second brings a fresh allowance.
	bound := perSecond * (int(elapsed/time.Second) + 2)
	if n := f.smtp.Count(); n > bound || n < perSecond {
		t.Errorf("two processes sent %d messages in %v under a shared limit of %d/s; want between %d and %d", n, elapsed.Round(time.Millisecond), perSecond, perSecond, bound)
	}
	if obs.waits.Load() == 0 {
		t.Error("no wait for the per-second limit was reported to the observer")
	}
}

// TestExpiredLeaseIsTakenOverAndCounted leaves a claimed delivery with a
// worker that never answers: once its lease runs out the engine sends it,
// and says that a lease expired.
func TestExpiredLeaseIsTakenOverAndCounted(t *testing.T) {
	f := setup(t, smtptest.Options{}, "late@example.com")
	dead, err := f.st.ClaimDeliveries(context.Background(), delivery.Claim{Owner: "dead", Now: time.Now(), Lease: time.Millisecond, Limit: 10})
	if err != nil || len(dead) != 1 {
		t.Fatalf("ClaimDeliveries by the dead worker = %+v, %v", dead, err)
	}
	time.Sleep(5 * time.Millisecond)
	var obs waitObserver
	f.runObserved(t, &obs, func() bool { return f.smtp.Count() == 1 })
	if n := obs.expired.Load(); n != 1 {
		t.Errorf("expired leases reported = %d, want 1", n)
	}
}

// waitObserver counts the waits for the per-second limit and the expired
// leases it hears of.
type waitObserver struct{ waits, expired atomic.Int64 }

func (o *waitObserver) DeliveryResult(kind, state string) {}
func (o *waitObserver) LeasesExpired(n int)               { o.expired.Add(int64(n)) }
func (o *waitObserver) RateLimited(limit string, waited time.Duration) {
	if limit == "per_second" && waited > 0 {
		o.waits.Add(1)
	}
}

// notYet says "not now" for the first calls of each delivery, then renders.
type notYet struct {
	mu    sync.Mutex
	calls map[int64]int
}

func (n *notYet) Render(ctx context.Context, d delivery.Delivery) (delivery.Outgoing, error) {
	n.mu.Lock()
	n.calls[d.ID]++
	c := n.calls[d.ID]
	n.mu.Unlock()
	if c <= 2 {
		return delivery.Outgoing{}, fmt.Errorf("paused: %w", delivery.ErrNotNow)
	}
	return plainRenderer{}.Render(ctx, d)
}

// TestNotNowHandsBackWithoutAnAttempt: a renderer's "not now" returns the
// delivery to the queue untouched, counting no attempt and logging no
// failure, and it goes out once the renderer agrees.
func TestNotNowHandsBackWithoutAnAttempt(t *testing.T) {
	f := setup(t, smtptest.Options{}, "a@example.com", "b@example.com")
	r := &notYet{calls: map[int64]int{}}
	e := f.engine(t, func(c *delivery.Config) { c.Renderers = map[delivery.Kind]delivery.Renderer{delivery.KindConfirm: r} })
	runUntil(t, e, func() bool { return len(f.smtp.Messages()) >= 2 })
	ds, err := f.st.ClaimDeliveries(context.Background(), delivery.Claim{Owner: "check", Now: time.Now().Add(time.Hour), Lease: time.Minute, Limit: 10})
	if err != nil || len(ds) != 0 {
		t.Errorf("after sending, claimable = %d, %v; want none", len(ds), err)
	}
	for id := int64(1); id <= 2; id++ {
		ds, _, err := f.st.SubscriberLedger(context.Background(), id, 0, 10)
		if err != nil || len(ds) != 1 || ds[0].Attempts != 1 {
			t.Errorf("ledger of subscriber %d = %+v, %v; want one delivery with one attempt", id, ds, err)
		}
	}
}
