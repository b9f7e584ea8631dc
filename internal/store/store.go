// Package store names what the SQLite and PostgreSQL stores report alike,
// so callers can act on it without knowing which one they hold.
package store

import "errors"

// Errors both stores return.
var (
	ErrNoSetting       = errors.New("setting not found")
	ErrDuplicate       = errors.New("already exists")
	ErrNoOutboxMessage = errors.New("outbox message not found")
)
