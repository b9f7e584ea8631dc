package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/internal/delivery"
)

// ClaimDeliveries leases due deliveries for c.Owner. A claimed row stays
// queued and only its lease columns change (lease_owner, lease_until and
// the fence, bumped at each claim): no indexed column, so PostgreSQL
// updates the row in place (a HOT update) without touching any index. A
// row whose lease has run out is due again, so a dead worker's work is
// taken over without any clean-up. Each row comes with what the renderer
// must know about the subscriber now.
//
// Several processes may claim at once: each skips the rows another one has
// locked instead of waiting for them, so no row is handed out twice and no
// claimer blocks another. The rows are picked first and leased by primary
// key after, so that leasing never becomes a join over the whole ledger.
func (s *Store) ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error) {
	var list []delivery.Delivery
	now := ms(c.Now)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		list = list[:0]
		// Pick in queue order, locking the rows and skipping those another
		// claimer holds. An ordered walk of delivery_due is the plan wanted
		// here whatever the statistics say: right after a bulk freeze they
		// may call the queue tiny, and the planner would then sort every
		// queued row at each claim.
		if _, err := tx.Exec(ctx, `SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, lease_until > 0 FROM delivery
			WHERE state = 'queued' AND next_attempt_at <= $1 AND lease_until < $1
				AND (kind <> 'campaign' OR campaign_id IN (SELECT id FROM campaign WHERE state = 'sending'))
			ORDER BY priority, next_attempt_at, id LIMIT $2
			FOR UPDATE SKIP LOCKED`, now, c.Limit)
		if err != nil {
			return err
		}
		var ids []int64
		expired := map[int64]bool{}
		for rows.Next() {
			var id int64
			var lapsed bool
			if err := rows.Scan(&id, &lapsed); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
			if lapsed {
				expired[id] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		// Then lease them by primary key.
		rows, err = tx.Query(ctx, `
			WITH claimed AS (
				UPDATE delivery SET lease_owner = $1, lease_until = $2, fence = fence + 1
				WHERE id = ANY($3)
				RETURNING id, fence, kind, subscriber_id, campaign_id, recipient, attempts,
					created_at, first_attempt_at, priority, next_attempt_at
			)
			SELECT c.id, c.fence, c.kind, c.subscriber_id, c.campaign_id, c.recipient, c.attempts, c.created_at, c.first_attempt_at,
				coalesce((SELECT name FROM subscriber WHERE subscriber.id = c.subscriber_id), ''),
				coalesce((SELECT sp.state = 'confirmed' FROM subscription sp JOIN campaign cp ON cp.newsletter_id = sp.newsletter_id
					WHERE cp.id = c.campaign_id AND sp.subscriber_id = c.subscriber_id), false),
				EXISTS (SELECT 1 FROM suppression WHERE email_key = lower(c.recipient)),
				CASE WHEN c.kind IN ('confirm', 'welcome') THEN coalesce((SELECT string_agg(newsletter_id || ':' || state, ',')
					FROM subscription WHERE subscriber_id = c.subscriber_id), '') ELSE '' END
			FROM claimed c ORDER BY c.priority, c.next_attempt_at, c.id`,
			c.Owner, ms(c.Now.Add(c.Lease)), ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d delivery.Delivery
			var kind, states string
			var created, first int64
			if err := rows.Scan(&d.ID, &d.Fence, &kind, &d.SubscriberID, &d.CampaignID, &d.Recipient, &d.Attempts,
				&created, &first, &d.Name, &d.Subscribed, &d.Suppressed, &states); err != nil {
				return err
			}
			d.LeaseExpired = expired[d.ID]
			d.SubscriptionStates = delivery.ParseSubscriptionStates(states)
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
// and keeps each campaign's counters in step with its ledger. The group is
// one UPDATE over arrays, so the server plans and runs one statement
// however many answers there are; campaigns are updated in ID order, so two
// writers never wait on each other in a cycle.
func (s *Store) RecordResults(ctx context.Context, rs []delivery.Result) (int, error) {
	if len(rs) == 0 {
		return 0, nil
	}
	n := len(rs)
	var (
		ids, fences, nexts, firsts, dones = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		attempted, codes                  = make([]int32, n), make([]int32, n)
		states, statuses, texts, mids     = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	)
	for i := range rs {
		r := &rs[i]
		ids[i], fences[i], nexts[i], firsts[i] = r.ID, r.Fence, ms(r.NextAttempt), ms(r.FirstAttempt)
		if r.Attempted {
			attempted[i] = 1
		}
		if r.State != delivery.Queued {
			dones[i], nexts[i] = ms(r.At), 0
		}
		codes[i] = int32(r.Code)
		states[i], statuses[i], texts[i], mids[i] = string(r.State), clean(r.Status), truncate(clean(r.Text), 1000), clean(r.MessageID)
	}
	var tally *delivery.Tally
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tally = delivery.NewTally(rs)
		// Rows are found by primary key, however the statistics of a ledger
		// that grew since they were taken make a join look.
		if _, err := tx.Exec(ctx, `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true)`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE delivery d SET attempts = d.attempts + r.attempted,
				state = CASE WHEN r.state = 'queued' AND d.kind = 'campaign'
					AND d.campaign_id IN (SELECT id FROM campaign WHERE state = 'paused') THEN 'held' ELSE r.state END,
				next_attempt_at = r.next_at, first_attempt_at = r.first_at, lease_owner = '', lease_until = 0,
				smtp_code = r.code, smtp_status = r.status, smtp_text = r.text, message_id = r.message_id, done_at = r.done_at
			FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::integer[], $5::bigint[], $6::bigint[],
					$7::integer[], $8::text[], $9::text[], $10::text[], $11::bigint[])
				AS r (id, fence, state, attempted, next_at, first_at, code, status, text, message_id, done_at)
			WHERE d.id = r.id AND d.fence = r.fence AND d.state = 'queued' AND d.lease_until > 0
			RETURNING d.id, CASE WHEN d.kind = 'campaign' THEN d.campaign_id ELSE 0 END, d.kind <> 'webhook'`,
			ids, fences, states, attempted, nexts, firsts, codes, statuses, texts, mids, dones)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, campaignID int64
			var mail bool
			if err := rows.Scan(&id, &campaignID, &mail); err != nil {
				rows.Close()
				return err
			}
			tally.Add(id, campaignID, mail)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := skipCancelled(ctx, tx, rs, tally); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, r := range tally.Suppress {
			b.Queue(`INSERT INTO suppression (email_key, reason, created_at)
				SELECT lower(recipient), $1, $2 FROM delivery WHERE id = $3
				ON CONFLICT (email_key) DO NOTHING`,
				truncate(clean(fmt.Sprintf("%d %s %s", r.Code, r.Status, r.Text)), 300), ms(r.At), r.ID)
		}
		for _, c := range tally.Campaigns() {
			b.Queue(`UPDATE campaign SET sent = sent + $1, failed = failed + $2, skipped = skipped + $3 WHERE id = $4`,
				c.Sent, c.Failed, c.Skipped, c.CampaignID)
		}
		for _, m := range tally.Minutes() {
			b.Queue(`INSERT INTO sent_minute (minute, sent) VALUES ($1, $2)
				ON CONFLICT (minute) DO UPDATE SET sent = sent_minute.sent + excluded.sent`, m.Minute, m.Sent)
		}
		if b.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: record delivery results: %w", err)
	}
	return tally.Applied, nil
}

// skipCancelled skips the rows of rs that came back queued (handed back,
// or deferred after a temporary failure) for a campaign cancelled while
// they were out with a worker: nothing will claim them again. They count
// as skipped in tally.
func skipCancelled(ctx context.Context, tx pgx.Tx, rs []delivery.Result, tally *delivery.Tally) error {
	var ids []int64
	var at time.Time
	for _, r := range rs {
		if r.State == delivery.Queued {
			ids = append(ids, r.ID)
			if r.At.After(at) {
				at = r.At
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `UPDATE delivery SET state = 'skipped', smtp_text = 'campaign cancelled',
			next_attempt_at = 0, done_at = $1
		WHERE id = ANY($2) AND kind = 'campaign' AND state = 'queued' AND lease_until = 0
			AND campaign_id IN (SELECT id FROM campaign WHERE state = 'cancelled')
		RETURNING campaign_id`, ms(at), ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var campaignID int64
		if err := rows.Scan(&campaignID); err != nil {
			return err
		}
		tally.Skip(campaignID)
	}
	return rows.Err()
}

// SentSince counts the mail sent since a time, for quotas, from the minute
// holding since (see delivery.SentCounter).
func (s *Store) SentSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(sent), 0) FROM sent_minute WHERE minute >= $1`, delivery.MinuteOf(since)).Scan(&n); err != nil {
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
