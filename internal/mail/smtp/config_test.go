package smtp

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want Config
	}{
		{"smtp://mail.example.com", Config{Host: "mail.example.com", Port: 587}},
		{"smtp://mail.example.com:25/", Config{Host: "mail.example.com", Port: 25}},
		{"smtps://mail.example.com", Config{Host: "mail.example.com", Port: 465, TLS: TLSImplicit}},
		{"smtps://mail.example.com:2465", Config{Host: "mail.example.com", Port: 2465, TLS: TLSImplicit}},
		{"smtp://user%40example.com:p%40ss%2Fw%3Ard@mail.example.com:587",
			Config{Host: "mail.example.com", Port: 587, Username: "user@example.com", Password: "p@ss/w:rd"}},
		{"smtp://apikey@mail.example.com", Config{Host: "mail.example.com", Port: 587, Username: "apikey"}},
		{"smtp://mail.example.com?starttls=required", Config{Host: "mail.example.com", Port: 587, TLS: TLSRequired}},
		{"smtp://mail.example.com?starttls=opportunistic&connections=10",
			Config{Host: "mail.example.com", Port: 587, Connections: 10}},
		{"smtp://[::1]:2525", Config{Host: "::1", Port: 2525}},
		{"smtp://127.0.0.1:1025", Config{Host: "127.0.0.1", Port: 1025}},
	} {
		got, err := ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, want %+v", tc.url, got, tc.want)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, tc := range []struct{ url, wantErr string }{
		{"", "scheme"},
		{"mail.example.com:587", "scheme"},
		{"http://mail.example.com", `"http" is not smtp or smtps`},
		{"smtp://", "no host"},
		{"smtp:mail.example.com", "no host"},
		{"smtp://mail.example.com:0", "port"},
		{"smtp://mail.example.com:70000", "port"},
		{"smtp://mail.example.com:smtp", "port"},
		{"smtp://mail.example.com/path", "path"},
		{"smtp://mail.example.com#frag", "fragment"},
		{"smtp://mail.example.com?starttls=always", `starttls="always"`},
		{"smtp://mail.example.com?starttls=", `starttls=""`},
		{"smtps://mail.example.com?starttls=required", "does not apply to smtps"},
		{"smtp://mail.example.com?connections=0", "connections"},
		{"smtp://mail.example.com?connections=lots", "connections"},
		{"smtp://mail.example.com?connections=2&connections=3", "given 2 times"},
		{"smtp://mail.example.com?tls=on", `unknown query parameter "tls"`},
		{"smtp://mail.example.com?%zz", "query"},
		{"smtp://user:secret%zz@mail.example.com", "parse URL"},
	} {
		_, err := ParseURL(tc.url)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded, want an error about %s", tc.url, tc.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("ParseURL(%q) error = %q, want it to mention %q", tc.url, err, tc.wantErr)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURL(%q) error %q repeats the password", tc.url, err)
		}
	}
}

func TestRedacted(t *testing.T) {
	cfg, err := ParseURL("smtp://user:hunter2@mail.example.com?starttls=required")
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Redacted()
	want := "smtp://user:xxxxx@mail.example.com:587?connections=4&starttls=required"
	if got != want {
		t.Errorf("Redacted() = %q, want %q", got, want)
	}
	if strings.Contains(got, "hunter2") {
		t.Errorf("Redacted() = %q shows the password", got)
	}
	if got := (Config{Host: "::1", TLS: TLSImplicit}).Redacted(); got != "smtps://[::1]:465?connections=4" {
		t.Errorf("Redacted() = %q, want smtps://[::1]:465?connections=4", got)
	}
}
