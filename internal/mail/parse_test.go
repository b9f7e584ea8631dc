package mail

import (
	"strings"
	"testing"
	"time"
)

// nestedMessage is the shape other mailers send: mixed, then alternative,
// base64 and Latin-1 parts, and an attachment that must not be taken for
// the text.
const nestedMessage = "From: =?iso-8859-1?q?Ren=E9?= <rene@example.net>\r\n" +
	"To: a@example.org\r\n" +
	"Subject: =?utf-8?b?w4fDoCB2YQ==?=\r\n" +
	"Date: Mon, 02 Mar 2026 10:00:00 +0100\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Caf=E9 au lait\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+Q2Fmw6k8L3A+\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Disposition: attachment; filename=notes.txt\r\n" +
	"\r\n" +
	"not the body\r\n" +
	"--outer--\r\n"

func TestParseNested(t *testing.T) {
	p, err := Parse([]byte(nestedMessage))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := ParsedMessage{
		Subject: "Çà va",
		From:    "René <rene@example.net>",
		To:      "a@example.org",
		Text:    "Café au lait",
		HTML:    "<p>Café</p>",
	}
	for _, c := range []struct{ field, got, want string }{
		{"Subject", p.Subject, want.Subject},
		{"From", p.From, want.From},
		{"To", p.To, want.To},
		{"Text", p.Text, want.Text},
		{"HTML", p.HTML, want.HTML},
	} {
		if c.got != c.want {
			t.Errorf("Parse(nested) %s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if wantDate := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC); !p.Date.Equal(wantDate) {
		t.Errorf("Parse(nested) Date = %v, want %v", p.Date, wantDate)
	}
}

func TestParseErrors(t *testing.T) {
	for name, data := range map[string]string{
		"malformed header": "Subject x\r\n\r\nbody",
		"no boundary":      "Content-Type: multipart/alternative\r\n\r\nx\r\n",
		"truncated part":   "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx",
		"bad base64":       "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
		"too deep": "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
			strings.Repeat("--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n", 10),
	} {
		if _, err := Parse([]byte(data)); err == nil {
			t.Errorf("Parse(%s) succeeded, want an error", name)
		}
	}
}
