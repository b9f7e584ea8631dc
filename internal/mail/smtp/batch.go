package smtp

import (
	"context"

	"herald/internal/mail"
)

// SendBatch sends several messages in order over one connection and calls
// report with each one's outcome as soon as the server has answered it.
// When the server offers PIPELINING, each message's content goes out in
// the same write as the next one's envelope, so a message costs one write
// and one read instead of two of each. Every failure is a *mail.SendError,
// except for messages never started because the connection failed on an
// earlier one: those get mail.ErrNotSent and may go again at once.
func (s *Sender) SendBatch(ctx context.Context, msgs []mail.Envelope, report func(i int, err error)) {
	// Bad envelopes are answered at once and left out.
	idx := make([]int, 0, len(msgs))
	good := make([]mail.Envelope, 0, len(msgs))
	for i, m := range msgs {
		if err := checkEnvelope(m.From, m.To, m.Data); err != nil {
			report(i, err)
			continue
		}
		idx = append(idx, i)
		good = append(good, m)
	}
	if len(good) == 0 {
		return
	}
	failAll := func(from int, err error) {
		for j := from; j < len(good); j++ {
			report(idx[j], err)
		}
	}
	if ctx.Err() != nil {
		failAll(0, sendError(ctx, stageSession, s.cfg.addr(), ctx.Err()))
		return
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		failAll(0, sendError(ctx, stageSession, s.cfg.addr(), ctx.Err()))
		return
	}
	next := 0 // the first message without an outcome
	retried := false
	for next < len(good) {
		cn, reused, err := s.get(ctx)
		if err != nil {
			failAll(next, sendError(ctx, stageSession, s.cfg.addr(), err))
			return
		}
		stop := context.AfterFunc(ctx, func() { cn.raw.Close() })
		start := next
		var broken bool
		var lastStage stage
		var lastErr error
		if cn.pipelining {
			var n int
			n, broken, lastStage, lastErr = cn.sendChain(s.cfg, good[next:], func(i int, st stage, err error) {
				if err != nil {
					report(idx[next+i], sendError(ctx, st, s.cfg.addr(), err))
				} else {
					report(idx[next+i], nil)
				}
			})
			next += n
		} else {
			lastStage, lastErr = cn.send(s.cfg, good[next].From, good[next].To, good[next].Data)
			broken = lastErr != nil && brokenConn(lastErr)
			if lastErr == nil || !broken {
				if lastErr != nil {
					report(idx[next], sendError(ctx, lastStage, s.cfg.addr(), lastErr))
				} else {
					report(idx[next], nil)
				}
				next++
			}
		}
		// A session survives a refused transaction once RSET succeeds; a
		// network error or 421 ends it, and so does cancellation.
		usable := !broken && (lastErr == nil || cn.reset() == nil)
		if !stop() {
			usable = false
		}
		if usable {
			s.put(cn)
		} else {
			cn.raw.Close()
		}
		if !broken {
			continue
		}
		if next == start && reused && lastStage == stageMail && !retried && ctx.Err() == nil {
			// The pooled connection was dead before anything was sent on it.
			s.logger.Debug("pooled connection was closed by the server; reconnecting", "err", lastErr)
			retried = true
			continue
		}
		if next == start {
			// The first message of this connection met the failure.
			report(idx[next], sendError(ctx, lastStage, s.cfg.addr(), lastErr))
			next++
		}
		for ; next < len(good); next++ {
			report(idx[next], mail.ErrNotSent)
		}
	}
}
