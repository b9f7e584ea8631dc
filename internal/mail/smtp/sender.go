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
	if err := checkEnvelope(from, to, data); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return sendError(ctx, stageSession, s.cfg.addr(), ctx.Err())
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return sendError(ctx, stageSession, s.cfg.addr(), ctx.Err())
	}
	for {
		cn, reused, err := s.get(ctx)
		if err != nil {
			return sendError(ctx, stageSession, s.cfg.addr(), err)
		}
		stop := context.AfterFunc(ctx, func() { cn.raw.Close() })
		st, err := cn.send(s.cfg, from, to, data)
		// A session survives a refused transaction once RSET succeeds; a
		// network error or 421 ends it, and so does cancellation.
		usable := err == nil || !brokenConn(err) && cn.reset() == nil
		if !stop() {
			usable = false
		}
		if usable {
			s.put(cn)
		} else {
			cn.raw.Close()
		}
		if err == nil {
			return nil
		}
		if reused && st == stageMail && brokenConn(err) && ctx.Err() == nil {
			s.logger.Debug("pooled connection was closed by the server; reconnecting", "err", err)
			continue
		}
		return sendError(ctx, st, s.cfg.addr(), err)
	}
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
