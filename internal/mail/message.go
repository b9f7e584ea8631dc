// Package mail builds the messages Herald sends: RFC 5322 headers, text and
// HTML parts, DKIM signatures. It talks to no network; the smtp subpackage
// does that.
package mail

import (
	"errors"
	"fmt"
	"time"
)

// Address is a mailbox with an optional display name.
type Address struct {
	Name  string
	Email string
}

// Header is an extra header field such as List-Unsubscribe.
type Header struct {
	Name  string
	Value string
}

// Message is one email before it is encoded.
type Message struct {
	From      Address
	To        Address
	ReplyTo   Address // optional
	Subject   string
	Text      string // plain-text part, required
	HTML      string // HTML part, optional
	MessageID string // without angle brackets; stable across retries
	Date      time.Time
	Headers   []Header
}

// SendError is a failed SMTP transaction, with the server's answer when there
// was one. Temporary errors (4xx codes, dropped or refused connections) are
// worth retrying; permanent ones (5xx) are not.
type SendError struct {
	Code      int    // SMTP reply code, 0 when the connection failed
	Enhanced  string // enhanced status code such as "5.1.1", when given
	Text      string // the server's words or the connection error
	Temporary bool
	Err       error // the underlying error when there was no reply, such as context.Canceled
	// RetryAfter is how long the receiver asked to be left alone before
	// the next try (an HTTP Retry-After), 0 when it did not say.
	RetryAfter time.Duration
}

// Error formats the failure as the server gave it, for logs and reports.
func (e *SendError) Error() string {
	if e.Code == 0 {
		return "smtp: " + e.Text
	}
	if e.Enhanced != "" {
		return fmt.Sprintf("smtp: %d %s %s", e.Code, e.Enhanced, e.Text)
	}
	return fmt.Sprintf("smtp: %d %s", e.Code, e.Text)
}

// Unwrap lets errors.Is see the cause of a failed connection, so a cancelled
// send can be told apart from an unreachable server.
func (e *SendError) Unwrap() error { return e.Err }

// HardBounce reports whether the server said the mailbox does not exist or
// cannot take mail (enhanced status 5.1.x), which suppresses the address.
func (e *SendError) HardBounce() bool {
	if e.Temporary || len(e.Enhanced) < 5 || e.Enhanced[:4] != "5.1." {
		return false
	}
	// 5.1.7 and 5.1.8 are about our own sender address: a configuration
	// fault, not a sign that the subscriber's mailbox is gone.
	return e.Enhanced != "5.1.7" && e.Enhanced != "5.1.8"
}

// Envelope is one message ready for the wire, with its envelope sender and
// recipient.
type Envelope struct {
	From, To string
	Data     []byte
}

// ErrNotSent is reported for a message of a batch that was never started,
// because the connection failed on an earlier one: it may go again at once.
var ErrNotSent = errors.New("not sent: the connection failed before this message")
