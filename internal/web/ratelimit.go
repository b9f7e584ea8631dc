package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter allows each client address a few signups a minute. It keeps one
// token bucket per address in a bounded map: a bucket idle long enough to
// have refilled is the same as a new one, so it is dropped.
type limiter struct {
	every time.Duration // one signup's worth of refill
	burst int
	max   int
	idle  time.Duration

	mu        sync.Mutex
	clients   map[string]*client
	lastSweep time.Time
}

type client struct {
	bucket *rate.Limiter
	seen   time.Time
}

func newLimiter(perMinute, max int) *limiter {
	return &limiter{
		every:   time.Minute / time.Duration(perMinute),
		burst:   perMinute,
		max:     max,
		idle:    2 * time.Minute,
		clients: make(map[string]*client),
	}
}

// allow takes one signup from ip's bucket.
func (l *limiter) allow(_ context.Context, ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.clients[ip]
	if !ok {
		if len(l.clients) >= l.max {
			l.evict(now)
		}
		c = &client{bucket: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.clients[ip] = c
	}
	c.seen = now
	return c.bucket.AllowN(now, 1)
}

// evict makes room. Idle clients go first, at most once a minute so a flood
// of new addresses does not make every request scan the map; if that frees
// nothing, an arbitrary client loses its bucket, which only ever lets that
// one address send a little sooner.
func (l *limiter) evict(now time.Time) {
	if now.Sub(l.lastSweep) >= time.Minute {
		l.lastSweep = now
		for ip, c := range l.clients {
			if now.Sub(c.seen) > l.idle {
				delete(l.clients, ip)
			}
		}
	}
	for ip := range l.clients {
		if len(l.clients) < l.max {
			break
		}
		delete(l.clients, ip)
	}
}

// clientIP is the address the connection came from. Forwarding headers are
// not trusted here: whatever sits in front of this handler and knows its
// proxies is expected to have set RemoteAddr.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// network is what signups are counted by: the address for IPv4, the /64
// for IPv6, since one machine is commonly given a whole /64 and could
// otherwise take a fresh address for each signup.
func network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// signupLimiter decides whether a client address may sign up now.
type signupLimiter interface {
	allow(ctx context.Context, ip string, now time.Time) bool
}

// WindowCounter counts events per key in fixed windows, shared by every
// process on one database.
type WindowCounter interface {
	CountInWindow(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
}

// sharedLimiter allows perMinute signups per address per minute, counted in
// the database. When the database cannot count, the signup is allowed: the
// limit guards against floods, and refusing readers would be worse.
type sharedLimiter struct {
	counter   WindowCounter
	perMinute int
	log       *slog.Logger
}

func (l *sharedLimiter) allow(ctx context.Context, ip string, now time.Time) bool {
	n, err := l.counter.CountInWindow(ctx, "signup:"+ip, time.Minute, now)
	if err != nil {
		l.log.Warn("count signups", "err", err)
		return true
	}
	return n <= l.perMinute
}
