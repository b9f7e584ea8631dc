package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/internal/delivery"
	"herald/internal/webhook"
)

// webhookEndpointLock is the advisory lock key held while an endpoint is
// counted and created: PostgreSQL does not serialise writers the way
// SQLite does, so without it two creations at once could both count 99
// and make 101. "webhook" in ASCII.
const webhookEndpointLock int64 = 0x77_65_62_68_6f_6f_6b

// CreateWebhookEndpoint stores a new endpoint; its URL must not be used by
// another endpoint in force (webhook.ErrDuplicate), and there must be
// fewer than webhook.MaxEndpoints in force (webhook.ErrTooMany).
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e webhook.Endpoint) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, webhookEndpointLock); err != nil {
			return err
		}
		// A URL in force is tried all the same, so that it is refused as
		// taken, which says more than the limit.
		return tx.QueryRow(ctx, `INSERT INTO webhook_endpoint (url, secret, events, created_at)
			SELECT $1, $2, $3, $4
			WHERE (SELECT count(*) FROM webhook_endpoint WHERE disabled_at = 0) < $5
				OR EXISTS (SELECT 1 FROM webhook_endpoint WHERE url = $1 AND disabled_at = 0)
			RETURNING id`, e.URL, e.Secret, strings.Join(e.Events, ","), ms(e.CreatedAt), webhook.MaxEndpoints).Scan(&id)
	})
	if isUnique(err) {
		return 0, fmt.Errorf("postgres: webhook endpoint %s: %w", e.URL, webhook.ErrDuplicate)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("postgres: create webhook endpoint: %w", webhook.ErrTooMany)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: create webhook endpoint: %w", err)
	}
	return id, nil
}

const endpointColumns = `id, url, secret, events, created_at, disabled_at`

func scanEndpoint(row pgx.Row) (webhook.Endpoint, error) {
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
	rows, err := s.pool.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoint
		WHERE disabled_at = 0 AND id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: webhook endpoints: %w", err)
	}
	defer rows.Close()
	var list []webhook.Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: webhook endpoints: %w", err)
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: webhook endpoints: %w", err)
	}
	return list, nil
}

// DisableWebhookEndpoint stops an endpoint in force; its queued requests
// are skipped when their turn comes.
func (s *Store) DisableWebhookEndpoint(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_endpoint SET disabled_at = $1 WHERE id = $2 AND disabled_at = 0`, ms(at), id)
	if err != nil {
		return fmt.Errorf("postgres: disable webhook endpoint %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return webhook.ErrNotFound
	}
	return nil
}

// WebhookEndpointOf returns the endpoint a webhook delivery was queued
// for, also when it was disabled since (DisabledAt says so).
func (s *Store) WebhookEndpointOf(ctx context.Context, deliveryID int64) (webhook.Endpoint, error) {
	e, err := scanEndpoint(s.pool.QueryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoint
		WHERE id = (SELECT endpoint_id FROM delivery WHERE id = $1 AND kind = $2)`, deliveryID, string(webhook.Kind)))
	if errors.Is(err, pgx.ErrNoRows) {
		return webhook.Endpoint{}, webhook.ErrNotFound
	}
	if err != nil {
		return webhook.Endpoint{}, fmt.Errorf("postgres: webhook endpoint of delivery %d: %w", deliveryID, err)
	}
	return e, nil
}

// AddWebhookEvent stores an event and queues, in the same transaction, one
// delivery for each endpoint in force that subscribes to it, naming the
// endpoint by ID: it alone may receive the request.
func (s *Store) AddWebhookEvent(ctx context.Context, e webhook.Event) (int64, int, error) {
	var id int64
	var queued int
	err := s.tx(ctx, func(tx pgx.Tx) error {
		at := ms(e.CreatedAt)
		if err := tx.QueryRow(ctx, `INSERT INTO webhook_event (event, payload, created_at) VALUES ($1, $2, $3) RETURNING id`,
			e.Name, string(e.Payload), at).Scan(&id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, campaign_id, recipient, endpoint_id, state, next_attempt_at, created_at)
			SELECT $1, $2, 0, $3, url, id, 'queued', $4, $4 FROM webhook_endpoint
			WHERE disabled_at = 0 AND $5 = ANY (string_to_array(events, ','))
			ORDER BY id`,
			string(webhook.Kind), delivery.PriorityTransactional, id, at, e.Name)
		queued = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: add webhook event %s: %w", e.Name, err)
	}
	return id, queued, nil
}

// WebhookEvent returns one stored event.
func (s *Store) WebhookEvent(ctx context.Context, id int64) (webhook.Event, error) {
	var e webhook.Event
	var payload string
	var created int64
	err := s.pool.QueryRow(ctx, `SELECT id, event, payload::text, created_at FROM webhook_event WHERE id = $1`, id).
		Scan(&e.ID, &e.Name, &payload, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, webhook.ErrNoEvent
	}
	if err != nil {
		return e, fmt.Errorf("postgres: webhook event %d: %w", id, err)
	}
	e.Payload, e.CreatedAt = []byte(payload), fromMS(created)
	return e, nil
}

// WebhookAttempts lists the ledger rows of one event in ID order.
func (s *Store) WebhookAttempts(ctx context.Context, eventID int64) ([]webhook.Attempt, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, recipient, state, attempts, smtp_code, smtp_text, done_at FROM delivery
		WHERE kind = $1 AND campaign_id = $2 ORDER BY id LIMIT 1000`, string(webhook.Kind), eventID)
	if err != nil {
		return nil, fmt.Errorf("postgres: webhook attempts of event %d: %w", eventID, err)
	}
	defer rows.Close()
	var list []webhook.Attempt
	for rows.Next() {
		var a webhook.Attempt
		var state string
		var done int64
		if err := rows.Scan(&a.DeliveryID, &a.URL, &state, &a.Attempts, &a.Code, &a.Text, &done); err != nil {
			return nil, fmt.Errorf("postgres: webhook attempts of event %d: %w", eventID, err)
		}
		a.State, a.DoneAt = delivery.State(state), fromMS(done)
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: webhook attempts of event %d: %w", eventID, err)
	}
	return list, nil
}
