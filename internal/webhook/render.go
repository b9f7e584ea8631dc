package webhook

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"time"

	"herald/internal/delivery"
)

// The request headers every webhook carries.
const (
	HeaderEvent     = "Herald-Event"
	HeaderDelivery  = "Herald-Delivery"
	HeaderSignature = "Herald-Signature"
)

// RenderStore is what rendering a request needs from storage.
type RenderStore interface {
	WebhookEvent(ctx context.Context, id int64) (Event, error)
	// WebhookEndpointOf returns the endpoint the delivery was queued for,
	// disabled or not, or ErrNotFound.
	WebhookEndpointOf(ctx context.Context, deliveryID int64) (Endpoint, error)
}

// Renderer builds the signed request for a webhook delivery at send time:
// the endpoint it was queued for is looked up then, so one disabled or
// changed since the event was queued receives nothing. The endpoint is
// the one the ledger row names by ID, never another that has its URL now:
// that one has a secret of its own and did not exist when the event
// happened.
type Renderer struct {
	store RenderStore
	now   func() time.Time
}

// NewRenderer returns a Renderer; now stamps the signatures.
func NewRenderer(store RenderStore, now func() time.Time) *Renderer {
	if now == nil {
		now = time.Now
	}
	return &Renderer{store: store, now: now}
}

// body is what a receiver gets: the event's envelope around its payload.
type body struct {
	ID        int64           `json:"id"`
	Event     string          `json:"event"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Render returns the request as Outgoing: To is the endpoint's URL and Data
// holds the request's headers, a blank line and its JSON body, which the
// Sender takes apart again. The body is the same at every attempt; the
// signature's time is that of the attempt.
func (r *Renderer) Render(ctx context.Context, d delivery.Delivery) (delivery.Outgoing, error) {
	ev, err := r.store.WebhookEvent(ctx, d.CampaignID)
	if errors.Is(err, ErrNoEvent) {
		return delivery.Outgoing{}, fmt.Errorf("%w: webhook event %d is gone", delivery.ErrSkip, d.CampaignID)
	}
	if err != nil {
		return delivery.Outgoing{}, fmt.Errorf("webhook: render delivery %d: %w", d.ID, err)
	}
	ep, err := r.store.WebhookEndpointOf(ctx, d.ID)
	if errors.Is(err, ErrNotFound) || err == nil && !ep.DisabledAt.IsZero() {
		return delivery.Outgoing{}, fmt.Errorf("%w: the endpoint was removed", delivery.ErrSkip)
	}
	if err != nil {
		return delivery.Outgoing{}, fmt.Errorf("webhook: render delivery %d: %w", d.ID, err)
	}
	if !ep.Wants(ev.Name) {
		return delivery.Outgoing{}, fmt.Errorf("%w: the endpoint no longer subscribes to %s", delivery.ErrSkip, ev.Name)
	}
	payload, err := json.Marshal(body{ID: ev.ID, Event: ev.Name, CreatedAt: ev.CreatedAt, Data: ev.Payload})
	if err != nil {
		return delivery.Outgoing{}, fmt.Errorf("webhook: render delivery %d: %w", d.ID, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %s\r\n", HeaderEvent, ev.Name)
	fmt.Fprintf(&b, "%s: %d\r\n", HeaderDelivery, d.ID)
	fmt.Fprintf(&b, "%s: %s\r\n\r\n", HeaderSignature, Sign(ep.Secret, r.now(), payload))
	b.Write(payload)
	return delivery.Outgoing{To: ep.URL, Data: b.Bytes()}, nil
}

// Sign returns the Herald-Signature value for body sent at t:
// "t=UNIX,v1=HEX" where HEX is HMAC-SHA256 with the endpoint's secret over
// the decimal time, a dot and the body. Signing the time lets receivers
// refuse old requests replayed.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// splitRequest takes apart what Render wrote.
func splitRequest(data []byte) (textproto.MIMEHeader, []byte, error) {
	br := bufio.NewReader(bytes.NewReader(data))
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return nil, nil, fmt.Errorf("webhook: rendered request has no header: %w", err)
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		return nil, nil, err
	}
	return h, rest, nil
}
