package mail

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

type memOutbox struct {
	msgs []OutboxMessage
	err  error
}

func (s *memOutbox) AddOutboxMessage(ctx context.Context, m OutboxMessage) (int64, error) {
	if s.err != nil {
		return 0, s.err
	}
	m.ID = int64(len(s.msgs) + 1)
	s.msgs = append(s.msgs, m)
	return m.ID, nil
}

func TestOutboxSend(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	store := &memOutbox{}
	o := NewOutbox(store, func() time.Time { return now })
	raw, err := Build(sampleMessage())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	buf := bytes.Clone(raw)
	if err := o.Send(context.Background(), "bounce@example.com", "zoe@example.org", buf); err != nil {
		t.Fatalf("Send: %v", err)
	}
	buf[0] = 'X' // the outbox must have kept its own copy
	if err := o.Send(context.Background(), "a@example.com", "b@example.org", []byte("not a message")); err != nil {
		t.Fatalf("Send(unparseable data): %v", err)
	}
	if len(store.msgs) != 2 {
		t.Fatalf("store has %d messages, want 2", len(store.msgs))
	}
	got := store.msgs[0]
	want := OutboxMessage{ID: 1, From: "bounce@example.com", To: "zoe@example.org",
		Subject: "Weekly digest: ünïcode & more", Data: raw, CreatedAt: now}
	if got.ID != want.ID || got.From != want.From || got.To != want.To || got.Subject != want.Subject ||
		!got.CreatedAt.Equal(want.CreatedAt) || !bytes.Equal(got.Data, want.Data) {
		t.Errorf("stored %+v\nwant %+v", got, want)
	}
	if s := store.msgs[1].Subject; s != "" {
		t.Errorf("unparseable message stored with subject %q, want empty", s)
	}
}

func TestOutboxSendErrors(t *testing.T) {
	broken := errors.New("disk full")
	o := NewOutbox(&memOutbox{err: broken}, time.Now)
	err := o.Send(context.Background(), "a@example.com", "b@example.org", []byte("Subject: x\r\n\r\nx"))
	var se *SendError
	if !errors.As(err, &se) || !se.Temporary || !errors.Is(err, broken) {
		t.Errorf("Send with a failing store = %v, want a temporary *SendError wrapping %v", err, broken)
	}

	store := &memOutbox{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = NewOutbox(store, time.Now).Send(ctx, "a@example.com", "b@example.org", []byte("Subject: x\r\n\r\nx"))
	if !errors.Is(err, context.Canceled) || len(store.msgs) != 0 {
		t.Errorf("Send with a cancelled context = %v and stored %d, want context.Canceled and nothing", err, len(store.msgs))
	}
}
