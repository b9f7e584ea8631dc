package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"herald/internal/user"
)

// The staff account rules run on this store.
var _ user.Store = (*Store)(nil)

const userColumns = `id, email, name, role, password_hash, totp_secret, created_at, password_changed_at, disabled`

func scanUser(row interface{ Scan(...any) error }) (user.User, error) {
	var u user.User
	var role string
	var created, changed int64
	var disabled int
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &u.TOTPSecret, &created, &changed, &disabled); err != nil {
		return u, err
	}
	u.Role = user.Role(role)
	u.CreatedAt, u.PasswordChangedAt = fromMS(created), fromMS(changed)
	u.Disabled = disabled != 0
	return u, nil
}

// CreateUser inserts a staff account and returns its ID.
func (s *Store) CreateUser(ctx context.Context, u user.User) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO user_account (email, email_key, name, role, password_hash,
			totp_secret, created_at, password_changed_at, disabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Email, user.EmailKey(u.Email), u.Name, string(u.Role), u.PasswordHash, u.TOTPSecret,
			ms(u.CreatedAt), ms(u.PasswordChangedAt), userFlag(u.Disabled)).Scan(&id)
	})
	if isUnique(err) {
		return 0, user.ErrEmailTaken
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: create user: %w", err)
	}
	return id, nil
}

// UserByID returns the staff account with the ID.
func (s *Store) UserByID(ctx context.Context, id int64) (user.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM user_account WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, user.ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("sqlite: user %d: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the staff account with the address, in any case.
func (s *Store) UserByEmail(ctx context.Context, email string) (user.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM user_account WHERE email_key = ?`, user.EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, user.ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("sqlite: user by email: %w", err)
	}
	return u, nil
}

// ListUsers returns up to limit staff accounts with IDs above afterID.
func (s *Store) ListUsers(ctx context.Context, afterID int64, limit int) ([]user.User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+` FROM user_account WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	defer rows.Close()
	var list []user.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list users: %w", err)
		}
		list = append(list, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	return list, nil
}

// SetUserPassword stores a new password hash and deletes every session of
// the account, in one transaction.
func (s *Store) SetUserPassword(ctx context.Context, id int64, hash string, at time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := updateUserRow(ctx, tx, `UPDATE user_account SET password_hash = ?, password_changed_at = ? WHERE id = ?`, hash, ms(at), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM session WHERE user_id = ?`, id)
		return err
	})
	return userErr("set password", id, err)
}

// SetUserRole changes the account's role.
func (s *Store) SetUserRole(ctx context.Context, id int64, r user.Role) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return updateUserRow(ctx, tx, `UPDATE user_account SET role = ? WHERE id = ?`, string(r), id)
	})
	return userErr("set role", id, err)
}

// SetUserDisabled disables or enables the account; disabling deletes its
// sessions in the same transaction.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := updateUserRow(ctx, tx, `UPDATE user_account SET disabled = ? WHERE id = ?`, userFlag(disabled), id); err != nil {
			return err
		}
		if !disabled {
			return nil
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM session WHERE user_id = ?`, id)
		return err
	})
	return userErr("set disabled", id, err)
}

// SetUserTOTP stores the second-factor secret and forgets the last step used.
func (s *Store) SetUserTOTP(ctx context.Context, id int64, secret string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return updateUserRow(ctx, tx, `UPDATE user_account SET totp_secret = ?, totp_last_step = 0 WHERE id = ?`, secret, id)
	})
	return userErr("set second factor", id, err)
}

// UseTOTPStep records the step of a used code unless it, or a later one,
// was used before.
func (s *Store) UseTOTPStep(ctx context.Context, id int64, step int64) (bool, error) {
	var fresh bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE user_account SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		fresh = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: use code of user %d: %w", id, err)
	}
	return fresh, nil
}

// StartLoginAttempt counts recent attempts on the address and from the
// network and records this one when both are under their limits.
func (s *Store) StartLoginAttempt(ctx context.Context, a user.LoginAttempt, since time.Time, maxAccount, maxIP int) (bool, error) {
	var ok bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempt WHERE at <= ?`, ms(since)); err != nil {
			return err
		}
		var onAccount, fromIP int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM login_attempt WHERE email_key = ? AND at > ?`,
			a.EmailKey, ms(since)).Scan(&onAccount); err != nil {
			return err
		}
		if maxIP > 0 {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM login_attempt WHERE ip = ? AND at > ?`,
				a.IP, ms(since)).Scan(&fromIP); err != nil {
				return err
			}
		}
		if onAccount >= maxAccount || (maxIP > 0 && fromIP >= maxIP) {
			return nil
		}
		ok = true
		_, err := tx.ExecContext(ctx, `INSERT INTO login_attempt (email_key, ip, at) VALUES (?, ?, ?)`, a.EmailKey, a.IP, ms(a.At))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: start login attempt: %w", err)
	}
	return ok, nil
}

// ClearLoginAttempts deletes the attempts on the address from the network.
func (s *Store) ClearLoginAttempts(ctx context.Context, emailKey, ip string) error {
	return s.userExec(ctx, "clear login attempts", `DELETE FROM login_attempt WHERE email_key = ? AND ip = ?`, emailKey, ip)
}

// updateUserRow runs an UPDATE that must change exactly one row; none is
// user.ErrNotFound.
func updateUserRow(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return user.ErrNotFound
	}
	return nil
}

func userErr(what string, id int64, err error) error {
	if err == nil || errors.Is(err, user.ErrNotFound) {
		return err
	}
	return fmt.Errorf("sqlite: %s of user %d: %w", what, id, err)
}

func userFlag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func joinScopes(ps []user.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " ")
}

func splitScopes(s string) []user.Permission {
	var ps []user.Permission
	for _, f := range strings.Fields(s) {
		ps = append(ps, user.Permission(f))
	}
	return ps
}

const sessionColumns = `id, user_id, created_at, last_seen_at, expires_at, ip, user_agent`

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, se user.Session) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO session (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			se.ID, se.UserID, ms(se.CreatedAt), ms(se.LastSeenAt), ms(se.ExpiresAt), clean(se.IP), clean(se.UserAgent))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	return nil
}

// SessionByID returns the session with the ID (the hash of its token).
func (s *Store) SessionByID(ctx context.Context, id string) (user.Session, error) {
	var se user.Session
	var created, seen, expires int64
	err := s.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM session WHERE id = ?`, id).
		Scan(&se.ID, &se.UserID, &created, &seen, &expires, &se.IP, &se.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return se, user.ErrNotFound
	}
	if err != nil {
		return se, fmt.Errorf("sqlite: session: %w", err)
	}
	se.CreatedAt, se.LastSeenAt, se.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return se, nil
}

// TouchSession records that the session was used at.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	return s.userExec(ctx, "touch session", `UPDATE session SET last_seen_at = ? WHERE id = ?`, ms(at), id)
}

// DeleteSession deletes the session, if it is still there.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.userExec(ctx, "delete session", `DELETE FROM session WHERE id = ?`, id)
}

// DeleteExpiredSessions deletes sessions past their lifetime or idle timeout.
func (s *Store) DeleteExpiredSessions(ctx context.Context, expiredAt, idleSince time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM session WHERE expires_at <= ? OR last_seen_at <= ?`, ms(expiredAt), ms(idleSince))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return n, nil
}

const apiTokenColumns = `id, user_id, name, scopes, created_at, last_used_at, revoked_at`

func scanAPIToken(row interface{ Scan(...any) error }) (user.Token, error) {
	var t user.Token
	var scopes string
	var created, used, revoked int64
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &scopes, &created, &used, &revoked); err != nil {
		return t, err
	}
	t.Scopes = splitScopes(scopes)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromMS(used), fromMS(revoked)
	return t, nil
}

// CreateAPIToken stores an API token under the hash of its plaintext.
func (s *Store) CreateAPIToken(ctx context.Context, t user.Token, hash string) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO api_token (user_id, name, hash, scopes, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, t.UserID, t.Name, hash, joinScopes(t.Scopes), ms(t.CreatedAt)).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: create API token: %w", err)
	}
	return id, nil
}

// APITokenByHash returns the API token whose plaintext has the hash.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (user.Token, error) {
	t, err := scanAPIToken(s.read.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_token WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, user.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("sqlite: API token: %w", err)
	}
	return t, nil
}

// TouchAPIToken records that the token was used at.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	return s.userExec(ctx, "touch API token", `UPDATE api_token SET last_used_at = ? WHERE id = ?`, ms(at), id)
}

// RevokeAPIToken revokes the user's token, if it is in force.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id int64, at time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return updateUserRow(ctx, tx, `UPDATE api_token SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at = 0`, ms(at), id, userID)
	})
	return userErr("revoke API token", userID, err)
}

// ListAPITokens returns the user's tokens, oldest first.
func (s *Store) ListAPITokens(ctx context.Context, userID int64) ([]user.Token, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+apiTokenColumns+` FROM api_token WHERE user_id = ? ORDER BY id LIMIT 1000`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list API tokens: %w", err)
	}
	defer rows.Close()
	var list []user.Token
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list API tokens: %w", err)
		}
		list = append(list, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list API tokens: %w", err)
	}
	return list, nil
}

// userExec runs one write statement in its own transaction.
func (s *Store) userExec(ctx context.Context, what, query string, args ...any) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}
