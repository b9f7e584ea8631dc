package subscriber

import (
	"net/mail"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"reader@example.org", "reader@example.org"},
		{"  Reader@Example.ORG ", "Reader@example.org"},
		{"a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk"},
		{"zoë@bücher.example", ""},
		{"user@bücher.example", "user@xn--bcher-kva.example"},
		{"user@example.org.", "user@example.org"},
	} {
		got, err := NormalizeEmail(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("NormalizeEmail(%q) = %q, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{
		"", "plain", "@example.org", "user@", "user@@example.org", "a@b@example.org", "user@localhost",
		"user@exa mple.org", "user@example..org", "user@-example.org", "user@example.123", ".user@example.org",
		"user.@example.org", "us..er@example.org", "user@example.org\r\nBcc: x@example.org", "user@example.org\nX",
		"<user@example.org>", "User <user@example.org>", "user@example.org, other@example.org", "user@[127.0.0.1]",
		"\"quoted\"@example.org", strings.Repeat("a", 65) + "@example.org", "a@" + strings.Repeat("b", 250) + ".org",
		"user\x00@example.org", "user@exam_ple.org", "a@b.c",
	} {
		if got, err := NormalizeEmail(bad); err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want an error", bad, got)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"reader@example.org", "a+b@x.io", "user@bücher.example", "x@y.z\r\nBcc: q@r.s", "\"a b\"@c.d", "a@b..c", "", "@", "a@[1.2.3.4]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeEmail(in)
		if err != nil {
			return
		}
		if len(out) > MaxEmail || strings.ContainsAny(out, "\r\n\x00 ,;<>\"()\\:") {
			t.Fatalf("NormalizeEmail(%q) = %q: unsafe result", in, out)
		}
		a, perr := mail.ParseAddress(out)
		if perr != nil || a.Address != out {
			t.Fatalf("NormalizeEmail(%q) = %q, which net/mail reads as %v, %v", in, out, a, perr)
		}
		again, err := NormalizeEmail(out)
		if err != nil || again != out {
			t.Fatalf("NormalizeEmail is not stable: %q -> %q -> %q, %v", in, out, again, err)
		}
	})
}

func TestCleanName(t *testing.T) {
	if got, err := CleanName("  Zoë Ó Briain "); err != nil || got != "Zoë Ó Briain" {
		t.Errorf("CleanName = %q, %v", got, err)
	}
	for _, bad := range []string{"a\r\nBcc: x", "a\nb", "a\x00", strings.Repeat("x", MaxName+1), "\xff"} {
		if _, err := CleanName(bad); err == nil {
			t.Errorf("CleanName(%q) accepted", bad)
		}
	}
}
