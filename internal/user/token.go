package user

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// TokenPrefix starts every API token, so a leaked one is easy to recognise
// in logs, code and secret scanners.
const TokenPrefix = "hrld_"

// MaxTokenName bounds the label of an API token.
const MaxTokenName = 100

// Token is an API token as stored: its plaintext is shown once at creation
// and only its SHA-256 is kept.
type Token struct {
	ID     int64
	UserID int64
	Name   string
	// Scopes are the permissions the token may use, a subset of its
	// owner's.
	Scopes     []Permission
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: in force
}

// Can reports whether a request made with the token may do p as an account
// with role r: one of the token's scopes must include p and the role must
// still hold it, so a token shrinks with its owner's role.
func (t Token) Can(r Role, p Permission) bool {
	held := slices.ContainsFunc(t.Scopes, func(s Permission) bool { return s.Includes(p) })
	return t.RevokedAt.IsZero() && held && r.Can(p)
}

// CreateToken makes an API token for the account with the scopes given, all
// of which its role must hold. The plaintext is returned this once.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, scopes []Permission) (string, Token, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxTokenName || !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", Token{}, fmt.Errorf("%w: a token needs a name of one line, at most %d bytes", ErrInvalid, MaxTokenName)
	}
	u, err := s.cfg.Store.UserByID(ctx, userID)
	if err != nil {
		return "", Token{}, fmt.Errorf("user: create token: %w", err)
	}
	if u.Disabled {
		return "", Token{}, fmt.Errorf("%w: the account %s is disabled", ErrInvalid, u.Email)
	}
	if len(scopes) == 0 {
		return "", Token{}, fmt.Errorf("%w: a token needs at least one scope", ErrInvalid)
	}
	var clean []Permission
	for _, p := range scopes {
		if _, err := ParsePermission(string(p)); err != nil {
			return "", Token{}, err
		}
		if !u.Role.Can(p) {
			return "", Token{}, fmt.Errorf("%w: the role %s does not hold %s", ErrInvalid, u.Role, p)
		}
		if !slices.Contains(clean, p) {
			clean = append(clean, p)
		}
	}
	plain := TokenPrefix + randomToken()
	t := Token{UserID: u.ID, Name: name, Scopes: clean, CreatedAt: s.cfg.Now().UTC().Truncate(time.Millisecond)}
	id, err := s.cfg.Store.CreateAPIToken(ctx, t, hashToken(plain))
	if err != nil {
		return "", Token{}, fmt.Errorf("user: create token: %w", err)
	}
	t.ID = id
	s.cfg.Logger.InfoContext(ctx, "API token created", "user_id", u.ID, "token_id", id)
	return plain, t, nil
}

// Authenticate returns the account and token a request's API token stands
// for, or ErrBadToken when it is malformed, unknown or revoked, or its
// account is disabled. Check the route's permission with Token.Can.
func (s *Service) Authenticate(ctx context.Context, plaintext string) (User, Token, error) {
	rest, ok := strings.CutPrefix(plaintext, TokenPrefix)
	if !ok || !wellFormedToken(rest) {
		return User{}, Token{}, ErrBadToken
	}
	t, err := s.cfg.Store.APITokenByHash(ctx, hashToken(plaintext))
	if isNotFound(err) {
		return User{}, Token{}, ErrBadToken
	}
	if err != nil {
		return User{}, Token{}, fmt.Errorf("user: authenticate: %w", err)
	}
	if !t.RevokedAt.IsZero() {
		return User{}, Token{}, ErrBadToken
	}
	u, err := s.cfg.Store.UserByID(ctx, t.UserID)
	if isNotFound(err) {
		return User{}, Token{}, ErrBadToken
	}
	if err != nil {
		return User{}, Token{}, fmt.Errorf("user: authenticate: %w", err)
	}
	if u.Disabled {
		return User{}, Token{}, ErrBadToken
	}
	now := s.cfg.Now()
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if err := s.cfg.Store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return User{}, Token{}, fmt.Errorf("user: authenticate: %w", err)
		}
		t.LastUsedAt = now.UTC().Truncate(time.Millisecond)
	}
	return u, t, nil
}

// RevokeToken stops the account's token at once; ErrNotFound when the
// account has no such token in force.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	if err := s.cfg.Store.RevokeAPIToken(ctx, userID, tokenID, s.cfg.Now()); err != nil {
		return fmt.Errorf("user: revoke token %d: %w", tokenID, err)
	}
	s.cfg.Logger.InfoContext(ctx, "API token revoked", "user_id", userID, "token_id", tokenID)
	return nil
}

// Tokens lists the account's tokens, revoked ones too, oldest first.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	return s.cfg.Store.ListAPITokens(ctx, userID)
}
