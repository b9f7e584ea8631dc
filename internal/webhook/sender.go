package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"herald/internal/mail"
)

// SenderConfig sets up a Sender. Zero fields take the defaults noted.
type SenderConfig struct {
	// AllowPrivate lets requests reach loopback and private addresses and
	// plain HTTP to loopback, for tests; never in production, where it
	// would let an endpoint probe the network Herald runs in.
	AllowPrivate bool
	Timeout      time.Duration // one request, connecting included; default 10 s
	MaxResponse  int64         // bytes of an answer read; default 64 KiB
	TLSConfig    *tls.Config   // nil: the system's roots
	UserAgent    string        // default "Herald-Webhooks/1"
}

// Sender posts rendered webhook requests; the engine uses it in place of the
// mail sender for Kind. It answers as a mail server would: nil for a 2xx
// answer, a temporary *mail.SendError for 408, 429, 5xx and network
// failures, so the engine retries, and a permanent one for anything else,
// redirects included, which are not followed.
type Sender struct {
	cfg    SenderConfig
	client *http.Client
}

// NewSender returns a Sender with its own connection pool. No proxy from
// the environment is used: a proxy would connect on Herald's behalf to
// addresses the sender never sees.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxResponse <= 0 {
		cfg.MaxResponse = 64 << 10
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Herald-Webhooks/1"
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	if !cfg.AllowPrivate {
		dialer.Control = refusePrivate
	}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSClientConfig:       cfg.TLSConfig,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	client := &http.Client{
		Transport:     tr,
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Sender{cfg: cfg, client: client}
}

// Close lets go of idle connections.
func (s *Sender) Close() { s.client.CloseIdleConnections() }

// blockedError is a connection refused because its address is not public.
type blockedError struct{ addr string }

func (e *blockedError) Error() string {
	return "refused to connect to " + e.addr + ": not a public internet address"
}

// refusePrivate runs after the name is resolved and before each connection
// is made, so it judges the very address connected to: a name that
// resolves to an internal address, at creation or by rebinding later, is
// refused all the same.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &blockedError{address}
	}
	if !publicAddr(ap.Addr()) {
		return &blockedError{address}
	}
	return nil
}

// Send posts the request Render wrote in data to the URL to; from is unused.
func (s *Sender) Send(ctx context.Context, from, to string, data []byte) error {
	u, err := url.Parse(to)
	if err != nil || !(u.Scheme == "https" || u.Scheme == "http" && s.cfg.AllowPrivate) {
		return &mail.SendError{Text: "webhook: the endpoint URL is not https"}
	}
	head, body, err := splitRequest(data)
	if err != nil {
		return &mail.SendError{Text: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(body))
	if err != nil {
		return &mail.SendError{Text: "webhook: " + err.Error()}
	}
	for k, vs := range head {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.cfg.UserAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		var be *blockedError
		if errors.As(err, &be) {
			return &mail.SendError{Text: "webhook: " + be.Error(), Err: err}
		}
		// The ledger and the log get the cause without the URL, which
		// may hold the receiver's token.
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err
		}
		return &mail.SendError{Text: "webhook: " + cause.Error(), Temporary: true, Err: err}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxResponse))
	code := resp.StatusCode
	if code >= 200 && code <= 299 {
		return nil
	}
	text := fmt.Sprintf("webhook: HTTP %d", code)
	if snippet := firstLine(answer, 200); snippet != "" {
		text += ": " + snippet
	}
	temporary := code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
	se := &mail.SendError{Code: code, Text: text, Temporary: temporary}
	if temporary {
		se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return se
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date,
// as a wait from now; 0 for none, a date past or a value not understood.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		// Anything beyond a day is as good as a day: the engine caps
		// its waits far below that anyway.
		return time.Duration(min(n, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour)
	}
	return 0
}

// firstLine returns the start of a response body fit for the ledger: one
// line of valid UTF-8, at most n bytes.
func firstLine(b []byte, n int) string {
	s := strings.ToValidUTF8(string(b), "")
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	return strings.TrimSpace(s)
}
