package mail

import (
	"bytes"
	"context"
	netmail "net/mail"
	"time"
)

// OutboxMessage is a message kept by the Outbox instead of being sent.
type OutboxMessage struct {
	ID        int64
	From, To  string // envelope addresses
	Subject   string // decoded, for listing
	Data      []byte // the message exactly as it would have gone out
	CreatedAt time.Time
}

// OutboxStore keeps outbox messages; the store packages implement it.
type OutboxStore interface {
	// AddOutboxMessage stores m and returns its new ID.
	AddOutboxMessage(ctx context.Context, m OutboxMessage) (int64, error)
}

// Outbox is the mail catcher used when no SMTP server is configured: it
// has the same Send method as the SMTP sender, so campaigns and signup
// confirmations can be tried end to end without mailing anyone.
type Outbox struct {
	store OutboxStore
	now   func() time.Time
}

// NewOutbox returns an Outbox that stores into store and stamps messages
// with now.
func NewOutbox(store OutboxStore, now func() time.Time) *Outbox {
	return &Outbox{store: store, now: now}
}

// Send stores data as a message from one envelope address to another. Data
// that does not parse is stored all the same, with an empty subject, since
// a catcher that drops odd messages would hide the bug that made them.
// A store failure is returned as a temporary *SendError, as a server
// failure would be, so the delivery engine retries it.
func (o *Outbox) Send(ctx context.Context, from, to string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return &SendError{Text: err.Error(), Temporary: true, Err: err}
	}
	m := OutboxMessage{
		From:      from,
		To:        to,
		Subject:   subjectOf(data),
		Data:      bytes.Clone(data), // the caller may reuse its buffer
		CreatedAt: o.now(),
	}
	if _, err := o.store.AddOutboxMessage(ctx, m); err != nil {
		return &SendError{Text: "outbox: " + err.Error(), Temporary: true, Err: err}
	}
	return nil
}

// subjectOf reads only the header, which is all the list page needs.
func subjectOf(data []byte) string {
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	return decodeHeader(msg.Header.Get("Subject"))
}
