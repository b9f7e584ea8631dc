package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/internal/delivery"
)

// The newsroom reads the delivery ledger to show what happened to mail:
// each row comes back as the delivery it was queued as and the result of
// its last attempt, the server's answer included.

const ledgerColumns = `id, kind, subscriber_id, campaign_id, recipient, attempts, created_at, first_attempt_at,
	state, done_at, next_attempt_at, smtp_code, smtp_status, smtp_text, message_id`

func scanLedger(rows pgx.Rows) ([]delivery.Delivery, []delivery.Result, error) {
	defer rows.Close()
	var ds []delivery.Delivery
	var rs []delivery.Result
	for rows.Next() {
		var d delivery.Delivery
		var r delivery.Result
		var kind, state string
		var created, first, done, next int64
		if err := rows.Scan(&d.ID, &kind, &d.SubscriberID, &d.CampaignID, &d.Recipient, &d.Attempts, &created, &first,
			&state, &done, &next, &r.Code, &r.Status, &r.Text, &r.MessageID); err != nil {
			return nil, nil, err
		}
		d.Kind, d.CreatedAt, d.FirstAttemptAt = delivery.Kind(kind), fromMS(created), fromMS(first)
		r.ID, r.State, r.At, r.NextAttempt, r.FirstAttempt = d.ID, delivery.State(state), fromMS(done), fromMS(next), d.FirstAttemptAt
		ds, rs = append(ds, d), append(rs, r)
	}
	return ds, rs, rows.Err()
}

// CampaignLedger returns up to limit of a campaign's deliveries in state
// (any state when empty) with IDs above afterID, in ID order.
func (s *Store) CampaignLedger(ctx context.Context, campaignID int64, state delivery.State, afterID int64, limit int) ([]delivery.Delivery, []delivery.Result, error) {
	q := `SELECT ` + ledgerColumns + ` FROM delivery WHERE campaign_id = $1 AND kind = 'campaign' AND id > $2`
	args := []any{campaignID, afterID}
	if state != "" {
		q, args = q+` AND state = $4`, append(args, limit, clean(string(state)))
	} else {
		args = append(args, limit)
	}
	rows, err := s.pool.Query(ctx, q+` ORDER BY id LIMIT $3`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: ledger of campaign %d: %w", campaignID, err)
	}
	ds, rs, err := scanLedger(rows)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: ledger of campaign %d: %w", campaignID, err)
	}
	return ds, rs, nil
}

// SubscriberLedger returns up to limit of a subscriber's deliveries of every
// kind, newest first, with IDs below beforeID when it is set.
func (s *Store) SubscriberLedger(ctx context.Context, subscriberID, beforeID int64, limit int) ([]delivery.Delivery, []delivery.Result, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := s.pool.Query(ctx, `SELECT `+ledgerColumns+` FROM delivery WHERE subscriber_id = $1 AND id < $2
		ORDER BY id DESC LIMIT $3`, subscriberID, beforeID, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: ledger of subscriber %d: %w", subscriberID, err)
	}
	ds, rs, err := scanLedger(rows)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: ledger of subscriber %d: %w", subscriberID, err)
	}
	return ds, rs, nil
}

// AddressedDeliveries returns the latest limit deliveries of kind that were
// queued to a given address rather than to a subscriber, newest first.
func (s *Store) AddressedDeliveries(ctx context.Context, kind delivery.Kind, limit int) ([]delivery.Delivery, []delivery.Result, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+ledgerColumns+` FROM delivery WHERE subscriber_id = 0 AND kind = $1
		ORDER BY id DESC LIMIT $2`, clean(string(kind)), limit)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: %s deliveries: %w", kind, err)
	}
	ds, rs, err := scanLedger(rows)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: %s deliveries: %w", kind, err)
	}
	return ds, rs, nil
}

// QueueAddressed queues one transactional message of kind to an address
// that need not be a subscriber's, and returns the delivery's ID.
func (s *Store) QueueAddressed(ctx context.Context, kind delivery.Kind, recipient string, at time.Time) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, recipient, state, next_attempt_at, created_at)
		VALUES ($1, $2, 0, $3, 'queued', $4, $4) RETURNING id`,
		clean(string(kind)), delivery.PriorityTransactional, clean(recipient), ms(at)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: queue %s to an address: %w", kind, err)
	}
	return id, nil
}

// CampaignUnsubscribes counts the people who were sent a campaign and then
// unsubscribed from its newsletter.
func (s *Store) CampaignUnsubscribes(ctx context.Context, campaignID int64) (int, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT count(DISTINCT d.subscriber_id) FROM delivery d
		JOIN consent c ON c.subscriber_id = d.subscriber_id
		WHERE d.campaign_id = $1 AND d.kind = 'campaign' AND d.state = 'sent'
			AND c.action = 'unsubscribe' AND c.at >= d.done_at
			AND c.newsletter_id = (SELECT newsletter_id FROM campaign WHERE id = $1)`, campaignID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: unsubscribes after campaign %d: %w", campaignID, err)
	}
	return int(n), nil
}

// DailySent counts the messages sent in each of days 24-hour periods
// starting at since, mail of every kind, for the dashboard's chart.
func (s *Store) DailySent(ctx context.Context, since time.Time, days int) ([]int, error) {
	out := make([]int, days)
	start := ms(since)
	rows, err := s.pool.Query(ctx, `SELECT (done_at - $1) / 86400000 AS day, count(*) FROM delivery
		WHERE state = 'sent' AND kind <> 'webhook' AND done_at >= $1 AND done_at < $2 GROUP BY day ORDER BY day LIMIT $3`,
		start, start+int64(days)*86400000, days)
	if err != nil {
		return nil, fmt.Errorf("postgres: daily sent: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day, n int64
		if err := rows.Scan(&day, &n); err != nil {
			return nil, fmt.Errorf("postgres: daily sent: %w", err)
		}
		if day >= 0 && day < int64(days) {
			out[day] = int(n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: daily sent: %w", err)
	}
	return out, nil
}
