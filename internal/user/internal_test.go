package user

import (
	"context"
	"testing"
)

// TestHOTPVectors checks the HMAC-SHA-1 core against RFC 6238 appendix B,
// whose codes have eight digits, for the secret "12345678901234567890".
func TestHOTPVectors(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		if got := hotp(key, uint64(v.unix/totpPeriod), 8); got != v.want {
			t.Errorf("hotp(T=%d, 8 digits) = %s, want %s", v.unix, got, v.want)
		}
	}
}

func TestThrottleIP(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":             "192.0.2.1",
		"::ffff:192.0.2.1":      "192.0.2.1",
		"2001:db8:1:2::1":       "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9":  "2001:db8:1:2::/64",
		"fe80::1%eth0":          "fe80::/64",
		"":                      "",
		"not an address at all": "not an address at all",
	} {
		if got := throttleIP(in); got != want {
			t.Errorf("throttleIP(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkPasswordHash measures one hash at the default cost, the price
// of every sign-in.
func BenchmarkPasswordHash(b *testing.B) {
	h := newHasher(Cost{})
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
