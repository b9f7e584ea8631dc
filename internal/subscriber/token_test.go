package subscriber

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokenRoundTripAndRefusals(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := NewSigner([]byte("a secret of at least thirty-two bytes"))
	tok := Token{Purpose: PurposeConfirm, SubscriberID: 42, NewsletterID: 3, Expires: now.Add(time.Hour)}
	text := s.Sign(tok)
	got, err := s.Verify(text, PurposeConfirm, now)
	if err != nil || got.SubscriberID != 42 || got.NewsletterID != 3 || !got.Expires.Equal(tok.Expires) {
		t.Fatalf("Verify(Sign(%+v)) = %+v, %v", tok, got, err)
	}
	if _, err := s.Verify(text, PurposeUnsubscribe, now); !errors.Is(err, ErrBadToken) {
		t.Errorf("a confirm token was accepted for unsubscribing: %v", err)
	}
	if _, err := s.Verify(text, PurposeConfirm, now.Add(2*time.Hour)); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("expired token: err = %v, want ErrExpiredToken", err)
	}
	other := NewSigner([]byte("another secret of thirty-two bytes!"))
	if _, err := other.Verify(text, PurposeConfirm, now); !errors.Is(err, ErrBadToken) {
		t.Errorf("token verified under another key: %v", err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(text)
	for i := range raw {
		for _, bit := range []byte{1, 0x80} {
			b := append([]byte(nil), raw...)
			b[i] ^= bit
			if got, err := s.Verify(base64.RawURLEncoding.EncodeToString(b), PurposeConfirm, now); err == nil {
				t.Fatalf("token with byte %d flipped verified as %+v", i, got)
			}
		}
	}
	for _, bad := range []string{"", "x", "!!!!", text + "A", text[:len(text)-1], string(make([]byte, 500))} {
		if _, err := s.Verify(bad, PurposeConfirm, now); err == nil {
			t.Errorf("Verify(%q) accepted", bad)
		}
	}
	// The last character of a token whose length is not a multiple of
	// three carries unused bits; setting one must not give a second
	// spelling of the same token.
	if len(raw)%3 == 0 {
		t.Fatalf("token of %d bytes has no unused bits to set", len(raw))
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, text[len(text)-1])
	twin := text[:len(text)-1] + string(alphabet[last|1])
	if twin == text {
		t.Fatalf("token %q already ends with an unused bit set", text)
	}
	if got, err := s.Verify(twin, PurposeConfirm, now); err == nil {
		t.Errorf("Verify(%q), another spelling of %q, accepted as %+v", twin, text, got)
	}
	// Unsubscribe tokens do not expire.
	u := s.Sign(Token{Purpose: PurposeUnsubscribe, SubscriberID: 7})
	if _, err := s.Verify(u, PurposeUnsubscribe, now.Add(10*365*24*time.Hour)); err != nil {
		t.Errorf("unsubscribe token refused years later: %v", err)
	}
}

func BenchmarkSign(b *testing.B) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	for i := 0; b.Loop(); i++ {
		s.Sign(Token{Purpose: PurposeUnsubscribe, SubscriberID: int64(i + 1), NewsletterID: 1})
	}
}
