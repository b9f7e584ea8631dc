package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"strings"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// MaxSize is the largest message Build produces. Many receiving servers
// refuse bigger ones, and a newsletter that large is a mistake.
const MaxSize = 10 << 20

// Build encodes m as a complete RFC 5322 message, CRLF line endings, ready
// for SMTP DATA or for signing. It refuses anything that could inject a
// header or produce a message a server would reject, rather than repair it.
//
// The parts are quoted-printable UTF-8, text/plain alone or followed by
// text/html in multipart/alternative. The extra Headers come first, in the
// order given; go-mail writes the rest. The output depends only on m (the
// multipart boundary is derived from the Message-ID), so retries and
// golden files see the same bytes.
func Build(m *Message) ([]byte, error) {
	if m == nil {
		return nil, errors.New("mail: build: nil message")
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("mail: build: %w", err)
	}

	msg := gomail.NewMsg(
		gomail.WithNoDefaultUserAgent(), // it would name the library
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingQP),
	)
	msg.FromMailAddress(&netmail.Address{Name: m.From.Name, Address: m.From.Email})
	msg.ToMailAddress(&netmail.Address{Name: m.To.Name, Address: m.To.Email})
	if m.ReplyTo.Email != "" {
		msg.ReplyToMailAddress(&netmail.Address{Name: m.ReplyTo.Name, Address: m.ReplyTo.Email})
	}
	// go-mail encodes only non-ASCII subjects, so ASCII that a decoder
	// would alter is encoded here first; go-mail leaves the result alone.
	msg.Subject(encodeUnstructured(m.Subject))
	msg.SetDateWithValue(m.Date)
	msg.SetMessageIDWithValue(m.MessageID)
	// The writer functions read the strings directly; go-mail's *String
	// methods would copy each part into a buffer first.
	msg.SetBodyWriter(gomail.TypeTextPlain, stringWriter(m.Text))
	if m.HTML != "" {
		msg.AddAlternativeWriter(gomail.TypeTextHTML, stringWriter(m.HTML))
		msg.SetBoundary(boundary(m))
	}

	var buf bytes.Buffer
	buf.Grow(estimateSize(m))
	// go-mail keeps generic headers in a map and writes them sorted, so the
	// extra ones are written here to keep the caller's order.
	for _, h := range m.Headers {
		writeField(&buf, h.Name, encodeValue(h.Value))
	}
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mail: build: %w", err)
	}
	out := buf.Bytes()
	if len(out) > MaxSize {
		return nil, fmt.Errorf("mail: build: message is %d bytes, over the %d limit", len(out), MaxSize)
	}
	if err := checkLines(out); err != nil {
		return nil, fmt.Errorf("mail: build: %w", err)
	}
	return out, nil
}

// check refuses a message Build must not encode. Each rule names the field
// so that the person who wrote the newsletter can fix it.
func (m *Message) check() error {
	if err := checkAddress("from", m.From); err != nil {
		return err
	}
	if err := checkAddress("to", m.To); err != nil {
		return err
	}
	if m.ReplyTo != (Address{}) {
		if err := checkAddress("reply-to", m.ReplyTo); err != nil {
			return err
		}
	}
	if err := checkText("subject", m.Subject); err != nil {
		return err
	}
	if err := checkMessageID(m.MessageID); err != nil {
		return err
	}
	if m.Date.IsZero() {
		return errors.New("date is not set")
	}
	if m.Text == "" {
		return errors.New("text part is empty")
	}
	if len(m.Text)+len(m.HTML) > MaxSize {
		return fmt.Errorf("text and HTML parts are over the %d-byte limit", MaxSize)
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return errors.New("text or HTML part is not valid UTF-8")
	}
	for _, h := range m.Headers {
		if err := checkHeaderName(h.Name); err != nil {
			return err
		}
		if err := checkText("header "+h.Name, h.Value); err != nil {
			return err
		}
	}
	return nil
}

func stringWriter(s string) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		n, err := io.WriteString(w, s)
		return int64(n), err
	}
}

// estimateSize guesses the encoded size so the output buffer is allocated
// once: quoted-printable adds a soft break per 75 bytes and two bytes per
// escaped one, and non-ASCII text is mostly escaped.
func estimateSize(m *Message) int {
	n := 1024
	for _, h := range m.Headers {
		n += len(h.Name) + len(h.Value) + 8
	}
	for _, part := range [...]string{m.Text, m.HTML} {
		n += len(part) + len(part)/25 + 128
	}
	return n
}

// boundary derives the multipart boundary from the Message-ID so the same
// message always encodes the same way. A boundary must not occur in the
// parts; quoted-printable only escapes characters, so checking the raw text
// is enough, and in the unlikely case it does occur go-mail picks a random one.
func boundary(m *Message) string {
	sum := sha256.Sum256([]byte(m.MessageID))
	b := "alt-" + hex.EncodeToString(sum[:16])
	if strings.Contains(m.Text, b) || strings.Contains(m.HTML, b) {
		return ""
	}
	return b
}
