// Package smtptest runs a real SMTP server on loopback for tests: it speaks
// the protocol with github.com/emersion/go-smtp, keeps what it receives, and
// can be told to refuse or drop transactions to exercise retry paths.
package smtptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// Message is one accepted transaction.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Options shape the server's behaviour. Nil functions accept everything.
type Options struct {
	// Reply decides the answer to DATA; a non-nil error (use *gosmtp.SMTPError
	// for a coded answer) refuses the message.
	Reply func(from string, to []string, data []byte) error
	// Drop, when it returns true, closes the connection after DATA without
	// answering, as a crashing server would.
	Drop func(from string, to []string) bool
	// Discard counts accepted messages without keeping them, for
	// benchmarks that send more than memory should hold.
	Discard bool
}

// Server is a running SMTP server.
type Server struct {
	Addr string

	srv  *gosmtp.Server
	ln   net.Listener
	opts Options

	mu          sync.Mutex
	messages    []Message
	count       int
	received    map[string]int
	connections int
	arrived     chan struct{}
}

// Start listens on 127.0.0.1 on a free port.
func Start(opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: listen: %w", err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, opts: opts, arrived: make(chan struct{}, 1), received: map[string]int{}}
	s.srv = gosmtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 32 << 20
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	// Clients that vanish mid-session are what the tests provoke; the
	// server's complaints about them are noise.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the --smtp setting that sends to this server.
func (s *Server) URL() string { return "smtp://" + s.Addr }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Messages returns a copy of what has been accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Count is how many messages were accepted, kept or not.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Received returns how many messages each recipient was sent, kept or not.
func (s *Server) Received() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.received))
	for k, v := range s.received {
		out[k] = v
	}
	return out
}

// Connections counts the connections opened so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Wait returns once at least n messages have arrived in all, or fails
// after timeout.
func (s *Server) Wait(n int, timeout time.Duration) ([]Message, error) {
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m, nil
		}
		select {
		case <-s.arrived:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			m := s.Messages()
			return m, fmt.Errorf("smtptest: %d messages after %s, want %d", len(m), timeout, n)
		}
	}
}

// WaitFor returns the first message to rcpt that satisfies match, waiting
// up to timeout for it.
func (s *Server) WaitFor(rcpt string, match func(Message) bool, timeout time.Duration) (Message, error) {
	deadline := time.After(timeout)
	for {
		for _, m := range s.Messages() {
			for _, to := range m.To {
				if to == rcpt && (match == nil || match(m)) {
					return m, nil
				}
			}
		}
		select {
		case <-s.arrived:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			return Message{}, fmt.Errorf("smtptest: no matching message to %s after %s", rcpt, timeout)
		}
	}
}

// NewSession implements gosmtp.Backend.
func (s *Server) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	s.mu.Lock()
	s.connections++
	s.mu.Unlock()
	return &session{srv: s, conn: c}, nil
}

type session struct {
	srv  *Server
	conn *gosmtp.Conn
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *gosmtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

// errDropped makes go-smtp close the connection without an answer.
var errDropped = errors.New("connection dropped on purpose")

func (x *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if x.srv.opts.Drop != nil && x.srv.opts.Drop(x.from, x.to) {
		x.conn.Conn().Close()
		return errDropped
	}
	if x.srv.opts.Reply != nil {
		if err := x.srv.opts.Reply(x.from, x.to, data); err != nil {
			return err
		}
	}
	x.srv.mu.Lock()
	x.srv.count++
	for _, to := range x.to {
		x.srv.received[to]++
	}
	if !x.srv.opts.Discard {
		x.srv.messages = append(x.srv.messages, Message{From: x.from, To: append([]string(nil), x.to...), Data: bytes.Clone(data)})
	}
	x.srv.mu.Unlock()
	select {
	case x.srv.arrived <- struct{}{}:
	default:
	}
	return nil
}
