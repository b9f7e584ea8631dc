package main

import (
	"io"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// TestSettingsRefused: a setting Herald cannot work with is refused when
// the command starts, with a message naming what was given.
func TestSettingsRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--base-url", "http://example.org/news"}, nil, `--base-url "http://example.org/news" has a path (/news)`},
		{[]string{"--base-url", "https://example.org/news/"}, nil, "such as https://example.org,"},
		{nil, map[string]string{"HERALD_BASE_URL": "http://example.org/a/b"}, `"http://example.org/a/b" has a path (/a/b)`},
		{[]string{"--retry-min", "-5s"}, nil, "--retry-min -5s must not be negative"},
		{[]string{"--lease", "1s"}, nil, "--lease must be at least 2s"},
		{[]string{"--rate-per-day", "-1"}, nil, "--rate-per-day -1 must be a whole number"},
		{nil, map[string]string{"HERALD_RETRY_MAX_AGE": "-1h"}, "HERALD_RETRY_MAX_AGE -1h0m0s must not be negative"},
		{nil, map[string]string{"HERALD_RETRY_MIN": "soon"}, `HERALD_RETRY_MIN "soon" must be a duration`},
		{nil, map[string]string{"HERALD_RATE": "fast"}, `HERALD_RATE "fast" must be a whole number`},
		{nil, map[string]string{"HERALD_SIGNUP_LIMIT": "-3"}, `HERALD_SIGNUP_LIMIT "-3" must be a whole number`},
		{nil, map[string]string{"HERALD_ADDR": "no-port"}, `HERALD_ADDR "no-port" is not host:port`},
		{nil, map[string]string{"HERALD_BASE_URL": "news.example.org"}, `HERALD_BASE_URL "news.example.org" must be an absolute`},
		{nil, map[string]string{"HERALD_FROM": "newsletter"}, `HERALD_FROM "newsletter" is not an email address`},
		{nil, map[string]string{"HERALD_SECRET": "short"}, "HERALD_SECRET must be at least 32 characters"},
		{nil, map[string]string{"HERALD_LANGUAGE": "english!"}, `HERALD_LANGUAGE "english!" is not a language tag`},
		{nil, map[string]string{"HERALD_LOG_LEVEL": "loud"}, `HERALD_LOG_LEVEL "loud" must be debug`},
		{nil, map[string]string{"HERALD_TRUSTED_PROXIES": "10.0.0"}, "HERALD_TRUSTED_PROXIES: "},
		{nil, map[string]string{"HERALD_METRICS_TOKEN": "short"}, "HERALD_METRICS_TOKEN must be at least 16 characters"},
		{[]string{"--addr", "no-port"}, map[string]string{"HERALD_ADDR": "127.0.0.1:8080"}, `--addr "no-port" is not host:port`},
	} {
		getenv := func(k string) string { return tc.env[k] }
		_, _, err := setup("serve", tc.args, getenv, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("setup(serve, %q) with environment %v = %v; want an error saying %q", tc.args, tc.env, err, tc.want)
		}
	}
}

// TestFlagReplacesBadVariable: a flag on the command line wins over its
// variable, even one that could not be read.
func TestFlagReplacesBadVariable(t *testing.T) {
	getenv := func(k string) string { return map[string]string{"HERALD_RETRY_MIN": "soon"}[k] }
	c, _, err := setup("serve", []string{"--retry-min", "10s"}, getenv, io.Discard, nil)
	if err != nil || c.retryMin != 10*time.Second {
		t.Errorf("setup(serve, --retry-min 10s) with HERALD_RETRY_MIN=soon = %v; want --retry-min taken", err)
	}
}

// TestBaseURLAtTheRoot: a base URL with or without its final slash is the
// root of the site.
func TestBaseURLAtTheRoot(t *testing.T) {
	for _, u := range []string{"https://news.example.org", "https://news.example.org/", "http://localhost:8080/"} {
		c, _, err := setup("serve", []string{"--base-url", u}, env(nil), io.Discard, nil)
		if err != nil {
			t.Errorf("setup(serve, --base-url %s) = %v; want it accepted", u, err)
		} else if want := strings.TrimSuffix(u, "/"); c.baseURL != want {
			t.Errorf("setup(serve, --base-url %s) gave base URL %q; want %q", u, c.baseURL, want)
		}
	}
}

// TestDefaultFromKeepsTheSiteName: without --from the emails come from the
// site's name, whatever punctuation it holds, and the start is not refused
// for a --from nobody gave.
func TestDefaultFromKeepsTheSiteName(t *testing.T) {
	for _, name := range []string{"News, Views", "The Times (UK)", `Le "Monde"`, "Dr. Who Weekly", "Café Post"} {
		c, _, err := setup("serve", []string{"--site-name", name, "--base-url", "https://news.example.org"}, env(nil), io.Discard, nil)
		if err != nil {
			t.Errorf("setup(serve, --site-name %q) = %v; want it accepted", name, err)
			continue
		}
		a, err := mail.ParseAddress(c.from)
		if err != nil || a.Name != name || a.Address != "newsletter@news.example.org" {
			t.Errorf("setup(serve, --site-name %q) made the sender %q, read as %v, %v; want %q <newsletter@news.example.org>", name, c.from, a, err, name)
		}
	}
}
