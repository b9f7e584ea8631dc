package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// EventStore is what emitting needs from storage.
type EventStore interface {
	AddWebhookEvent(ctx context.Context, e Event) (int64, int, error)
}

// EmitterConfig sets up an Emitter.
type EmitterConfig struct {
	Store EventStore
	// Queued is called after requests were queued, to wake the engine.
	Queued func()
	Now    func() time.Time
	Logger *slog.Logger
}

// Emitter records events for the endpoints that want them. The article
// publisher, the subscriber rules and the campaign scheduler call it after
// their own change is committed; the event and its requests are then one
// transaction, so an event is either queued for every endpoint or for none.
type Emitter struct {
	cfg EmitterConfig
}

// NewEmitter returns an Emitter using cfg.
func NewEmitter(cfg EmitterConfig) *Emitter {
	if cfg.Queued == nil {
		cfg.Queued = func() {}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Emitter{cfg: cfg}
}

// MaxPayload bounds the JSON of one event: receivers are sent it whole.
const MaxPayload = 256 << 10

// Emit stores the event with payload encoded as JSON and queues a request to
// every endpoint that subscribes to it. event must be one of Events().
func (e *Emitter) Emit(ctx context.Context, event string, payload any) error {
	if !slices.Contains(Events(), event) {
		return fmt.Errorf("webhook: unknown event %q", event)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("webhook: encode %s payload: %w", event, err)
	}
	if len(data) > MaxPayload {
		return fmt.Errorf("webhook: %s payload is %d bytes, more than %d", event, len(data), MaxPayload)
	}
	id, n, err := e.cfg.Store.AddWebhookEvent(ctx, Event{Name: event, Payload: data, CreatedAt: e.cfg.Now().UTC().Truncate(time.Millisecond)})
	if err != nil {
		return fmt.Errorf("webhook: emit %s: %w", event, err)
	}
	if n > 0 {
		e.cfg.Logger.DebugContext(ctx, "webhook event queued", "event", event, "event_id", id, "endpoints", n)
		e.cfg.Queued()
	}
	return nil
}
