package delivery_test

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"herald/internal/delivery"
	"herald/internal/mail/smtp"
	"herald/internal/smtptest"
)

// logBuffer is a log that a test may read while the engine writes it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestEngineLogsWhyADeliveryIsDeferred sends to a closed port until the
// engine gives up: each retry and the final failure say why, and none
// holds the password in the SMTP URL.
func TestEngineLogsWhyADeliveryIsDeferred(t *testing.T) {
	// A port nothing listens on: the connection is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := smtp.ParseURL("smtp://herald:s3cret-pass@" + addr)
	if err != nil {
		t.Fatal(err)
	}
	sender := smtp.New(cfg, nil)
	t.Cleanup(func() { sender.Close() })

	f := setup(t, smtptest.Options{}, "reader@example.com")
	var log logBuffer
	e := f.engine(t, func(c *delivery.Config) {
		c.Sender = sender
		c.Logger = slog.New(slog.NewTextHandler(&log, nil))
		c.RetryMaxAge = 10 * time.Millisecond
	})
	runUntil(t, e, func() bool { return strings.Contains(log.String(), "delivery failed") })
	got := log.String()
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if strings.Contains(line, "msg=\"delivery ") && !strings.Contains(line, "connection refused") {
			t.Errorf("log line of a delivery to a closed port does not say the connection was refused: %s", line)
		}
	}
	if !strings.Contains(got, "delivery deferred") || !strings.Contains(got, "gave up after") {
		t.Errorf("log lacks a deferred delivery or the one given up:\n%s", got)
	}
	if strings.Contains(got, "s3cret-pass") {
		t.Errorf("log holds the SMTP password:\n%s", got)
	}
}

func TestEngineLogsWhyADeliveryFailed(t *testing.T) {
	opts := smtptest.Options{Reply: func(string, []string, []byte) error {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
	}}
	f := setup(t, opts, "gone@example.com")
	var log logBuffer
	e := f.engine(t, func(c *delivery.Config) { c.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
	runUntil(t, e, func() bool { return strings.Contains(log.String(), "delivery failed") })
	if got := log.String(); !strings.Contains(got, "no such user here") {
		t.Errorf("log of a refused delivery lacks the server's words %q:\n%s", "no such user here", got)
	}
}
