package user

import (
	"context"
	"time"
)

// Store is what staff accounts need from storage. Methods that find one
// thing return ErrNotFound when it is not there.
type Store interface {
	// CreateUser inserts u and returns its ID; ErrEmailTaken when another
	// account has the same EmailKey.
	CreateUser(ctx context.Context, u User) (int64, error)
	UserByID(ctx context.Context, id int64) (User, error)
	// UserByEmail finds an account by EmailKey(email).
	UserByEmail(ctx context.Context, email string) (User, error)
	// ListUsers returns up to limit accounts with IDs above afterID.
	ListUsers(ctx context.Context, afterID int64, limit int) ([]User, error)
	// SetUserPassword stores a new hash and its time and, in the same
	// transaction, deletes every session of the account: whoever knew the
	// old password must not stay signed in.
	SetUserPassword(ctx context.Context, id int64, hash string, at time.Time) error
	SetUserRole(ctx context.Context, id int64, r Role) error
	// SetUserDisabled disables or enables the account; disabling deletes
	// its sessions in the same transaction.
	SetUserDisabled(ctx context.Context, id int64, disabled bool) error
	// SetUserTOTP stores the second-factor secret ("" removes it) and
	// forgets the last step used.
	SetUserTOTP(ctx context.Context, id int64, secret string) error
	// UseTOTPStep records that the code of step was used, and reports
	// false without changing anything when that step or a later one was
	// used before. It is one conditional update, so two processes cannot
	// both accept one code.
	UseTOTPStep(ctx context.Context, id int64, step int64) (bool, error)

	// StartLoginAttempt counts the attempts on a.EmailKey and from a.IP
	// after since; when both are below their limits it records a and
	// returns true, otherwise it records nothing and returns false. A
	// maxIP of 0 leaves the network uncounted. Counting and recording are
	// one transaction so that processes sharing the database throttle
	// together. Attempts at or before since may be deleted.
	StartLoginAttempt(ctx context.Context, a LoginAttempt, since time.Time, maxAccount, maxIP int) (bool, error)
	// ClearLoginAttempts deletes the attempts on emailKey from ip, once a
	// sign-in from there succeeded: the holder's own typos are forgiven,
	// while failures from elsewhere keep counting against the address and
	// their networks.
	ClearLoginAttempts(ctx context.Context, emailKey, ip string) error

	CreateSession(ctx context.Context, s Session) error
	SessionByID(ctx context.Context, id string) (Session, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteExpiredSessions deletes sessions that expired at or before
	// expiredAt or were last seen at or before idleSince, and returns how
	// many went.
	DeleteExpiredSessions(ctx context.Context, expiredAt, idleSince time.Time) (int64, error)

	// CreateAPIToken stores t, found later by its hash, and returns its ID.
	CreateAPIToken(ctx context.Context, t Token, hash string) (int64, error)
	APITokenByHash(ctx context.Context, hash string) (Token, error)
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
	// RevokeAPIToken marks the user's token revoked; ErrNotFound when the
	// user has no such token or it was revoked before.
	RevokeAPIToken(ctx context.Context, userID, id int64, at time.Time) error
	// ListAPITokens returns the user's tokens, revoked ones too, oldest
	// first, at most 1000.
	ListAPITokens(ctx context.Context, userID int64) ([]Token, error)
}

// LoginAttempt is one try to sign in, kept for a while so that failures can
// be counted across processes.
type LoginAttempt struct {
	EmailKey string
	IP       string // the network it came from; see throttleIP
	At       time.Time
}
