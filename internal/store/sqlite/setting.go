package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"herald/internal/store"
)

// ErrNoSetting is returned when a setting has never been stored.
var ErrNoSetting = store.ErrNoSetting

// Setting returns the stored value of key.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.queryRow(ctx, `SELECT value FROM setting WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoSetting
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: setting %s: %w", key, err)
	}
	return v, nil
}

// EnsureSetting stores value under key unless a value is there already, and
// returns whichever value is stored. Processes sharing a database thus agree
// on one value even when they start together.
func (s *Store) EnsureSetting(ctx context.Context, key, value string) (string, error) {
	var v string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM setting WHERE key = ?`, key).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("sqlite: ensure setting %s: %w", key, err)
	}
	return v, nil
}
