package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSignupLimitPerNetwork signs up from many addresses of one IPv6 /64,
// which one machine is commonly given whole: they share one limit, as
// sign-in throttling counts them, or a script could take a new address for
// each signup and never be limited. Another /64, and an IPv4 address
// written as IPv6, count apart and as that IPv4 address.
func TestSignupLimitPerNetwork(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SignupPerMinute = 3 })
	n := 0
	post := func(remote string) int {
		n++
		r := httptest.NewRequest("POST", "/subscribe", strings.NewReader(signupForm(fmt.Sprintf("n%d@example.org", n)).Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = remote
		return e.do(r).Code
	}
	for i := range 3 {
		remote := fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1)
		if got := post(remote); got != http.StatusSeeOther {
			t.Fatalf("signup %d from %s: %d, want %d", i+1, remote, got, http.StatusSeeOther)
		}
	}
	for _, c := range []struct {
		remote string
		want   int
	}{
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:443", http.StatusTooManyRequests},
		{"[2001:db8:1:3::1]:443", http.StatusSeeOther},
		{"198.51.100.7:443", http.StatusSeeOther},
		{"198.51.100.7:444", http.StatusSeeOther},
		{"[::ffff:198.51.100.7]:443", http.StatusSeeOther},
		{"[::ffff:198.51.100.7]:444", http.StatusTooManyRequests},
	} {
		if got := post(c.remote); got != c.want {
			t.Errorf("signup from %s: %d, want %d", c.remote, got, c.want)
		}
	}
}
