package smtp

import (
	"context"
	"errors"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"herald/internal/mail"
)

// sendBatch sends msgs and returns each one's reported outcome.
func sendBatch(t *testing.T, s *Sender, msgs []mail.Envelope) []error {
	t.Helper()
	got := make([]error, len(msgs))
	seen := make([]bool, len(msgs))
	s.SendBatch(context.Background(), msgs, func(i int, err error) {
		if seen[i] {
			t.Errorf("message %d reported twice", i)
		}
		seen[i], got[i] = true, err
	})
	for i, ok := range seen {
		if !ok {
			t.Errorf("message %d never reported", i)
		}
	}
	return got
}

func batchOf(t *testing.T, to ...string) []mail.Envelope {
	var msgs []mail.Envelope
	for i, a := range to {
		msgs = append(msgs, mail.Envelope{From: "b@example.com", To: a, Data: testMessage(t, i)})
	}
	return msgs
}

func TestSendBatchOverOneConnection(t *testing.T) {
	ts := startServer(t, serverOptions{})
	s := newSender(t, ts.config())
	msgs := batchOf(t, "a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org")
	for i, err := range sendBatch(t, s, msgs) {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	got := ts.received()
	if len(got) != len(msgs) {
		t.Fatalf("server received %d messages, want %d", len(got), len(msgs))
	}
	for i, r := range got {
		if r.To != msgs[i].To || string(r.Data) != string(msgs[i].Data) {
			t.Errorf("message %d arrived as to %s with %d bytes, want to %s with the %d bytes sent (dot-stuffing undone)", i, r.To, len(r.Data), msgs[i].To, len(msgs[i].Data))
		}
	}
	if accepted, _ := ts.counts(); accepted != 1 {
		t.Errorf("server accepted %d connections, want 1", accepted)
	}
}

func TestSendBatchRefusalsAreEachMessagesOwn(t *testing.T) {
	ts := startServer(t, serverOptions{
		rcpt: func(to string) error {
			if to == "gone@example.org" {
				return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
			}
			return nil
		},
		data: func(c *gosmtp.Conn) error { return nil },
	})
	s := newSender(t, ts.config())
	msgs := batchOf(t, "a@example.org", "gone@example.org", "c@example.org")
	msgs = append(msgs, mail.Envelope{From: "b@example.com", To: "bad address@example.org", Data: testMessage(t, 9)})
	got := sendBatch(t, s, msgs)
	if got[0] != nil || got[2] != nil {
		t.Errorf("outcomes of the good messages = %v, %v; want nil", got[0], got[2])
	}
	if se := asSendError(t, got[1]); se.Code != 550 || !se.HardBounce() {
		t.Errorf("outcome for a refused recipient = %+v, want a 550 hard bounce", se)
	}
	if se := asSendError(t, got[3]); se.Temporary || se.Code != 0 {
		t.Errorf("outcome for an envelope with a space = %+v, want a permanent error without a server reply", se)
	}
	if n := len(ts.received()); n != 2 {
		t.Errorf("server received %d messages, want 2", n)
	}
	if accepted, _ := ts.counts(); accepted != 1 {
		t.Errorf("server accepted %d connections, want 1: a refusal keeps the session", accepted)
	}
}

func TestSendBatchConnectionLostMidway(t *testing.T) {
	n := 0
	ts := startServer(t, serverOptions{data: func(c *gosmtp.Conn) error {
		if n++; n == 2 {
			c.Conn().Close()
		}
		return nil
	}})
	s := newSender(t, ts.config())
	got := sendBatch(t, s, batchOf(t, "a@example.org", "b@example.org", "c@example.org", "d@example.org"))
	if got[0] != nil {
		t.Errorf("first message: %v, want delivered", got[0])
	}
	if se := asSendError(t, got[1]); !se.Temporary || errors.Is(got[1], mail.ErrNotSent) {
		t.Errorf("message whose answer was lost = %v, want a temporary failure", got[1])
	}
	for i := 2; i < 4; i++ {
		if !errors.Is(got[i], mail.ErrNotSent) {
			t.Errorf("message %d after the connection dropped = %v, want mail.ErrNotSent", i, got[i])
		}
	}
	// The sender recovers on a new connection.
	if err := s.Send(context.Background(), "b@example.com", "z@example.org", testMessage(t, 7)); err != nil {
		t.Errorf("Send after the drop: %v", err)
	}
}
