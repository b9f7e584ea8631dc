package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Session is a signed-in browser. The cookie holds Token; the database holds
// only ID, the SHA-256 of the token, so a copy of the database signs nobody
// in.
type Session struct {
	ID         string // hex SHA-256 of Token
	Token      string // set only by Login, the one time it is known
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end, whatever the activity
	IP         string
	UserAgent  string
}

// Credentials are what a sign-in form sends.
type Credentials struct {
	Email    string
	Password string
	// Code is the one-time code from an authenticator app; needed only by
	// accounts with a second factor.
	Code      string
	IP        string
	UserAgent string
}

// touchEvery limits how often a session's last use is written: once a
// minute is precise enough for an idle timeout of hours and spares a write
// per request.
const touchEvery = time.Minute

// Login signs in with an address and password; see LoginWith.
func (s *Service) Login(ctx context.Context, email, password, ip string) (Session, error) {
	return s.LoginWith(ctx, Credentials{Email: email, Password: password, IP: ip})
}

// LoginWith checks the credentials and opens a session. Every refusal is
// ErrLoginFailed, and an unknown address is checked against a dummy hash of
// the same cost, so neither the answer nor its timing tells whether the
// address has an account. A missing and a wrong code are refused alike, so
// a guessed password is not confirmed by a request for the code. Failures
// count per address and per network; past the limits every attempt gets
// ErrThrottled until the window has passed, for known and unknown addresses
// alike.
func (s *Service) LoginWith(ctx context.Context, c Credentials) (Session, error) {
	// The dummy hash is made on first use; making it here, before any
	// branch, keeps that one-off cost off the unknown-address path.
	if _, err := s.hash.dummyHash(); err != nil {
		return Session{}, fmt.Errorf("user: login: %w", err)
	}
	attempt, err := s.startAttempt(ctx, c.Email, c.IP)
	if err != nil {
		return Session{}, err
	}
	u, err := s.cfg.Store.UserByEmail(ctx, c.Email)
	known := err == nil
	if err != nil && !isNotFound(err) {
		return Session{}, fmt.Errorf("user: login: %w", err)
	}
	stored := ""
	if known {
		stored = u.PasswordHash
	}
	match, err := s.hash.verify(ctx, c.Password, stored)
	if err != nil {
		if ctx.Err() != nil {
			return Session{}, ctx.Err()
		}
		s.cfg.Logger.ErrorContext(ctx, "stored password hash unusable", "user_id", u.ID, "err", err)
	}
	ok := known && match && !u.Disabled
	if ok && u.HasTOTP() {
		if ok, err = s.useCode(ctx, u, c.Code); err != nil {
			return Session{}, err
		}
	}
	if !ok {
		s.cfg.Logger.InfoContext(ctx, "sign-in refused", "user_id", u.ID, "ip", c.IP)
		return Session{}, ErrLoginFailed
	}
	if err := s.cfg.Store.ClearLoginAttempts(ctx, attempt.EmailKey, attempt.IP); err != nil {
		return Session{}, fmt.Errorf("user: login: %w", err)
	}
	sess, err := s.openSession(ctx, u, c.IP, c.UserAgent)
	if err != nil {
		return Session{}, err
	}
	s.cfg.Logger.InfoContext(ctx, "signed in", "user_id", u.ID, "ip", c.IP)
	return sess, nil
}

// startAttempt records a sign-in attempt, or returns ErrThrottled when the
// address or the network has failed too often lately.
func (s *Service) startAttempt(ctx context.Context, email, ip string) (LoginAttempt, error) {
	now := s.cfg.Now()
	key := EmailKey(email)
	if len(key) > MaxEmail {
		key = key[:MaxEmail]
	}
	a := LoginAttempt{EmailKey: key, IP: throttleIP(ip), At: now}
	maxIP := s.cfg.MaxIPFailures
	if a.IP == "" {
		maxIP = 0 // no network to count, as from the command line
	}
	ok, err := s.cfg.Store.StartLoginAttempt(ctx, a, now.Add(-s.cfg.FailureWindow), s.cfg.MaxAccountFailures, maxIP)
	if err != nil {
		return a, fmt.Errorf("user: login attempt: %w", err)
	}
	if !ok {
		s.cfg.Logger.WarnContext(ctx, "sign-in throttled", "ip", ip)
		return a, ErrThrottled
	}
	return a, nil
}

// throttleIP is the network failures are counted for: the address for
// IPv4, the /64 for IPv6, since one machine is commonly given a whole /64.
func throttleIP(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		if len(ip) > 64 {
			ip = ip[:64]
		}
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

func (s *Service) openSession(ctx context.Context, u User, ip, userAgent string) (Session, error) {
	tok := randomToken()
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	sess := Session{ID: hashToken(tok), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.cfg.Lifetime), IP: clip(ip, 64), UserAgent: clip(userAgent, 512)}
	if err := s.cfg.Store.CreateSession(ctx, sess); err != nil {
		return Session{}, fmt.Errorf("user: open session: %w", err)
	}
	sess.Token = tok
	return sess, nil
}

// CheckSession returns the account signed in with the session token, or
// ErrNoSession when the token is unknown, past its idle timeout or lifetime,
// older than the account's password, or its account is disabled.
func (s *Service) CheckSession(ctx context.Context, token string) (User, Session, error) {
	if !wellFormedToken(token) {
		return User{}, Session{}, ErrNoSession
	}
	sess, err := s.cfg.Store.SessionByID(ctx, hashToken(token))
	if isNotFound(err) {
		return User{}, Session{}, ErrNoSession
	}
	if err != nil {
		return User{}, Session{}, fmt.Errorf("user: check session: %w", err)
	}
	now := s.cfg.Now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.cfg.IdleTimeout {
		if err := s.cfg.Store.DeleteSession(ctx, sess.ID); err != nil {
			return User{}, Session{}, fmt.Errorf("user: end expired session: %w", err)
		}
		return User{}, Session{}, ErrNoSession
	}
	u, err := s.cfg.Store.UserByID(ctx, sess.UserID)
	if isNotFound(err) {
		return User{}, Session{}, ErrNoSession
	}
	if err != nil {
		return User{}, Session{}, fmt.Errorf("user: check session: %w", err)
	}
	if u.Disabled || sess.CreatedAt.Before(u.PasswordChangedAt) {
		return User{}, Session{}, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.cfg.Store.TouchSession(ctx, sess.ID, now); err != nil {
			return User{}, Session{}, fmt.Errorf("user: check session: %w", err)
		}
		sess.LastSeenAt = now.UTC().Truncate(time.Millisecond)
	}
	return u, sess, nil
}

// Logout ends the session with the token. Ending a session that is gone
// already is not an error: the browser is signed out either way.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !wellFormedToken(token) {
		return nil
	}
	if err := s.cfg.Store.DeleteSession(ctx, hashToken(token)); err != nil {
		return fmt.Errorf("user: logout: %w", err)
	}
	return nil
}

// tokenBytes is the entropy of session and API tokens: 256 bits.
const tokenBytes = 32

// randomToken returns 256 random bits, base64url without padding.
func randomToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails: crypto/rand panics rather than return short
	return base64.RawURLEncoding.EncodeToString(b)
}

// wellFormedToken reports whether s could be a token from randomToken, so
// that junk never reaches the database.
func wellFormedToken(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// hashToken is what is stored for a token. A fast hash is right here: the
// token has 256 random bits, so there is nothing to guess.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// clip shortens s to at most n bytes of valid UTF-8.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}
