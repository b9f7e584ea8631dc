// Package delivery is Herald's durable send engine. Every message to a
// subscriber is a row in a ledger before anything is sent; workers lease rows,
// send them, and record the server's answer, so a crash or an outage repeats
// at most what was in flight and never loses a message.
package delivery

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"herald/internal/mail"
)

// Kind says what a delivery carries; each kind has its own Renderer.
type Kind string

// The kinds of mail Herald sends.
const (
	KindConfirm  Kind = "confirm"
	KindWelcome  Kind = "welcome"
	KindCampaign Kind = "campaign"
	// KindCampaignTest is a campaign sent to a given address to check it;
	// it is not part of the campaign's ledger.
	KindCampaignTest Kind = "campaign_test"
)

// State is where a delivery stands in the ledger.
type State string

// The states of a delivery. Queued rows wait for their next attempt, or
// are out with a worker while their lease holds; the other three are final.
const (
	Queued  State = "queued"
	Held    State = "held" // a paused campaign's rows wait here
	Sent    State = "sent"
	Failed  State = "failed"
	Skipped State = "skipped"
)

// Priority orders claims: transactional mail goes before campaign mail so a
// large send never holds up a confirmation email.
const (
	PriorityTransactional = 0
	PriorityBulk          = 1
)

// Delivery is one message to one address, as claimed by a worker.
type Delivery struct {
	ID           int64
	Fence        int64 // bumped at each claim; results with an older fence are ignored
	Kind         Kind
	SubscriberID int64
	CampaignID   int64
	Recipient    string
	Attempts     int // attempts made before this one
	// Read at claim time, so what is sent honours the subscriber as they
	// are now: Name to greet them, Subscribed whether they are still on
	// the campaign's newsletter, Suppressed whether the address may not
	// be mailed at all.
	Name       string
	Subscribed bool
	Suppressed bool
	// SubscriptionStates is, for mail about a subscriber's own
	// subscriptions (confirmation, welcome), their state with each
	// newsletter by ID, also read at claim time.
	SubscriptionStates map[int64]string
	CreatedAt          time.Time
	FirstAttemptAt     time.Time // zero before the first attempt
	// LeaseExpired says an earlier claim of this row ran out before its
	// answer was recorded: a worker died or stalled, and the message may
	// have gone out already.
	LeaseExpired bool
}

// Result is the outcome of one attempt, recorded only while the fence holds.
type Result struct {
	ID           int64
	Fence        int64
	State        State // Queued (retry later), Sent, Failed or Skipped
	At           time.Time
	NextAttempt  time.Time // for Queued
	FirstAttempt time.Time
	Code         int
	Status       string // enhanced status code
	Text         string
	MessageID    string
	Suppress     bool // add the recipient to the suppression list
	// Attempted is false when the row is handed back unsent (shutdown, a
	// lease about to run out), so that it does not count as an attempt.
	Attempted bool
}

// Claim asks the store for work.
type Claim struct {
	Owner string
	Now   time.Time
	Lease time.Duration
	Limit int
}

// Store is what the engine needs from storage.
type Store interface {
	// ClaimDeliveries leases up to Limit due deliveries (queued ones whose
	// time has come and whose lease, if any, has run out), highest priority
	// first, bumping each one's fence.
	ClaimDeliveries(ctx context.Context, c Claim) ([]Delivery, error)
	// RecordResults applies results whose fence still matches, in one
	// transaction; stale ones are dropped. It returns how many applied.
	RecordResults(ctx context.Context, rs []Result) (int, error)
}

// ParseSubscriptionStates reads the states a store lists as
// "newsletter:state,newsletter:state"; what does not parse is left out.
func ParseSubscriptionStates(list string) map[int64]string {
	if list == "" {
		return nil
	}
	states := map[int64]string{}
	for _, item := range strings.Split(list, ",") {
		id, state, ok := strings.Cut(item, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if ok && err == nil {
			states[n] = state
		}
	}
	return states
}

// Outgoing is a message ready for the wire.
type Outgoing struct {
	From      string // envelope sender
	To        string
	Data      []byte
	MessageID string
	// Release, when set, is called once Data is on the wire, so that the
	// renderer may use its buffer again. A message dropped on the way is
	// left to the garbage collector.
	Release func()
}

// Renderer builds the message for a delivery at send time, so that it
// reflects the subscriber as they are now.
type Renderer interface {
	Render(ctx context.Context, d Delivery) (Outgoing, error)
}

// Gate is a Renderer that can tell, before a delivery waits for the send
// rate, that it is not to go now (ErrNotNow) or at all (ErrSkip): under a
// slow rate, mail of a paused campaign is then handed back at once instead
// of each message waiting for its turn first.
type Gate interface {
	Ready(ctx context.Context, d Delivery) error
}

// Sender hands a message to a mail server (or the built-in outbox).
type Sender interface {
	Send(ctx context.Context, from, to string, data []byte) error
}

// BatchSender is a Sender that can send several messages back to back over
// one connection. It calls report with each message's outcome as soon as
// it is known; a message it never started gets mail.ErrNotSent.
type BatchSender interface {
	Sender
	SendBatch(ctx context.Context, msgs []mail.Envelope, report func(i int, err error))
}

// ErrSkip, wrapped by a Renderer, means the message must not be sent at all:
// the subscriber left, the address is suppressed, the campaign was cancelled.
var ErrSkip = errors.New("delivery skipped")

// ErrNotNow, from a renderer, hands a claimed delivery back untouched: it
// may not go now (its campaign was paused since it was claimed) and counts
// no attempt.
var ErrNotNow = errors.New("delivery not to be sent now")
