package subscriber

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"sync"
	"time"
)

// Purpose says what a token may be used for; a token made for one purpose
// is refused for any other.
type Purpose byte

// The token purposes.
const (
	PurposeConfirm     Purpose = 1
	PurposeUnsubscribe Purpose = 2
	PurposePreferences Purpose = 3
	// PurposeDecline is the unsubscribe link of a confirmation email: it
	// leaves only the subscriptions the reader never confirmed, so that a
	// reader who is on one newsletter and declines another stays on the
	// first. The unsubscribe page takes it.
	PurposeDecline Purpose = 4
)

// Token is what a link in an email proves: that the holder received mail
// for this subscriber. NewsletterID 0 means every newsletter.
type Token struct {
	Purpose      Purpose
	SubscriberID int64
	NewsletterID int64
	Expires      time.Time // zero: never
}

const tokenVersion = 1

// Signer makes and checks tokens with a key derived from the site secret.
type Signer struct {
	key []byte
	// macs holds keyed HMACs: a campaign signs two links per message,
	// and a reset HMAC starts from its saved keyed state.
	macs sync.Pool
}

// NewSigner derives the token key from secret, so the secret itself is
// never used directly for more than one thing.
func NewSigner(secret []byte) *Signer {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("herald subscriber token v1"))
	s := &Signer{key: m.Sum(nil)}
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

// Sign encodes t into a URL-safe string.
func (s *Signer) Sign(t Token) string {
	buf := make([]byte, 0, 40)
	buf = append(buf, tokenVersion, byte(t.Purpose))
	buf = binary.AppendUvarint(buf, uint64(t.SubscriberID))
	buf = binary.AppendUvarint(buf, uint64(t.NewsletterID))
	var exp uint64
	if !t.Expires.IsZero() {
		exp = uint64(t.Expires.Unix())
	}
	buf = binary.AppendUvarint(buf, exp)
	buf = append(buf, s.mac(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Verify decodes a token and checks its signature, purpose and expiry.
func (s *Signer) Verify(text string, want Purpose, now time.Time) (Token, error) {
	if len(text) > 120 {
		return Token{}, ErrBadToken
	}
	// Strict: the unused bits of the last character must be zero, so that
	// each token has exactly one spelling.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(text)
	if err != nil || len(raw) < 2+3+macLen {
		return Token{}, ErrBadToken
	}
	body, sig := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if subtle.ConstantTimeCompare(sig, s.mac(body)) != 1 {
		return Token{}, ErrBadToken
	}
	if body[0] != tokenVersion || Purpose(body[1]) != want {
		return Token{}, ErrBadToken
	}
	rest := body[2:]
	var vals [3]uint64
	for i := range vals {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return Token{}, ErrBadToken
		}
		vals[i], rest = v, rest[n:]
	}
	if len(rest) != 0 || vals[0] == 0 || vals[0] > 1<<62 || vals[1] > 1<<62 || vals[2] > 1<<40 {
		return Token{}, ErrBadToken
	}
	t := Token{Purpose: want, SubscriberID: int64(vals[0]), NewsletterID: int64(vals[1])}
	if vals[2] != 0 {
		t.Expires = time.Unix(int64(vals[2]), 0).UTC()
		if now.After(t.Expires) {
			return t, ErrExpiredToken
		}
	}
	return t, nil
}

const macLen = 16

func (s *Signer) mac(b []byte) []byte {
	m := s.macs.Get().(hash.Hash)
	defer s.macs.Put(m)
	m.Reset()
	m.Write(b)
	return m.Sum(make([]byte, 0, sha256.Size))[:macLen]
}
