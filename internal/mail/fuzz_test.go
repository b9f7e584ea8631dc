package mail

import (
	"bytes"
	"mime"
	netmail "net/mail"
	"net/textproto"
	"slices"
	"strings"
	"testing"
)

// FuzzBuild checks that whatever a subscriber or editor types into a
// subject, a display name or a header value, Build either refuses it or
// writes a message that parses, says the same subject and has exactly the
// fields it should (no injected Bcc, no second From).
func FuzzBuild(f *testing.F) {
	f.Add("Weekly digest", "Café Gazette", "Zoë", "X-Campaign", "42")
	f.Add("=?utf-8?q?x?=", "\"Quoted\" <name>", "a\\b", "List-Id", "Café <x.example.com>")
	f.Add("Hi\r\nBcc: eve@example.com", "Eve\nBcc: x", "x", "Bcc", "x@example.com")
	f.Add("  spaced   out  ", "  ", "(comment)", "X-A", " lead and trail ")
	f.Add(strings.Repeat("long ", 40), strings.Repeat("n", 80), "日本語", "X-Long", strings.Repeat("v ", 100))
	f.Add("tab\there", "tab\tname", "=?utf-8?b?Zm9v?=", "X-Tab", "a\tb")
	f.Add("x:y", "a,b", "a;b@c", "Content-Type", "text/html")
	f.Fuzz(func(t *testing.T, subject, fromName, toName, headerName, headerValue string) {
		m := sampleMessage()
		m.Subject = subject
		m.From.Name = fromName
		m.To.Name = toName
		m.Headers = []Header{{Name: headerName, Value: headerValue}, {Name: "X-Other", Value: headerValue}}
		raw, err := Build(m)
		if err != nil {
			return
		}
		msg, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("Build wrote a message net/mail cannot read: %v\n%s", err, raw)
		}
		var dec mime.WordDecoder
		got, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || got != subject {
			t.Errorf("Subject %q decodes to %q (err %v)\n%s", subject, got, err, raw)
		}
		want := []string{"Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To", "X-Other",
			textproto.CanonicalMIMEHeaderKey(headerName)}
		slices.Sort(want)
		want = slices.Compact(want)
		var names []string
		for k, v := range msg.Header {
			names = append(names, k)
			if (k == "From" || k == "To" || k == "Subject" || k == "Date") && len(v) != 1 {
				t.Errorf("field %s appears %d times", k, len(v))
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, want) {
			t.Fatalf("header fields = %q, want %q\n%s", names, want, raw)
		}
		for field, a := range map[string]Address{"From": m.From, "To": m.To} {
			p, err := netmail.ParseAddress(msg.Header.Get(field))
			if err != nil {
				t.Errorf("%s %q does not parse: %v", field, msg.Header.Get(field), err)
				continue
			}
			if p.Address != a.Email {
				t.Errorf("%s address = %q, want %q", field, p.Address, a.Email)
			}
		}
	})
}

// FuzzParse checks that Parse, which reads whatever lands in the outbox,
// never panics.
func FuzzParse(f *testing.F) {
	for _, edit := range []func(*Message){func(*Message) {}, func(m *Message) { m.HTML = "" }} {
		m := sampleMessage()
		edit(m)
		raw, err := Build(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(nestedMessage))
	f.Add([]byte("Subject: =?utf-8?q?x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--b--\r\n"))
	f.Add([]byte("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err == nil && p.Header == nil {
			t.Errorf("Parse succeeded without a header")
		}
	})
}
