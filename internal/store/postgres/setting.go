package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"herald/internal/store"
)

// ErrNoSetting is returned when a setting has never been stored. It is
// store.ErrNoSetting, as in the SQLite store, so callers treat both alike.
var ErrNoSetting = store.ErrNoSetting

// Setting returns the stored value of key.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM setting WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNoSetting
	}
	if err != nil {
		return "", fmt.Errorf("postgres: setting %s: %w", key, err)
	}
	return v, nil
}

// EnsureSetting stores value under key unless a value is there already, and
// returns whichever value is stored. Processes sharing a database thus agree
// on one value even when they start together: a second insert of the same
// key waits for the first to commit, then does nothing, and the read that
// follows sees the first one's value.
func (s *Store) EnsureSetting(ctx context.Context, key, value string) (string, error) {
	var v string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM setting WHERE key = $1`, key).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("postgres: ensure setting %s: %w", key, err)
	}
	return v, nil
}
