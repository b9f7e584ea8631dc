package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"herald/internal/delivery"
	"herald/internal/subscriber"
)

// ClaimDeliveries leases due deliveries for c.Owner. Rows whose lease has
// run out go back to the queue first, so a dead worker's work is taken over.
// Several processes may claim at once: each skips the rows another one has
// locked instead of waiting for them, so no row is handed out twice and no
// claimer blocks another.
func (s *Store) ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error) {
	var list []delivery.Delivery
	now := ms(c.Now)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE delivery SET state = 'queued', lease_owner = '', lease_until = 0
			WHERE id IN (SELECT id FROM delivery WHERE state = 'sending' AND lease_until < $1
				FOR UPDATE SKIP LOCKED)`, now); err != nil {
			return err
		}
		// MATERIALIZED runs the locking sub-select exactly once.
		rows, err := tx.Query(ctx, `
			WITH picked AS MATERIALIZED (
				SELECT id FROM delivery WHERE state = 'queued' AND next_attempt_at <= $3
				ORDER BY priority, next_attempt_at, id LIMIT $4
				FOR UPDATE SKIP LOCKED
			), claimed AS (
				UPDATE delivery d SET state = 'sending', lease_owner = $1, lease_until = $2, fence = d.fence + 1
				FROM picked WHERE d.id = picked.id
				RETURNING d.id, d.fence, d.kind, d.subscriber_id, d.campaign_id, d.recipient, d.attempts,
					d.created_at, d.first_attempt_at, d.priority, d.next_attempt_at
			)
			SELECT id, fence, kind, subscriber_id, campaign_id, recipient, attempts, created_at, first_attempt_at
			FROM claimed ORDER BY priority, next_attempt_at, id`,
			c.Owner, ms(c.Now.Add(c.Lease)), now, c.Limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d delivery.Delivery
			var kind string
			var created, first int64
			if err := rows.Scan(&d.ID, &d.Fence, &kind, &d.SubscriberID, &d.CampaignID, &d.Recipient, &d.Attempts, &created, &first); err != nil {
				return err
			}
			d.Kind, d.CreatedAt, d.FirstAttemptAt = delivery.Kind(kind), fromMS(created), fromMS(first)
			list = append(list, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
	}
	return list, nil
}

// RecordResults writes results whose fence still holds, in one transaction.
// Rows are updated in ID order, so two writers never wait on each other in
// a cycle.
func (s *Store) RecordResults(ctx context.Context, rs []delivery.Result) (int, error) {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b delivery.Result) int { return cmp.Compare(a.ID, b.ID) })
	applied := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		applied = 0
		var suppress []delivery.Result
		var recipients []string
		b := &pgx.Batch{}
		for _, r := range rs {
			attempted, done, next := 0, int64(0), ms(r.NextAttempt)
			if r.Attempted {
				attempted = 1
			}
			if r.State != delivery.Queued {
				done, next = ms(r.At), 0
			}
			b.Queue(`UPDATE delivery SET state = $1, attempts = attempts + $2,
				next_attempt_at = $3, first_attempt_at = $4, lease_owner = '', lease_until = 0,
				smtp_code = $5, smtp_status = $6, smtp_text = $7, message_id = $8, done_at = $9
				WHERE id = $10 AND fence = $11 AND state = 'sending'
				RETURNING recipient`,
				string(r.State), attempted, next, ms(r.FirstAttempt),
				r.Code, clean(r.Status), truncate(clean(r.Text), 1000), clean(r.MessageID), done, r.ID, r.Fence,
			).QueryRow(func(row pgx.Row) error {
				var recipient string
				err := row.Scan(&recipient)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil // the fence moved on: another owner has the row
				}
				if err != nil {
					return err
				}
				applied++
				if r.Suppress {
					suppress, recipients = append(suppress, r), append(recipients, recipient)
				}
				return nil
			})
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		for i, r := range suppress {
			// The key is made in Go, as IsSuppressed makes it, rather than
			// with SQL lower(), whose idea of case depends on the locale.
			if _, err := tx.Exec(ctx, `INSERT INTO suppression (email_key, reason, created_at)
				VALUES ($1, $2, $3) ON CONFLICT (email_key) DO NOTHING`,
				subscriber.EmailKey(recipients[i]), truncate(clean(fmt.Sprintf("%d %s %s", r.Code, r.Status, r.Text)), 300), ms(r.At)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: record delivery results: %w", err)
	}
	return applied, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
