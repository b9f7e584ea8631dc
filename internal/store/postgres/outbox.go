package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"herald/internal/mail"
	"herald/internal/store"
)

// ErrNoOutboxMessage is returned when an outbox message does not exist. It
// is store.ErrNoOutboxMessage, as in the SQLite store, so callers treat both
// alike.
var ErrNoOutboxMessage = store.ErrNoOutboxMessage

// AddOutboxMessage keeps a message caught by the built-in outbox.
func (s *Store) AddOutboxMessage(ctx context.Context, m mail.OutboxMessage) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO outbox (sender, recipient, subject, data, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, m.From, m.To, m.Subject, m.Data, ms(m.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: add outbox message: %w", err)
	}
	return id, nil
}

// ListOutbox returns caught messages newest first, below beforeID when set.
func (s *Store) ListOutbox(ctx context.Context, beforeID int64, limit int) ([]mail.OutboxMessage, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := s.pool.Query(ctx, `SELECT id, sender, recipient, subject, created_at FROM outbox
		WHERE id < $1 ORDER BY id DESC LIMIT $2`, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list outbox: %w", err)
	}
	defer rows.Close()
	var list []mail.OutboxMessage
	for rows.Next() {
		var m mail.OutboxMessage
		var created int64
		if err := rows.Scan(&m.ID, &m.From, &m.To, &m.Subject, &created); err != nil {
			return nil, fmt.Errorf("postgres: list outbox: %w", err)
		}
		m.CreatedAt = fromMS(created)
		list = append(list, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list outbox: %w", err)
	}
	return list, nil
}

// OutboxMessage returns one caught message with its data.
func (s *Store) OutboxMessage(ctx context.Context, id int64) (mail.OutboxMessage, error) {
	var m mail.OutboxMessage
	var created int64
	err := s.pool.QueryRow(ctx, `SELECT id, sender, recipient, subject, data, created_at FROM outbox WHERE id = $1`, id).
		Scan(&m.ID, &m.From, &m.To, &m.Subject, &m.Data, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrNoOutboxMessage
	}
	if err != nil {
		return m, fmt.Errorf("postgres: outbox message %d: %w", id, err)
	}
	m.CreatedAt = fromMS(created)
	return m, nil
}
