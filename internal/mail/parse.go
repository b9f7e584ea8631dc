package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

// maxPartDepth bounds multipart nesting; real messages nest two or three
// levels, and a hostile one must not exhaust the stack.
const maxPartDepth = 8

// ParsedMessage is a message read back for people: the outbox page shows
// it, and tests check what Build wrote.
type ParsedMessage struct {
	Subject string               // decoded from RFC 2047
	From    string               // decoded header value, such as "Zoë <z@example.org>"
	To      string               // decoded header value
	Date    time.Time            // zero when missing or unreadable
	Header  textproto.MIMEHeader // every field as written, not decoded
	Text    string               // first text/plain part, decoded, LF line endings
	HTML    string               // first text/html part, decoded, LF line endings
}

// Parse reads a message such as Build writes: it decodes encoded-words in
// Subject, From and To and finds the text and HTML parts through nested
// multiparts, undoing quoted-printable and base64. Parts in charsets other
// than UTF-8, US-ASCII and ISO-8859-1 are returned undecoded.
func Parse(data []byte) (ParsedMessage, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return ParsedMessage{}, fmt.Errorf("mail: parse: %w", err)
	}
	p := ParsedMessage{
		Subject: decodeHeader(msg.Header.Get("Subject")),
		From:    decodeHeader(msg.Header.Get("From")),
		To:      decodeHeader(msg.Header.Get("To")),
		Header:  textproto.MIMEHeader(msg.Header),
	}
	if d, err := msg.Header.Date(); err == nil {
		p.Date = d
	}
	err = p.readPart(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	if err != nil {
		return p, fmt.Errorf("mail: parse: %w", err)
	}
	return p, nil
}

// decodeHeader decodes RFC 2047 words, keeping the raw value when they are
// malformed or in an unknown charset: showing something beats an error.
func decodeHeader(v string) string {
	var d mime.WordDecoder
	s, err := d.DecodeHeader(v)
	if err != nil {
		return v
	}
	return s
}

func (p *ParsedMessage) readPart(h textproto.MIMEHeader, body io.Reader, depth int) error {
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType, params = "text/plain", nil // RFC 2045's default
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxPartDepth {
			return errors.New("multipart nested too deeply")
		}
		if params["boundary"] == "" {
			return fmt.Errorf("%s without a boundary", mediaType)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: NextPart would undo quoted-printable itself
			// and hide the header saying so.
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := p.readPart(part.Header, part, depth+1); err != nil {
				return err
			}
		}
	}
	if disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
		return nil
	}
	var dst *string
	switch {
	case mediaType == "text/plain" && p.Text == "":
		dst = &p.Text
	case mediaType == "text/html" && p.HTML == "":
		dst = &p.HTML
	default:
		return nil
	}
	s, err := decodeBody(body, h.Get("Content-Transfer-Encoding"), params["charset"])
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	*dst = s
	return nil
}

func decodeBody(body io.Reader, encoding, charset string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips CR and LF
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", err
	}
	if cs := strings.ToLower(charset); cs == "iso-8859-1" || cs == "latin1" {
		b = latin1ToUTF8(b)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}

func latin1ToUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/4)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}
