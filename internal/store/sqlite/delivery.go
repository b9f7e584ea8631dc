package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"herald/internal/delivery"
)

// ClaimDeliveries leases due deliveries for c.Owner. Rows whose lease has
// run out go back to the queue first, so a dead worker's work is taken over.
func (s *Store) ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error) {
	var list []delivery.Delivery
	now := ms(c.Now)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE delivery SET state = 'queued', lease_owner = '', lease_until = 0
			WHERE state = 'sending' AND lease_until < ?`, now); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `
			UPDATE delivery SET state = 'sending', lease_owner = ?, lease_until = ?, fence = fence + 1
			WHERE id IN (SELECT id FROM delivery WHERE state = 'queued' AND next_attempt_at <= ?
				ORDER BY priority, next_attempt_at, id LIMIT ?)
			RETURNING id, fence, kind, subscriber_id, campaign_id, recipient, attempts, created_at, first_attempt_at`,
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
		return nil, fmt.Errorf("sqlite: claim deliveries: %w", err)
	}
	return list, nil
}

// RecordResults writes results whose fence still holds, in one transaction.
func (s *Store) RecordResults(ctx context.Context, rs []delivery.Result) (int, error) {
	applied := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		applied = 0
		upd, err := tx.PrepareContext(ctx, `UPDATE delivery SET state = ?, attempts = attempts + ?,
			next_attempt_at = ?, first_attempt_at = ?, lease_owner = '', lease_until = 0,
			smtp_code = ?, smtp_status = ?, smtp_text = ?, message_id = ?, done_at = ?
			WHERE id = ? AND fence = ? AND state = 'sending'`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, r := range rs {
			attempted, done, next := 0, int64(0), ms(r.NextAttempt)
			if r.Attempted {
				attempted = 1
			}
			if r.State != delivery.Queued {
				done, next = ms(r.At), 0
			}
			res, err := upd.ExecContext(ctx, string(r.State), attempted, next, ms(r.FirstAttempt),
				r.Code, r.Status, truncate(r.Text, 1000), r.MessageID, done, r.ID, r.Fence)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			applied++
			if r.Suppress {
				if _, err := tx.ExecContext(ctx, `INSERT INTO suppression (email_key, reason, created_at)
					SELECT lower(recipient), ?, ? FROM delivery WHERE id = ?
					ON CONFLICT (email_key) DO NOTHING`, truncate(fmt.Sprintf("%d %s %s", r.Code, r.Status, r.Text), 300), ms(r.At), r.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: record delivery results: %w", err)
	}
	return applied, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
