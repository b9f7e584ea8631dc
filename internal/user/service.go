package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config sets up a Service. Zero fields take the defaults noted.
type Config struct {
	Store  Store
	Now    func() time.Time
	Logger *slog.Logger
	// Issuer names the site in authenticator apps; default "Herald".
	Issuer string
	// Cost is the password hashing cost; see Cost.
	Cost Cost
	// IdleTimeout ends a session nobody used for this long; default 8 h,
	// a working day.
	IdleTimeout time.Duration
	// Lifetime ends every session this long after sign-in; default 7 days.
	Lifetime time.Duration
	// FailureWindow is how long failed sign-ins count; default 15 min.
	FailureWindow time.Duration
	// MaxAccountFailures is how many failed sign-ins on one address are
	// allowed within the window; default 5.
	MaxAccountFailures int
	// MaxIPFailures is the same for one network; default 20.
	MaxIPFailures int
}

// Service applies the rules for staff accounts.
type Service struct {
	cfg  Config
	hash *hasher
}

// NewService returns a Service using cfg.
func NewService(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "Herald"
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 8 * time.Hour
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = 7 * 24 * time.Hour
	}
	if cfg.FailureWindow <= 0 {
		cfg.FailureWindow = 15 * time.Minute
	}
	if cfg.MaxAccountFailures <= 0 {
		cfg.MaxAccountFailures = 5
	}
	if cfg.MaxIPFailures <= 0 {
		cfg.MaxIPFailures = 20
	}
	return &Service{cfg: cfg, hash: newHasher(cfg.Cost)}
}

// Create adds an account with the email, name and role of u and the given
// password.
func (s *Service) Create(ctx context.Context, u User, password string) (User, error) {
	email, err := normalizeEmail(u.Email)
	if err != nil {
		return User{}, err
	}
	name, err := checkName(u.Name)
	if err != nil {
		return User{}, err
	}
	if !u.Role.Valid() {
		return User{}, fmt.Errorf("%w: role %q", ErrInvalid, u.Role)
	}
	h, err := s.hash.hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	nu := User{Email: email, Name: name, Role: u.Role, PasswordHash: h, CreatedAt: now, PasswordChangedAt: now}
	id, err := s.cfg.Store.CreateUser(ctx, nu)
	if err != nil {
		return User{}, fmt.Errorf("user: create %s: %w", email, err)
	}
	nu.ID = id
	s.cfg.Logger.InfoContext(ctx, "staff account created", "user_id", id, "role", nu.Role)
	return nu, nil
}

// User returns the account with the ID.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	return s.cfg.Store.UserByID(ctx, id)
}

// UserByEmail returns the account with the address, in any case.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	return s.cfg.Store.UserByEmail(ctx, email)
}

// Users returns up to limit accounts with IDs above afterID, in ID order.
func (s *Service) Users(ctx context.Context, afterID int64, limit int) ([]User, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.cfg.Store.ListUsers(ctx, afterID, limit)
}

// SetPassword gives the account a new password, as an owner or the command
// line does, and signs out every session of it.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	h, err := s.hash.hash(ctx, password)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.SetUserPassword(ctx, id, h, s.cfg.Now()); err != nil {
		return fmt.Errorf("user: set password of %d: %w", id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "password changed; sessions revoked", "user_id", id)
	return nil
}

// ChangePassword is the account holder changing their own password: the
// current one must be given. Every session ends, the caller's too, so the
// caller signs in again with the new password. Wrong current passwords count
// as failed sign-ins, so this cannot be used to guess around the throttle.
func (s *Service) ChangePassword(ctx context.Context, id int64, current, next, ip string) error {
	if err := CheckPassword(next); err != nil {
		return err
	}
	u, err := s.cfg.Store.UserByID(ctx, id)
	if err != nil {
		return fmt.Errorf("user: change password: %w", err)
	}
	attempt, err := s.startAttempt(ctx, u.Email, ip)
	if err != nil {
		return err
	}
	ok, err := s.hash.verify(ctx, current, u.PasswordHash)
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "stored password hash unusable", "user_id", u.ID, "err", err)
	}
	if !ok {
		return ErrLoginFailed
	}
	if err := s.cfg.Store.ClearLoginAttempts(ctx, attempt.EmailKey, attempt.IP); err != nil {
		return fmt.Errorf("user: change password: %w", err)
	}
	return s.SetPassword(ctx, id, next)
}

// SetRole changes what the account may do; it takes effect on its next
// request, sessions and tokens included.
func (s *Service) SetRole(ctx context.Context, id int64, r Role) error {
	if !r.Valid() {
		return fmt.Errorf("%w: role %q", ErrInvalid, r)
	}
	if err := s.cfg.Store.SetUserRole(ctx, id, r); err != nil {
		return fmt.Errorf("user: set role of %d: %w", id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "role changed", "user_id", id, "role", r)
	return nil
}

// SetDisabled disables an account, ending its sessions and stopping its
// tokens, or enables it again. Accounts are disabled, never deleted, so the
// articles and actions they are linked to keep their author.
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	if err := s.cfg.Store.SetUserDisabled(ctx, id, disabled); err != nil {
		return fmt.Errorf("user: disable %d: %w", id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "account disabled changed", "user_id", id, "disabled", disabled)
	return nil
}

// Prune deletes expired sessions; run it now and then so the table stays
// small. (Old sign-in attempts go as new ones are recorded.)
func (s *Service) Prune(ctx context.Context) error {
	now := s.cfg.Now()
	n, err := s.cfg.Store.DeleteExpiredSessions(ctx, now, now.Add(-s.cfg.IdleTimeout))
	if err != nil {
		return fmt.Errorf("user: prune sessions: %w", err)
	}
	if n > 0 {
		s.cfg.Logger.DebugContext(ctx, "expired sessions deleted", "count", n)
	}
	return nil
}

// isNotFound reports whether err says the thing looked for is not there.
func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
