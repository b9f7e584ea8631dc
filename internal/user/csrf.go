package user

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// CSRF makes and checks the token every form of a signed-in page carries.
// The token is an HMAC of the session ID, so it needs no storage, differs
// per session, dies with the session, and cannot be made without the key.
type CSRF struct{ key []byte }

// NewCSRF derives the CSRF key from the site secret, so the secret itself is
// never used directly for more than one thing.
func NewCSRF(secret []byte) (*CSRF, error) {
	if len(secret) < 32 {
		return nil, errors.New("user: the CSRF secret needs at least 32 bytes")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("herald csrf v1"))
	return &CSRF{key: m.Sum(nil)}, nil
}

// Token returns the CSRF token for the session with the ID.
func (c *CSRF) Token(sessionID string) string {
	return base64.RawURLEncoding.EncodeToString(c.mac(sessionID))
}

// Check reports whether token is the CSRF token of the session, comparing
// in constant time.
func (c *CSRF) Check(sessionID, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || sessionID == "" {
		return false
	}
	return hmac.Equal(got, c.mac(sessionID))
}

func (c *CSRF) mac(sessionID string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(sessionID))
	return m.Sum(nil)
}
