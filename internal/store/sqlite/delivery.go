package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"herald/internal/delivery"
)

// ClaimDeliveries leases due deliveries for c.Owner. Rows whose lease has
// run out go back to the queue first, so a dead worker's work is taken over.
// Each row comes with what the renderer must know about the subscriber now.
func (s *Store) ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error) {
	var list []delivery.Delivery
	now := ms(c.Now)
	err := s.txWithMode(ctx, false, []string{
		`UPDATE delivery SET lease_owner = '', lease_until = 0,
			state = CASE WHEN kind = 'campaign' AND campaign_id IN (SELECT id FROM campaign WHERE state = 'paused')
				THEN 'held' ELSE 'queued' END
			WHERE state = 'sending' AND lease_until < ?`,
		`UPDATE delivery SET state = 'sending', lease_owner = ?, lease_until = ?, fence = fence + 1
			WHERE id IN (SELECT id FROM delivery WHERE state = 'queued' AND next_attempt_at <= ?
				AND (kind <> 'campaign' OR campaign_id IN (SELECT id FROM campaign WHERE state = 'sending'))
				ORDER BY priority, next_attempt_at, id LIMIT ?)
			RETURNING id, fence, kind, subscriber_id, campaign_id, recipient, attempts, created_at, first_attempt_at,
				coalesce((SELECT name FROM subscriber WHERE subscriber.id = delivery.subscriber_id), ''),
				coalesce((SELECT sp.state = 'confirmed' FROM subscription sp JOIN campaign cp ON cp.newsletter_id = sp.newsletter_id
					WHERE cp.id = delivery.campaign_id AND sp.subscriber_id = delivery.subscriber_id), 0),
				EXISTS (SELECT 1 FROM suppression WHERE email_key = lower(delivery.recipient))`,
	}, func(tx *sql.Tx, st []*sql.Stmt) error {
		if _, err := st[0].ExecContext(ctx, now); err != nil {
			return err
		}
		rows, err := st[1].QueryContext(ctx, c.Owner, ms(c.Now.Add(c.Lease)), now, c.Limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d delivery.Delivery
			var kind string
			var created, first int64
			if err := rows.Scan(&d.ID, &d.Fence, &kind, &d.SubscriberID, &d.CampaignID, &d.Recipient, &d.Attempts,
				&created, &first, &d.Name, &d.Subscribed, &d.Suppressed); err != nil {
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

// RecordResults writes results whose fence still holds, in one transaction,
// and keeps each campaign's counters in step with its ledger.
func (s *Store) RecordResults(ctx context.Context, rs []delivery.Result) (int, error) {
	applied := 0
	err := s.txWithMode(ctx, false, []string{
		`UPDATE delivery SET state = ?, attempts = attempts + ?,
			next_attempt_at = ?, first_attempt_at = ?, lease_owner = '', lease_until = 0,
			smtp_code = ?, smtp_status = ?, smtp_text = ?, message_id = ?, done_at = ?
			WHERE id = ? AND fence = ? AND state = 'sending'
			RETURNING CASE WHEN kind = 'campaign' THEN campaign_id ELSE 0 END`,
		`INSERT INTO suppression (email_key, reason, created_at)
			SELECT lower(recipient), ?, ? FROM delivery WHERE id = ?
			ON CONFLICT (email_key) DO NOTHING`,
		`UPDATE campaign SET sent = sent + ?, failed = failed + ?, skipped = skipped + ? WHERE id = ?`,
	}, func(tx *sql.Tx, st []*sql.Stmt) error {
		applied = 0
		counts := map[int64]*[3]int{}
		for _, r := range rs {
			attempted, done, next := 0, int64(0), ms(r.NextAttempt)
			if r.Attempted {
				attempted = 1
			}
			if r.State != delivery.Queued {
				done, next = ms(r.At), 0
			}
			var campaignID int64
			err := st[0].QueryRowContext(ctx, string(r.State), attempted, next, ms(r.FirstAttempt),
				r.Code, r.Status, truncate(r.Text, 1000), r.MessageID, done, r.ID, r.Fence).Scan(&campaignID)
			if errors.Is(err, sql.ErrNoRows) {
				continue // the lease was lost: someone else owns the row now
			}
			if err != nil {
				return err
			}
			applied++
			if r.Suppress {
				if _, err := st[1].ExecContext(ctx, truncate(fmt.Sprintf("%d %s %s", r.Code, r.Status, r.Text), 300), ms(r.At), r.ID); err != nil {
					return err
				}
			}
			if campaignID != 0 {
				c := counts[campaignID]
				if c == nil {
					c = new([3]int)
					counts[campaignID] = c
				}
				switch r.State {
				case delivery.Sent:
					c[0]++
				case delivery.Failed:
					c[1]++
				case delivery.Skipped:
					c[2]++
				}
			}
		}
		for id, c := range counts {
			if _, err := st[2].ExecContext(ctx, c[0], c[1], c[2], id); err != nil {
				return err
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

// SentSince counts the messages sent since a time, for quotas.
func (s *Store) SentSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM delivery WHERE state = 'sent' AND kind <> 'webhook' AND done_at >= ?`, ms(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count sent: %w", err)
	}
	return n, nil
}
