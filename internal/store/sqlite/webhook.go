package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"herald/internal/delivery"
	"herald/internal/webhook"
)

// CreateWebhookEndpoint stores a new endpoint; its URL must not be used by
// another endpoint in force (webhook.ErrDuplicate), and there must be
// fewer than webhook.MaxEndpoints in force (webhook.ErrTooMany). One
// statement counts and inserts, and SQLite runs one writer at a time, so
// creations at once cannot pass the limit.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e webhook.Endpoint) (int64, error) {
	var id int64
	// A URL in force is tried all the same, so that it is refused as
	// taken, which says more than the limit.
	err := s.write.QueryRowContext(ctx, `INSERT INTO webhook_endpoint (url, secret, events, created_at)
		SELECT ?1, ?2, ?3, ?4
		WHERE (SELECT count(*) FROM webhook_endpoint WHERE disabled_at = 0) < ?5
			OR EXISTS (SELECT 1 FROM webhook_endpoint WHERE url = ?1 AND disabled_at = 0)
		RETURNING id`, e.URL, e.Secret, strings.Join(e.Events, ","), ms(e.CreatedAt), webhook.MaxEndpoints).Scan(&id)
	if isUnique(err) {
		return 0, fmt.Errorf("sqlite: webhook endpoint %s: %w", e.URL, webhook.ErrDuplicate)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: create webhook endpoint: %w", webhook.ErrTooMany)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: create webhook endpoint: %w", err)
	}
	return id, nil
}

const endpointColumns = `id, url, secret, events, created_at, disabled_at`

func scanEndpoint(row interface{ Scan(...any) error }) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	var events string
	var created, disabled int64
	err := row.Scan(&e.ID, &e.URL, &e.Secret, &events, &created, &disabled)
	if events != "" {
		e.Events = strings.Split(events, ",")
	}
	e.CreatedAt, e.DisabledAt = fromMS(created), fromMS(disabled)
	return e, err
}

// WebhookEndpoints returns up to limit endpoints in force after afterID.
func (s *Store) WebhookEndpoints(ctx context.Context, afterID int64, limit int) ([]webhook.Endpoint, error) {
	rows, err := s.query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoint
		WHERE disabled_at = 0 AND id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: webhook endpoints: %w", err)
	}
	defer rows.Close()
	var list []webhook.Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: webhook endpoints: %w", err)
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: webhook endpoints: %w", err)
	}
	return list, nil
}

// DisableWebhookEndpoint stops an endpoint in force; its queued requests
// are skipped when their turn comes.
func (s *Store) DisableWebhookEndpoint(ctx context.Context, id int64, at time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE webhook_endpoint SET disabled_at = ? WHERE id = ? AND disabled_at = 0`, ms(at), id)
	if err != nil {
		return fmt.Errorf("sqlite: disable webhook endpoint %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: disable webhook endpoint %d: %w", id, err)
	} else if n == 0 {
		return webhook.ErrNotFound
	}
	return nil
}

// WebhookEndpointOf returns the endpoint a webhook delivery was queued
// for, also when it was disabled since (DisabledAt says so).
func (s *Store) WebhookEndpointOf(ctx context.Context, deliveryID int64) (webhook.Endpoint, error) {
	e, err := scanEndpoint(s.queryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoint
		WHERE id = (SELECT endpoint_id FROM delivery WHERE id = ? AND kind = ?)`, deliveryID, string(webhook.Kind)))
	if errors.Is(err, sql.ErrNoRows) {
		return webhook.Endpoint{}, webhook.ErrNotFound
	}
	if err != nil {
		return webhook.Endpoint{}, fmt.Errorf("sqlite: webhook endpoint of delivery %d: %w", deliveryID, err)
	}
	return e, nil
}

// AddWebhookEvent stores an event and queues, in the same transaction, one
// delivery for each endpoint in force that subscribes to it, naming the
// endpoint by ID: it alone may receive the request.
func (s *Store) AddWebhookEvent(ctx context.Context, e webhook.Event) (int64, int, error) {
	var id int64
	var queued int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		at := ms(e.CreatedAt)
		if err := tx.QueryRowContext(ctx, `INSERT INTO webhook_event (event, payload, created_at) VALUES (?, ?, ?) RETURNING id`,
			e.Name, string(e.Payload), at).Scan(&id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, campaign_id, recipient, endpoint_id, state, next_attempt_at, created_at)
			SELECT ?, ?, 0, ?, url, id, 'queued', ?, ? FROM webhook_endpoint
			WHERE disabled_at = 0 AND instr(',' || events || ',', ',' || ? || ',') > 0
			ORDER BY id`,
			string(webhook.Kind), delivery.PriorityTransactional, id, at, at, e.Name)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		queued = int(n)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: add webhook event %s: %w", e.Name, err)
	}
	return id, queued, nil
}

// WebhookEvent returns one stored event.
func (s *Store) WebhookEvent(ctx context.Context, id int64) (webhook.Event, error) {
	var e webhook.Event
	var payload string
	var created int64
	err := s.queryRow(ctx, `SELECT id, event, payload, created_at FROM webhook_event WHERE id = ?`, id).
		Scan(&e.ID, &e.Name, &payload, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return e, webhook.ErrNoEvent
	}
	if err != nil {
		return e, fmt.Errorf("sqlite: webhook event %d: %w", id, err)
	}
	e.Payload, e.CreatedAt = []byte(payload), fromMS(created)
	return e, nil
}

// WebhookAttempts lists the ledger rows of one event in ID order.
func (s *Store) WebhookAttempts(ctx context.Context, eventID int64) ([]webhook.Attempt, error) {
	rows, err := s.query(ctx, `SELECT id, recipient, state, attempts, smtp_code, smtp_text, done_at FROM delivery
		WHERE kind = ? AND campaign_id = ? ORDER BY id LIMIT 1000`, string(webhook.Kind), eventID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: webhook attempts of event %d: %w", eventID, err)
	}
	defer rows.Close()
	var list []webhook.Attempt
	for rows.Next() {
		var a webhook.Attempt
		var state string
		var done int64
		if err := rows.Scan(&a.DeliveryID, &a.URL, &state, &a.Attempts, &a.Code, &a.Text, &done); err != nil {
			return nil, fmt.Errorf("sqlite: webhook attempts of event %d: %w", eventID, err)
		}
		a.State, a.DoneAt = delivery.State(state), fromMS(done)
		list = append(list, a)
	}
	return list, rows.Err()
}
