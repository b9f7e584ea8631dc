package subscriber

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestErasureKeyIsStable: the keys already on suppression lists must still
// be found, so the key is the same whether computed alone or by a keyer
// reused across addresses, and the same as its definition.
func TestErasureKeyIsStable(t *testing.T) {
	secret := []byte("a site secret")
	derived := hmac.New(sha256.New, secret)
	derived.Write([]byte("herald erasure v1"))
	want := func(key string) string {
		m := hmac.New(sha256.New, derived.Sum(nil))
		m.Write([]byte(key))
		return "erased:" + hex.EncodeToString(m.Sum(nil))
	}
	keyer := newErasureKeyer(secret)
	for _, c := range []struct{ email, key string }{
		{"Ana@Example.org", "ana@example.org"},
		{" bo@example.org ", "bo@example.org"},
		{"ana@example.org", "ana@example.org"},
	} {
		if got := ErasureKey(secret, c.email); got != want(c.key) {
			t.Errorf("ErasureKey(%q) = %s, want %s", c.email, got, want(c.key))
		}
		if got := keyer.key(c.email); got != want(c.key) {
			t.Errorf("keyer.key(%q) = %s, want %s", c.email, got, want(c.key))
		}
	}
	if ErasureKey([]byte("another secret"), "ana@example.org") == want("ana@example.org") {
		t.Error("two secrets give the same key")
	}
}
