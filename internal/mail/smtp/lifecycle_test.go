package smtp

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// hangingServer answers DATA only when release is closed.
func hangingServer(t *testing.T) (*testServer, chan struct{}) {
	release := make(chan struct{})
	ts := startServer(t, serverOptions{data: func(*gosmtp.Conn) error {
		<-release
		return nil
	}})
	t.Cleanup(func() { close(release) })
	return ts, release
}

func TestSendContextCancelled(t *testing.T) {
	ts, _ := hangingServer(t)
	s := newSender(t, ts.config())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, "b@example.com", "zoe@example.org", testMessage(t, 1))
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Send took %v after its context ended, want it to stop at once", took)
	}
	se := asSendError(t, err)
	if !se.Temporary || se.Code != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send with an expiring context = %+v, want temporary, code 0, wrapping DeadlineExceeded", se)
	}
	s.mu.Lock()
	idle := len(s.idle)
	s.mu.Unlock()
	if idle != 0 {
		t.Errorf("pool keeps %d connections after an interrupted send, want 0", idle)
	}

	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := s.Send(done, "b@example.com", "zoe@example.org", testMessage(t, 2)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestSendWaitsForFreeConnection(t *testing.T) {
	ts, _ := hangingServer(t)
	cfg := ts.config()
	cfg.Connections = 1
	s := newSender(t, cfg)
	go s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1))
	// Wait until the first Send holds the only connection.
	deadline := time.Now().Add(5 * time.Second)
	for accepted, _ := ts.counts(); accepted == 0 && time.Now().Before(deadline); accepted, _ = ts.counts() {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.Send(ctx, "b@example.com", "zoe@example.org", testMessage(t, 2))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send while the only connection is busy = %v, want DeadlineExceeded", err)
	}
	if accepted, _ := ts.counts(); accepted != 1 {
		t.Errorf("server accepted %d connections, want 1 (Connections = 1)", accepted)
	}
}

func TestSendTimeout(t *testing.T) {
	// A server that accepts connections but never says a word.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cfg := Config{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, Timeout: 300 * time.Millisecond}
	s := newSender(t, cfg)
	start := time.Now()
	err = s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1))
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Send to a silent server took %v, want about the 300ms timeout", took)
	}
	if se := asSendError(t, err); !se.Temporary || se.Code != 0 {
		t.Errorf("Send to a silent server = %+v, want temporary with code 0", se)
	}
}

func TestSendDialFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	s := newSender(t, Config{Host: "127.0.0.1", Port: port, Timeout: time.Second})
	err = s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1))
	if se := asSendError(t, err); !se.Temporary || se.Code != 0 {
		t.Errorf("Send to a closed port = %+v, want temporary with code 0", se)
	}
}

func TestIdleConnectionsClosed(t *testing.T) {
	ts := startServer(t, serverOptions{})
	cfg := ts.config()
	cfg.IdleTimeout = 100 * time.Millisecond
	s := newSender(t, cfg)
	if err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	ts.waitOpen(t, 0)
	if err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 2)); err != nil {
		t.Fatalf("Send after the idle connection was closed: %v", err)
	}
	if accepted, _ := ts.counts(); accepted != 2 {
		t.Errorf("server accepted %d connections, want 2", accepted)
	}
}

func TestClose(t *testing.T) {
	ts := startServer(t, serverOptions{})
	s := New(ts.config(), nil)
	if err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, open := ts.counts(); open != 1 {
		t.Fatalf("server has %d connections open before Close, want 1", open)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	ts.waitOpen(t, 0)
	err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 2))
	if se := asSendError(t, err); !se.Temporary {
		t.Errorf("Send after Close = %v, want a temporary error", err)
	}
}

func TestSendRefusesBadEnvelope(t *testing.T) {
	s := newSender(t, Config{Host: "192.0.2.1", Port: 1}) // never dialled
	for _, tc := range []struct{ from, to string }{
		{"b@example.com", "zoe@example.org\r\nRCPT TO:<eve@example.com>"},
		{"b@example.com>", "zoe@example.org"},
		{"b@example.com", "zoë@example.org"},
		{"b@example.com", ""},
	} {
		err := s.Send(context.Background(), tc.from, tc.to, []byte("Subject: x\r\n\r\nx\r\n"))
		if se := asSendError(t, err); se.Temporary {
			t.Errorf("Send(from %q, to %q) = %v, want a permanent error", tc.from, tc.to, err)
		}
	}
	if err := s.Send(context.Background(), "", "zoe@example.org", nil); err == nil {
		t.Errorf("Send of an empty message succeeded, want an error")
	}
}
