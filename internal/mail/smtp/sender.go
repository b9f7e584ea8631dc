package smtp

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"herald/internal/mail"
)

// Sender sends messages through one server. It keeps up to
// Config.Connections sessions open and reuses them, because greeting,
// TLS and AUTH cost several round trips, far more than one message.
// It is safe for concurrent use; each session serves one Send at a time.
type Sender struct {
	cfg    Config
	logger *slog.Logger
	slots  chan struct{} // one per connection that may be open or opening

	mu     sync.Mutex
	idle   []*conn // most recently used last, so extra ones age out
	closed bool
}

// New returns a Sender for cfg. It connects only when there is something
// to send. logger may be nil.
func New(cfg Config, logger *slog.Logger) *Sender {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{
		cfg:    cfg,
		logger: logger.With("smtp_server", cfg.addr()),
		slots:  make(chan struct{}, cfg.Connections),
	}
}

// Send delivers data, a complete message, from the envelope sender to one
// recipient. It waits for a free connection, reusing an idle one or
// dialling a new one; a pooled connection that turns out to be dead is
// replaced once, since nothing was sent on it.
//
// Every failure is a *mail.SendError. When ctx ends, Send gives up at once
// (closing the connection in use) and the error wraps ctx.Err().
func (s *Sender) Send(ctx context.Context, from, to string, data []byte) error {
	var err error
	s.SendBatch(ctx, []mail.Envelope{{From: from, To: to, Data: data}}, func(_ int, e error) { err = e })
	return err
}

// checkEnvelope refuses addresses that would break the SMTP command line
// or need SMTPUTF8, before any connection is used. From may be empty: the
// null sender, for messages that must not bounce.
func checkEnvelope(from, to string, data []byte) error {
	for _, a := range []string{from, to} {
		for i := 0; i < len(a); i++ {
			if c := a[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
				return &mail.SendError{Text: fmt.Sprintf("envelope address %q has a space, bracket or non-ASCII character", a)}
			}
		}
	}
	if to == "" {
		return &mail.SendError{Text: "no envelope recipient"}
	}
	if len(data) == 0 {
		return &mail.SendError{Text: "empty message"}
	}
	return nil
}

// get takes the most recently used idle connection, or dials a new one.
func (s *Sender) get(ctx context.Context) (cn *conn, reused bool, err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, false, &mail.SendError{Text: "sender for " + s.cfg.addr() + " is closed", Temporary: true}
	}
	if n := len(s.idle); n > 0 {
		cn = s.idle[n-1]
		s.idle = s.idle[:n-1]
		cn.idle.Stop()
		s.mu.Unlock()
		return cn, true, nil
	}
	s.mu.Unlock()
	start := time.Now()
	cn, err = dial(ctx, s.cfg)
	if err != nil {
		return nil, false, err
	}
	s.logger.Debug("connected", "tls", cn.tls, "took", time.Since(start))
	return cn, false, nil
}

// put returns a healthy connection to the pool, arming its idle timer.
func (s *Sender) put(cn *conn) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cn.quit(s.cfg.Timeout)
		return
	}
	cn.gen++
	gen := cn.gen
	cn.idle = time.AfterFunc(s.cfg.IdleTimeout, func() { s.expire(cn, gen) })
	s.idle = append(s.idle, cn)
	s.mu.Unlock()
}

// expire closes a connection left idle too long. gen tells a timer that
// fired late, after the connection was taken and put back, from the
// current one.
func (s *Sender) expire(cn *conn, gen uint64) {
	s.mu.Lock()
	i := slices.Index(s.idle, cn)
	if i < 0 || cn.gen != gen {
		s.mu.Unlock()
		return
	}
	s.idle = slices.Delete(s.idle, i, i+1)
	s.mu.Unlock()
	cn.quit(s.cfg.Timeout)
	s.logger.Debug("closed idle connection")
}

// Close says QUIT on the idle connections and closes them. Connections in
// use are closed when their Send ends; later Sends fail.
func (s *Sender) Close() error {
	s.mu.Lock()
	s.closed = true
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, cn := range idle {
		cn.idle.Stop()
		cn.quit(s.cfg.Timeout)
	}
	return nil
}
