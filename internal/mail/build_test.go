package mail

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func sampleMessage() *Message {
	return &Message{
		From:      Address{Name: "Café Gazette", Email: "news@example.com"},
		To:        Address{Name: "Zoë Test", Email: "zoe@example.org"},
		Subject:   "Weekly digest: ünïcode & more",
		Text:      "Hello Zoë,\n\nThis is the text.\n",
		HTML:      "<p>Hello Zoë,</p>\n<p>This is the <a href=\"https://example.com/a?b=1\">HTML</a>.</p>\n",
		MessageID: "abc123@example.com",
		Date:      time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
		Headers: []Header{
			{Name: "List-Unsubscribe", Value: "<https://example.com/u/abc>, <mailto:unsub@example.com?subject=abc>"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
			{Name: "List-Id", Value: "Café Gazette <gazette.example.com>"},
		},
	}
}

func TestBuildGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Message)
	}{
		{"alternative", func(*Message) {}},
		{"text-only", func(m *Message) { m.HTML = ""; m.Headers = nil }},
		{"reply-to", func(m *Message) { m.ReplyTo = Address{Name: "Desk", Email: "desk@example.com"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := sampleMessage()
			tc.edit(m)
			got, err := Build(m)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			again, _ := Build(m)
			if !bytes.Equal(got, again) {
				t.Errorf("Build is not deterministic:\n%s\n---\n%s", got, again)
			}
			golden := filepath.Join("testdata", tc.name+".eml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Build(%s) differs from %s:\n%s", tc.name, golden, got)
			}
		})
	}
}

func TestBuildRoundTrip(t *testing.T) {
	m := sampleMessage()
	raw, err := Build(m)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if bytes.Contains(raw, []byte("\n")) && bytes.Count(raw, []byte("\n")) != bytes.Count(raw, []byte("\r\n")) {
		t.Errorf("Build output has bare LF line endings")
	}
	for _, s := range []string{"go-mail", "User-Agent", "X-Mailer"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("Build output contains %q; it must not name the library", s)
		}
	}
	p, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse(Build(m)): %v", err)
	}
	checks := []struct{ field, got, want string }{
		{"Subject", p.Subject, m.Subject},
		{"From", p.From, "Café Gazette <news@example.com>"},
		{"To", p.To, "Zoë Test <zoe@example.org>"},
		{"Text", p.Text, strings.ReplaceAll(m.Text, "\r\n", "\n")},
		{"HTML", p.HTML, m.HTML},
		{"Message-ID", p.Header.Get("Message-Id"), "<abc123@example.com>"},
		{"MIME-Version", p.Header.Get("Mime-Version"), "1.0"},
		{"List-Unsubscribe", p.Header.Get("List-Unsubscribe"), m.Headers[0].Value},
		{"List-Unsubscribe-Post", p.Header.Get("List-Unsubscribe-Post"), m.Headers[1].Value},
		{"List-Id", decodeHeader(p.Header.Get("List-Id")), m.Headers[2].Value},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Parse(Build(m)) %s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if !p.Date.Equal(m.Date) {
		t.Errorf("Parse(Build(m)) Date = %v, want %v", p.Date, m.Date)
	}
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
		t.Errorf("Content-Type = %q, want multipart/alternative", ct)
	}
	// The extra headers keep the caller's order.
	last := -1
	for _, h := range m.Headers {
		i := bytes.Index(raw, []byte(h.Name+": "))
		if i <= last {
			t.Errorf("extra header %s is at %d, want after %d:\n%s", h.Name, i, last, raw)
		}
		last = i
	}
	if tp := bytes.Index(raw, []byte("text/plain")); tp < 0 || tp > bytes.Index(raw, []byte("text/html")) {
		t.Errorf("text/plain part must come before text/html:\n%s", raw)
	}
}

func TestBuildTextOnly(t *testing.T) {
	m := sampleMessage()
	m.HTML = ""
	raw, err := Build(m)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	p, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if ct := p.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type = %q, want text/plain; charset=UTF-8", ct)
	}
	if cte := p.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding = %q, want quoted-printable", cte)
	}
	if p.Text != m.Text || p.HTML != "" {
		t.Errorf("Parse: Text = %q, HTML = %q; want %q and none", p.Text, p.HTML, m.Text)
	}
}

func TestBuildEncodesSubjects(t *testing.T) {
	for _, subject := range []string{
		"",
		"Plain ASCII subject",
		"=?utf-8?q?looks_encoded?=",
		"  leading and trailing  ",
		"double  space",
		"tab\there",
		"Ünïcödé everywhere — “quotes”",
		"日本語のニュースレター、今週の記事とお知らせ。日本語のニュースレター、今週の記事とお知らせ。",
		strings.Repeat("x", 300),
		strings.Repeat("word ", 60),
		"emoji 🎉 at the end 🎉",
	} {
		m := sampleMessage()
		m.Subject = subject
		raw, err := Build(m)
		if err != nil {
			t.Errorf("Build(Subject: %q): %v", subject, err)
			continue
		}
		p, err := Parse(raw)
		if err != nil {
			t.Errorf("Parse(Build(Subject: %q)): %v", subject, err)
			continue
		}
		if p.Subject != subject {
			t.Errorf("Build(Subject: %q) decodes to %q", subject, p.Subject)
		}
		header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		for _, c := range header {
			if c >= 0x80 {
				t.Errorf("Build(Subject: %q) wrote a non-ASCII header byte", subject)
				break
			}
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Message)
	}{
		{"CR in subject", func(m *Message) { m.Subject = "Hi\rBcc: x@example.com" }},
		{"LF in subject", func(m *Message) { m.Subject = "Hi\nBcc: x@example.com" }},
		{"NUL in subject", func(m *Message) { m.Subject = "Hi\x00" }},
		{"LF in from name", func(m *Message) { m.From.Name = "Eve\nBcc: x@example.com" }},
		{"CR in to address", func(m *Message) { m.To.Email = "zoe@example.org\r" }},
		{"LF in header value", func(m *Message) { m.Headers[0].Value = "<https://x>\r\nBcc: x@example.com" }},
		{"NUL in header value", func(m *Message) { m.Headers[0].Value = "a\x00b" }},
		{"LF in header name", func(m *Message) { m.Headers[0].Name = "X-A\nBcc" }},
		{"colon in header name", func(m *Message) { m.Headers[0].Name = "Bcc: x@example.com\r\nX-A" }},
		{"space in header name", func(m *Message) { m.Headers[0].Name = "X A" }},
		{"empty header name", func(m *Message) { m.Headers[0].Name = "" }},
		{"non-token header name", func(m *Message) { m.Headers[0].Name = "X(A)" }},
		{"header overrides From", func(m *Message) { m.Headers[0].Name = "from" }},
		{"header overrides To", func(m *Message) { m.Headers[0].Name = "TO" }},
		{"header overrides Subject", func(m *Message) { m.Headers[0].Name = "Subject" }},
		{"header overrides Date", func(m *Message) { m.Headers[0].Name = "Date" }},
		{"header overrides Message-ID", func(m *Message) { m.Headers[0].Name = "Message-Id" }},
		{"header overrides MIME-Version", func(m *Message) { m.Headers[0].Name = "Mime-Version" }},
		{"header overrides Content-Type", func(m *Message) { m.Headers[0].Name = "Content-Type" }},
		{"header overrides Content-Transfer-Encoding", func(m *Message) { m.Headers[0].Name = "content-transfer-encoding" }},
		{"header overrides Reply-To", func(m *Message) { m.Headers[0].Name = "Reply-To" }},
		{"unbreakable header line", func(m *Message) { m.Headers[0].Value = strings.Repeat("x", 1000) }},
		{"invalid from", func(m *Message) { m.From.Email = "not an address" }},
		{"from with display name", func(m *Message) { m.From.Email = "Eve <eve@example.com>" }},
		{"empty to", func(m *Message) { m.To.Email = "" }},
		{"non-ASCII to", func(m *Message) { m.To.Email = "zoë@example.org" }},
		{"reply-to name only", func(m *Message) { m.ReplyTo = Address{Name: "Desk"} }},
		{"invalid UTF-8 subject", func(m *Message) { m.Subject = "caf\xe9" }},
		{"invalid UTF-8 text", func(m *Message) { m.Text = "caf\xe9" }},
		{"empty text", func(m *Message) { m.Text = "" }},
		{"empty message ID", func(m *Message) { m.MessageID = "" }},
		{"message ID with brackets", func(m *Message) { m.MessageID = "<a@b>" }},
		{"message ID without @", func(m *Message) { m.MessageID = "abc" }},
		{"zero date", func(m *Message) { m.Date = time.Time{} }},
		{"over 10 MiB", func(m *Message) { m.Text = strings.Repeat("a", MaxSize) }},
		{"over 10 MiB once encoded", func(m *Message) { m.Text = strings.Repeat("=", MaxSize/2) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := sampleMessage()
			tc.edit(m)
			if raw, err := Build(m); err == nil {
				t.Errorf("Build succeeded, want an error; wrote:\n%.600s", raw)
			}
		})
	}
	if _, err := Build(nil); err == nil {
		t.Errorf("Build(nil) succeeded, want an error")
	}
}

// benchmarkMessage is a typical issue: about 4 KB of HTML and its text.
func benchmarkMessage() *Message {
	m := sampleMessage()
	m.HTML = strings.Repeat(`<p style="margin:0 0 16px">A paragraph of the issue, with a <a href="https://example.com/articles/some-slug?utm=news">link</a> and an é.</p>`+"\n", 30)
	m.Text = strings.Repeat("A paragraph of the issue, with a link (https://example.com/articles/some-slug) and an é.\n", 20)
	return m
}

func BenchmarkBuild(b *testing.B) {
	m := benchmarkMessage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(m); err != nil {
			b.Fatal(err)
		}
	}
}
