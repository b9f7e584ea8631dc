package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/internal/delivery"
)

// ClaimDeliveries leases due deliveries for c.Owner. Rows whose lease has
// run out go back to the queue first (or are held, when their campaign is
// paused), so a dead worker's work is taken over. Each row comes with what
// the renderer must know about the subscriber now.
//
// Several processes may claim at once: each skips the rows another one has
// locked instead of waiting for them, so no row is handed out twice and no
// claimer blocks another.
func (s *Store) ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error) {
	var list []delivery.Delivery
	now := ms(c.Now)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE delivery SET lease_owner = '', lease_until = 0,
				state = CASE WHEN kind = 'campaign' AND campaign_id IN (SELECT id FROM campaign WHERE state = 'paused')
					THEN 'held' ELSE 'queued' END
			WHERE id IN (SELECT id FROM delivery WHERE state = 'sending' AND lease_until < $1
				FOR UPDATE SKIP LOCKED)`, now); err != nil {
			return err
		}
		// MATERIALIZED runs the locking sub-select exactly once.
		rows, err := tx.Query(ctx, `
			WITH picked AS MATERIALIZED (
				SELECT id FROM delivery WHERE state = 'queued' AND next_attempt_at <= $3
					AND (kind <> 'campaign' OR campaign_id IN (SELECT id FROM campaign WHERE state = 'sending'))
				ORDER BY priority, next_attempt_at, id LIMIT $4
				FOR UPDATE SKIP LOCKED
			), claimed AS (
				UPDATE delivery d SET state = 'sending', lease_owner = $1, lease_until = $2, fence = d.fence + 1
				FROM picked WHERE d.id = picked.id
				RETURNING d.id, d.fence, d.kind, d.subscriber_id, d.campaign_id, d.recipient, d.attempts,
					d.created_at, d.first_attempt_at, d.priority, d.next_attempt_at
			)
			SELECT c.id, c.fence, c.kind, c.subscriber_id, c.campaign_id, c.recipient, c.attempts, c.created_at, c.first_attempt_at,
				coalesce((SELECT name FROM subscriber WHERE subscriber.id = c.subscriber_id), ''),
				coalesce((SELECT sp.state = 'confirmed' FROM subscription sp JOIN campaign cp ON cp.newsletter_id = sp.newsletter_id
					WHERE cp.id = c.campaign_id AND sp.subscriber_id = c.subscriber_id), false),
				EXISTS (SELECT 1 FROM suppression WHERE email_key = lower(c.recipient))
			FROM claimed c ORDER BY c.priority, c.next_attempt_at, c.id`,
			c.Owner, ms(c.Now.Add(c.Lease)), now, c.Limit)
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
		return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
	}
	return list, nil
}

// RecordResults writes results whose fence still holds, in one transaction,
// and keeps each campaign's counters in step with its ledger. Rows, then
// campaigns, are updated in ID order, so two writers never wait on each
// other in a cycle.
func (s *Store) RecordResults(ctx context.Context, rs []delivery.Result) (int, error) {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b delivery.Result) int { return cmp.Compare(a.ID, b.ID) })
	applied := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		applied = 0
		var suppress []delivery.Result
		counts := map[int64]*[3]int{}
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
				RETURNING CASE WHEN kind = 'campaign' THEN campaign_id ELSE 0 END`,
				string(r.State), attempted, next, ms(r.FirstAttempt),
				r.Code, clean(r.Status), truncate(clean(r.Text), 1000), clean(r.MessageID), done, r.ID, r.Fence,
			).QueryRow(func(row pgx.Row) error {
				var campaignID int64
				err := row.Scan(&campaignID)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil // the lease was lost: someone else owns the row now
				}
				if err != nil {
					return err
				}
				applied++
				if r.Suppress {
					suppress = append(suppress, r)
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
				return nil
			})
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		b = &pgx.Batch{}
		for _, r := range suppress {
			b.Queue(`INSERT INTO suppression (email_key, reason, created_at)
				SELECT lower(recipient), $1, $2 FROM delivery WHERE id = $3
				ON CONFLICT (email_key) DO NOTHING`,
				truncate(clean(fmt.Sprintf("%d %s %s", r.Code, r.Status, r.Text)), 300), ms(r.At), r.ID)
		}
		for _, id := range slices.Sorted(maps.Keys(counts)) {
			c := counts[id]
			b.Queue(`UPDATE campaign SET sent = sent + $1, failed = failed + $2, skipped = skipped + $3 WHERE id = $4`,
				c[0], c[1], c[2], id)
		}
		if b.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: record delivery results: %w", err)
	}
	return applied, nil
}

// SentSince counts the messages sent since a time, for quotas.
func (s *Store) SentSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM delivery WHERE state = 'sent' AND kind <> 'webhook' AND done_at >= $1`, ms(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count sent: %w", err)
	}
	return n, nil
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
