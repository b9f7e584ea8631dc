package smtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"herald/internal/mail"
)

// testMessage is a real built message, with a line that needs dot-stuffing.
func testMessage(t *testing.T, n int) []byte {
	t.Helper()
	raw, err := mail.Build(&mail.Message{
		From:      mail.Address{Name: "Gazette", Email: "news@example.com"},
		To:        mail.Address{Email: "zoe@example.org"},
		Subject:   fmt.Sprintf("Issue %d", n),
		Text:      "Hello.\n.\n..two dots\nBye.\n",
		MessageID: fmt.Sprintf("m%d@example.com", n),
		Date:      time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return raw
}

func newSender(t *testing.T, cfg Config) *Sender {
	t.Helper()
	s := New(cfg, nil)
	t.Cleanup(func() { s.Close() })
	return s
}

// asSendError fails the test unless err is a *mail.SendError.
func asSendError(t *testing.T, err error) *mail.SendError {
	t.Helper()
	var se *mail.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error = %#v (%v), want a *mail.SendError", err, err)
	}
	return se
}

func TestSendPlain(t *testing.T) {
	ts := startServer(t, serverOptions{})
	s := newSender(t, ts.config())
	data := testMessage(t, 1)
	if err := s.Send(context.Background(), "bounce@example.com", "zoe@example.org", data); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := ts.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	if got[0].From != "bounce@example.com" || got[0].To != "zoe@example.org" || got[0].TLS {
		t.Errorf("server got from %q to %q (TLS %v), want bounce@example.com to zoe@example.org in the clear",
			got[0].From, got[0].To, got[0].TLS)
	}
	if !bytes.Equal(got[0].Data, data) {
		t.Errorf("server got data\n%q\nwant\n%q", got[0].Data, data)
	}
}

func TestSendReusesConnections(t *testing.T) {
	ts := startServer(t, serverOptions{})
	s := newSender(t, ts.config())
	for i := range 5 {
		if err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, i)); err != nil {
			t.Fatalf("Send #%d: %v", i, err)
		}
	}
	if accepted, _ := ts.counts(); accepted != 1 || len(ts.received()) != 5 {
		t.Errorf("5 sequential sends: server accepted %d connections and got %d messages, want 1 and 5",
			accepted, len(ts.received()))
	}
}

func TestSendConcurrentPoolLimit(t *testing.T) {
	ts := startServer(t, serverOptions{})
	cfg := ts.config()
	cfg.Connections = 2
	s := newSender(t, cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() { errs <- s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, i)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Send: %v", err)
		}
	}
	if accepted, _ := ts.counts(); accepted > 2 || len(ts.received()) != 40 {
		t.Errorf("40 sends on 2 connections: server accepted %d connections and got %d messages, want at most 2 and 40",
			accepted, len(ts.received()))
	}
}

func TestSendTLS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		server  serverOptions
		mode    TLSMode
		wantTLS bool
	}{
		{"opportunistic, offered", serverOptions{startTLS: true}, TLSOpportunistic, true},
		{"opportunistic, not offered", serverOptions{}, TLSOpportunistic, false},
		{"required, offered", serverOptions{startTLS: true}, TLSRequired, true},
		{"implicit", serverOptions{implicit: true}, TLSImplicit, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.server)
			cfg := ts.config()
			cfg.TLS = tc.mode
			s := newSender(t, cfg)
			for i := range 2 {
				if err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, i)); err != nil {
					t.Fatalf("Send #%d: %v", i, err)
				}
			}
			got := ts.received()
			if len(got) != 2 || got[0].TLS != tc.wantTLS || got[1].TLS != tc.wantTLS {
				t.Fatalf("server got %d messages (TLS %v), want 2 with TLS %v", len(got), got, tc.wantTLS)
			}
			if accepted, _ := ts.counts(); accepted != 1 {
				t.Errorf("server accepted %d connections, want 1", accepted)
			}
		})
	}
}

func TestSendTLSRequiredWithoutStartTLS(t *testing.T) {
	ts := startServer(t, serverOptions{})
	cfg := ts.config()
	cfg.TLS = TLSRequired
	s := newSender(t, cfg)
	err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1))
	if se := asSendError(t, err); !se.Temporary {
		t.Errorf("Send with starttls=required to a server without it = %v, want a temporary error", err)
	}
	if n := len(ts.received()); n != 0 {
		t.Errorf("server received %d messages, want none", n)
	}
}

func TestSendUntrustedCertificate(t *testing.T) {
	ts := startServer(t, serverOptions{startTLS: true})
	cfg := ts.config()
	cfg.TLSConfig = nil // the system roots do not know the test certificate
	s := newSender(t, cfg)
	err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1))
	if se := asSendError(t, err); !se.Temporary || len(ts.received()) != 0 {
		t.Errorf("Send to a server with an untrusted certificate = %v, delivered %d; want a temporary error, nothing sent",
			err, len(ts.received()))
	}
}

func TestSendAuth(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server serverOptions
		pass   string
		ok     bool
	}{
		{"PLAIN over STARTTLS", serverOptions{startTLS: true, mechs: []string{"PLAIN", "LOGIN"}}, testPassword, true},
		{"PLAIN over smtps", serverOptions{implicit: true, mechs: []string{"PLAIN"}}, testPassword, true},
		{"LOGIN in the clear on loopback", serverOptions{mechs: []string{"LOGIN"}}, testPassword, true},
		{"wrong password", serverOptions{startTLS: true, mechs: []string{"PLAIN"}}, "guess", false},
		{"no usable mechanism", serverOptions{startTLS: true, mechs: []string{"CRAM-MD5"}}, testPassword, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.server)
			cfg := ts.config()
			cfg.Username, cfg.Password = testUser, tc.pass
			s := newSender(t, cfg)
			err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1))
			got := ts.received()
			if tc.ok {
				if err != nil || len(got) != 1 || got[0].User != testUser {
					t.Fatalf("Send = %v, server got %v; want delivered as %q", err, got, testUser)
				}
				return
			}
			// A login failure is about the account, not the recipient, so
			// it must not fail the message for good.
			if se := asSendError(t, err); !se.Temporary || len(got) != 0 {
				t.Errorf("Send = %v (temporary %v), delivered %d; want a temporary error and nothing sent",
					err, se.Temporary, len(got))
			}
		})
	}
}

func TestSendAuthRefusedInClear(t *testing.T) {
	ip := nonLoopbackIP(t)
	ts := startServer(t, serverOptions{mechs: []string{"PLAIN"}, listen: net.JoinHostPort(ip, "0")})
	cfg := ts.config()
	cfg.Username, cfg.Password = testUser, testPassword
	s := newSender(t, cfg)
	err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1))
	if se := asSendError(t, err); !se.Temporary || len(ts.received()) != 0 {
		t.Errorf("Send with a password, no TLS, to %s = %v; want a refusal and nothing sent", ip, err)
	}
}

// nonLoopbackIP returns an address of this host other than loopback, to
// check that passwords are not sent in the clear off the host.
func nonLoopbackIP(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skipf("no interface addresses: %v", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("this host has no non-loopback IPv4 address")
	return ""
}

func TestSendReplies(t *testing.T) {
	for _, tc := range []struct {
		name                string
		reply               *gosmtp.SMTPError
		temporary, hard     bool
		wantEnhanced        string
		connectionsAfterTwo int // a 421 closes the session; other replies keep it
	}{
		{"421", &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 3, 2}, Message: "Shutting down"}, true, false, "4.3.2", 2},
		{"451", &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Try later"}, true, false, "4.3.0", 1},
		{"550 5.1.1", &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}, false, true, "5.1.1", 1},
		{"552 5.3.4", &gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 3, 4}, Message: "Too big"}, false, false, "5.3.4", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, serverOptions{rcpt: func(to string) error {
				if to == "bad@example.org" {
					return tc.reply
				}
				return nil
			}})
			s := newSender(t, ts.config())
			err := s.Send(context.Background(), "b@example.com", "bad@example.org", testMessage(t, 1))
			se := asSendError(t, err)
			if se.Code != tc.reply.Code || se.Enhanced != tc.wantEnhanced || se.Temporary != tc.temporary ||
				se.HardBounce() != tc.hard || se.Text != tc.reply.Message {
				t.Errorf("Send to a recipient answered %d = %+v, want code %d, enhanced %s, temporary %v, hard bounce %v",
					tc.reply.Code, se, tc.reply.Code, tc.wantEnhanced, tc.temporary, tc.hard)
			}
			// The next message goes through, on the same session after RSET.
			if err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 2)); err != nil {
				t.Fatalf("Send after a refused one: %v", err)
			}
			if accepted, _ := ts.counts(); accepted != tc.connectionsAfterTwo || len(ts.received()) != 1 {
				t.Errorf("server accepted %d connections and got %d messages, want %d and 1",
					accepted, len(ts.received()), tc.connectionsAfterTwo)
			}
		})
	}
}

func TestSendDroppedAfterData(t *testing.T) {
	drop := true
	ts := startServer(t, serverOptions{data: func(c *gosmtp.Conn) error {
		if drop {
			drop = false
			c.Conn().Close()
		}
		return nil
	}})
	s := newSender(t, ts.config())
	err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1))
	if se := asSendError(t, err); !se.Temporary || se.Code != 0 {
		t.Errorf("Send to a server that hangs up after DATA = %+v, want temporary with code 0", se)
	}
	if err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 2)); err != nil {
		t.Fatalf("Send after the drop: %v", err)
	}
	if accepted, _ := ts.counts(); accepted != 2 {
		t.Errorf("server accepted %d connections, want 2 (the broken one is not reused)", accepted)
	}
}

func TestSendReconnectsDeadPooledConnection(t *testing.T) {
	ts := startServer(t, serverOptions{})
	s := newSender(t, ts.config())
	if err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 1)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	ts.dropAll()
	ts.waitOpen(t, 0)
	if err := s.Send(context.Background(), "b@example.com", "zoe@example.org", testMessage(t, 2)); err != nil {
		t.Fatalf("Send after the server closed the pooled connection: %v", err)
	}
	if accepted, _ := ts.counts(); accepted != 2 || len(ts.received()) != 2 {
		t.Errorf("server accepted %d connections and got %d messages, want 2 and 2", accepted, len(ts.received()))
	}
}
