package mail

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// verifyDKIM checks signed the way a receiver would, answering the DNS
// query for selector._domainkey.example.com with txt.
func verifyDKIM(t *testing.T, signed []byte, txt string) *dkim.Verification {
	t.Helper()
	lookup := func(domain string) ([]string, error) {
		if domain != "herald._domainkey.example.com" {
			return nil, fmt.Errorf("unexpected DNS query for %q", domain)
		}
		return []string{txt}, nil
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil {
		t.Fatalf("dkim.Verify: %v", err)
	}
	if len(vs) != 1 {
		t.Fatalf("dkim.Verify found %d signatures, want 1", len(vs))
	}
	return vs[0]
}

func newTestDKIM(t testing.TB, algorithm string) (*DKIM, string) {
	t.Helper()
	keyPEM, txt, err := GenerateDKIMKey(algorithm)
	if err != nil {
		t.Fatalf("GenerateDKIMKey(%q): %v", algorithm, err)
	}
	d, err := NewDKIM("example.com", "herald", keyPEM)
	if err != nil {
		t.Fatalf("NewDKIM with a %s key from GenerateDKIMKey: %v", algorithm, err)
	}
	return d, txt
}

func TestDKIMSignVerify(t *testing.T) {
	for _, alg := range []string{"rsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			d, txt := newTestDKIM(t, alg)
			if want := "v=DKIM1; k=" + alg + "; p="; !strings.HasPrefix(txt, want) {
				t.Errorf("TXT record = %q, want prefix %q", txt, want)
			}
			raw, err := Build(sampleMessage())
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			signed, err := d.Sign(raw)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if !bytes.HasPrefix(signed, []byte("DKIM-Signature: ")) || !bytes.HasSuffix(signed, raw) {
				t.Fatalf("Sign did not prepend a DKIM-Signature to the message:\n%.400s", signed)
			}
			for _, tag := range []string{"c=relaxed/relaxed", "d=example.com", "s=herald", "a=" + alg + "-sha256"} {
				sig, _, _ := bytes.Cut(signed, []byte("\r\n\r\n"))
				if !bytes.Contains(bytes.ReplaceAll(sig, []byte("\r\n "), nil), []byte(tag)) {
					t.Errorf("signature lacks %q:\n%s", tag, sig)
				}
			}
			v := verifyDKIM(t, signed, txt)
			if v.Err != nil {
				t.Fatalf("signature does not verify: %v", v.Err)
			}
			wantKeys := []string{"from", "to", "subject", "date", "message-id", "mime-version",
				"content-type", "list-unsubscribe", "list-unsubscribe-post", "list-id"}
			var gotKeys []string
			for _, k := range v.HeaderKeys {
				gotKeys = append(gotKeys, strings.ToLower(k))
			}
			if !slices.Equal(gotKeys, wantKeys) {
				t.Errorf("signed fields = %q, want %q (Reply-To is absent, so unsigned)", gotKeys, wantKeys)
			}

			// Relaxed canonicalisation survives refolding by a relay...
			refolded := bytes.Replace(signed, []byte("Subject: "), []byte("Subject:   \r\n "), 1)
			if v := verifyDKIM(t, refolded, txt); v.Err != nil {
				t.Errorf("refolded Subject fails to verify: %v", v.Err)
			}
			// ...but not a changed subject or body.
			for name, tampered := range map[string][]byte{
				"subject": bytes.Replace(signed, []byte("Weekly_digest"), []byte("Weekly_Digest"), 1),
				"body":    bytes.Replace(signed, []byte("This is the text."), []byte("This is the test."), 1),
			} {
				if v := verifyDKIM(t, tampered, txt); v.Err == nil {
					t.Errorf("signature still verifies after changing the %s", name)
				}
			}
		})
	}
}

func TestDKIMSignsReplyTo(t *testing.T) {
	d, txt := newTestDKIM(t, "ed25519")
	m := sampleMessage()
	m.ReplyTo = Address{Email: "desk@example.com"}
	m.Headers = nil
	raw, err := Build(m)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	signed, err := d.Sign(raw)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	v := verifyDKIM(t, signed, txt)
	if v.Err != nil || !slices.ContainsFunc(v.HeaderKeys, func(k string) bool { return strings.EqualFold(k, "Reply-To") }) {
		t.Errorf("Verify = %v with fields %q, want valid and Reply-To signed", v.Err, v.HeaderKeys)
	}
	if _, err := d.Sign([]byte("Subject: no sender\r\n\r\nbody\r\n")); err == nil {
		t.Errorf("Sign of a message without From succeeded, want an error")
	}
}

func TestNewDKIMKeyFormats(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	edPEM, _, err := GenerateDKIMKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, domain, selector string
		key                    []byte
		ok                     bool
	}{
		{"rsa pkcs1", "example.com", "herald", pkcs1, true},
		{"rsa pkcs8", "example.com", "herald", pkcs8(rsaKey), true},
		{"ed25519 pkcs8", "mail.example.com", "s2026_1", edPEM, true},
		{"ecdsa", "example.com", "herald", pkcs8(ecKey), false},
		{"not PEM", "example.com", "herald", []byte("secret"), false},
		{"public key", "example.com", "herald", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}), false},
		{"corrupt", "example.com", "herald", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), false},
		{"empty domain", "", "herald", pkcs1, false},
		{"domain with semicolon", "example.com; x=1", "herald", pkcs1, false},
		{"selector with space", "example.com", "her ald", pkcs1, false},
		{"empty label", "example..com", "herald", pkcs1, false},
	} {
		_, err := NewDKIM(tc.domain, tc.selector, tc.key)
		if (err == nil) != tc.ok {
			t.Errorf("NewDKIM(%s) error = %v, want ok = %v", tc.name, err, tc.ok)
		}
	}
	if _, _, err := GenerateDKIMKey("dsa"); err == nil {
		t.Errorf("GenerateDKIMKey(dsa) succeeded, want an error")
	}
}

func benchmarkSign(b *testing.B, algorithm string) {
	d, _ := newTestDKIM(b, algorithm)
	raw, err := Build(benchmarkMessage())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Sign(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignRSA2048(b *testing.B) { benchmarkSign(b, "rsa") }
func BenchmarkSignEd25519(b *testing.B) { benchmarkSign(b, "ed25519") }

// FuzzDKIMSign signs messages with odd white space, folded fields, empty
// lines at the end, bare LFs and no final line break, and has go-msgauth,
// an independent implementation, verify each signature as a receiver
// would: a canonical form that differs in one byte fails.
func FuzzDKIMSign(f *testing.F) {
	for _, seed := range [][2]string{
		{"Weekly digest", "Hello,\r\n\r\nThis is the text.\r\n"},
		{"  spaced \t out  ", "a  b\t\tc  \r\n \r\n\t\r\n"},
		{"folded|over|lines", "no final line break"},
		{"", ""},
		{"x", "\r\n\r\n\r\n"},
		{"tabs\tin\tit", "bare\nline\nfeeds\n\n"},
		{"trailing   ", "  leading space\r\nend  \t "},
	} {
		f.Add(seed[0], seed[1])
	}
	d, txt := newTestDKIM(f, "ed25519")
	f.Fuzz(func(t *testing.T, subject, body string) {
		// A field holds no line break but a fold; '|' stands for one.
		subject = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, subject)
		subject = strings.ReplaceAll(subject, "|", "\r\n ")
		// The body's line breaks are CRLF or LF, never a lone CR.
		body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "")
		body = strings.ReplaceAll(body, "\n", "\r\n")
		if len(body)%3 == 0 {
			body = strings.ReplaceAll(body, "\r\n", "\n")
		}
		raw := []byte("From: Herald <news@example.com>\r\nTo: reader@example.org\r\nSubject: " + subject +
			"\r\nDate: Mon, 30 Nov 2026 07:00:00 +0000\r\nMIME-Version: 1.0\r\n\r\n" + body)
		signed, err := d.Sign(raw)
		if err != nil {
			t.Fatalf("Sign(%q) = %v", raw, err)
		}
		if v := verifyDKIM(t, signed, txt); v.Err != nil {
			t.Fatalf("the signature of %q does not verify: %v\n%s", raw, v.Err, signed)
		}
	})
}

// The signature field keeps its lines short, as relays expect, and lists
// what it signs.
func TestDKIMSignatureField(t *testing.T) {
	d, _ := newTestDKIM(t, "rsa")
	d.now = func() time.Time { return time.Unix(1796000000, 0) }
	m := sampleMessage()
	m.ReplyTo = Address{Email: "desk@example.com"}
	raw, err := Build(m)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := d.Sign(raw)
	if err != nil {
		t.Fatal(err)
	}
	field, _, _ := bytes.Cut(signed, raw)
	for _, line := range strings.Split(strings.TrimSuffix(string(field), "\r\n"), "\r\n") {
		if len(line) > 78 {
			t.Errorf("signature line of %d characters, want at most 78: %q", len(line), line)
		}
	}
	unfolded := strings.ReplaceAll(string(field), "\r\n ", "")
	for _, tag := range []string{"v=1;", "t=1796000000;", "c=relaxed/relaxed;",
		"h=From:To:Subject:Date:Message-ID:MIME-Version:Content-Type:List-Unsubscribe:List-Unsubscribe-Post:List-Id:Reply-To;"} {
		if !strings.Contains(unfolded, tag) {
			t.Errorf("signature field lacks %q:\n%s", tag, field)
		}
	}
}
