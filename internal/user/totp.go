package user

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The second factor is TOTP (RFC 6238) with the parameters every
// authenticator app supports: HMAC-SHA-1, six digits, 30-second steps. One
// step either side is accepted for clocks that drift and users that type
// slowly.
const (
	totpDigits = 6
	totpPeriod = 30 // seconds
	totpSkew   = 1  // steps
	// totpSecretBytes is RFC 4226's recommended 160-bit secret.
	totpSecretBytes = 20
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Enrollment is what an account holder needs to set up an authenticator
// app: the secret to type in, or the URI to show as a QR code.
type Enrollment struct {
	Secret string // base32
	URI    string // otpauth://totp/...
}

// EnrollTOTP makes a new secret for the account. Nothing is stored yet:
// the second factor is switched on by EnableTOTP once the holder proves
// their app shows the right codes, so a failed setup cannot lock them out.
func (s *Service) EnrollTOTP(ctx context.Context, userID int64) (Enrollment, error) {
	u, err := s.cfg.Store.UserByID(ctx, userID)
	if err != nil {
		return Enrollment{}, fmt.Errorf("user: enrol second factor: %w", err)
	}
	b := make([]byte, totpSecretBytes)
	rand.Read(b)
	secret := totpEncoding.EncodeToString(b)
	return Enrollment{Secret: secret, URI: otpauthURI(s.cfg.Issuer, u.Email, secret)}, nil
}

// otpauthURI follows the Key URI Format authenticator apps read from QR
// codes; the label is "issuer:account" and spaces are %20, never "+".
func otpauthURI(issuer, account, secret string) string {
	esc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	return "otpauth://totp/" + esc(issuer) + ":" + esc(account) +
		"?secret=" + secret + "&issuer=" + esc(issuer) +
		fmt.Sprintf("&algorithm=SHA1&digits=%d&period=%d", totpDigits, totpPeriod)
}

// EnableTOTP switches the second factor on with secret, once code shows
// the holder's app has it. The code is then spent: it cannot sign in.
func (s *Service) EnableTOTP(ctx context.Context, userID int64, secret, code string) error {
	key, err := decodeSecret(secret)
	if err != nil {
		return err
	}
	step, ok := matchCode(key, code, s.cfg.Now())
	if !ok {
		return ErrBadCode
	}
	if err := s.cfg.Store.SetUserTOTP(ctx, userID, totpEncoding.EncodeToString(key)); err != nil {
		return fmt.Errorf("user: enable second factor: %w", err)
	}
	if _, err := s.cfg.Store.UseTOTPStep(ctx, userID, step); err != nil {
		return fmt.Errorf("user: enable second factor: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "second factor enabled", "user_id", userID)
	return nil
}

// DisableTOTP switches the second factor off; who may do so is the
// caller's rule.
func (s *Service) DisableTOTP(ctx context.Context, userID int64) error {
	if err := s.cfg.Store.SetUserTOTP(ctx, userID, ""); err != nil {
		return fmt.Errorf("user: disable second factor: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "second factor disabled", "user_id", userID)
	return nil
}

// useCode checks a sign-in code of u and spends it. A code is refused when
// its step, or a later one, was used before: RFC 6238 section 5.2 asks
// that each code work once.
func (s *Service) useCode(ctx context.Context, u User, code string) (bool, error) {
	key, err := decodeSecret(u.TOTPSecret)
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "stored second-factor secret unusable", "user_id", u.ID, "err", err)
		return false, nil
	}
	step, ok := matchCode(key, code, s.cfg.Now())
	if !ok {
		return false, nil
	}
	fresh, err := s.cfg.Store.UseTOTPStep(ctx, u.ID, step)
	if err != nil {
		return false, fmt.Errorf("user: use code: %w", err)
	}
	if !fresh {
		s.cfg.Logger.WarnContext(ctx, "one-time code replayed", "user_id", u.ID)
	}
	return fresh, nil
}

// TOTPCode returns the code an authenticator app shows at t for the base32
// secret; tests and tools use it to act as the app.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(t.Unix()/totpPeriod), totpDigits), nil
}

// decodeSecret reads a base32 secret as apps show it: any case, spaces and
// padding allowed.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.TrimRight(strings.ToUpper(strings.ReplaceAll(secret, " ", "")), "=")
	key, err := totpEncoding.DecodeString(s)
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("%w: the second-factor secret must be base32 of at least 128 bits", ErrInvalid)
	}
	return key, nil
}

// matchCode returns the step whose code is code, trying the steps around
// now; spaces in the code, as some apps show it, are ignored.
func matchCode(key []byte, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != totpDigits || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	var step int64
	found := false
	// Every candidate is computed and compared, so the time taken says
	// nothing about which step matched.
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		if subtle.ConstantTimeCompare([]byte(hotp(key, uint64(cur+d), totpDigits)), []byte(code)) == 1 {
			step, found = cur+d, true
		}
	}
	return step, found
}

// hotp is RFC 4226's HOTP: HMAC-SHA-1 of the counter, dynamically
// truncated to digits decimal digits.
func hotp(key []byte, counter uint64, digits int) string {
	m := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}
