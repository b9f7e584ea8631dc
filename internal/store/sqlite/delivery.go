package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"herald/internal/delivery"
)

// ClaimDeliveries leases due deliveries for c.Owner. A claimed row stays
// queued and only its lease columns change, which touches no index: the
// lease is lease_owner, lease_until and the fence, bumped at each claim.
// A row whose lease has run out is due again, so a dead worker's work is
// taken over without any clean-up. Each row comes with what the renderer
// must know about the subscriber now.
func (s *Store) ClaimDeliveries(ctx context.Context, c delivery.Claim) ([]delivery.Delivery, error) {
	var list []delivery.Delivery
	now := ms(c.Now)
	err := s.txWithMode(ctx, false, []string{
		`SELECT id, lease_until > 0 FROM delivery WHERE state = 'queued' AND next_attempt_at <= ?1 AND lease_until < ?1
			AND (kind <> 'campaign' OR campaign_id IN (SELECT id FROM campaign WHERE state = 'sending'))
			ORDER BY priority, next_attempt_at, id LIMIT ?2`,
		`UPDATE delivery SET lease_owner = ?, lease_until = ?, fence = fence + 1
			WHERE id IN (SELECT value FROM json_each(?))
			RETURNING id, fence, kind, subscriber_id, campaign_id, recipient, attempts, created_at, first_attempt_at,
				coalesce((SELECT name FROM subscriber WHERE subscriber.id = delivery.subscriber_id), ''),
				coalesce((SELECT sp.state = 'confirmed' FROM subscription sp JOIN campaign cp ON cp.newsletter_id = sp.newsletter_id
					WHERE cp.id = delivery.campaign_id AND sp.subscriber_id = delivery.subscriber_id), 0),
				EXISTS (SELECT 1 FROM suppression WHERE email_key = lower(delivery.recipient)),
				CASE WHEN kind IN ('confirm', 'welcome') THEN coalesce((SELECT group_concat(newsletter_id || ':' || state)
					FROM subscription WHERE subscriber_id = delivery.subscriber_id), '') ELSE '' END`,
	}, func(tx *sql.Tx, st []*sql.Stmt) error {
		list = list[:0]
		// Pick first, in queue order, noting which rows had a lease that
		// ran out; then lease them.
		order := map[int64]int{}
		var expired map[int64]bool
		ids := make([]byte, 0, 8*c.Limit)
		ids = append(ids, '[')
		rows, err := st[0].QueryContext(ctx, now, c.Limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var lapsed bool
			if err := rows.Scan(&id, &lapsed); err != nil {
				rows.Close()
				return err
			}
			if len(order) > 0 {
				ids = append(ids, ',')
			}
			ids = strconv.AppendInt(ids, id, 10)
			order[id] = len(order)
			if lapsed {
				if expired == nil {
					expired = map[int64]bool{}
				}
				expired[id] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(order) == 0 {
			return err
		}
		ids = append(ids, ']')
		rows, err = st[1].QueryContext(ctx, c.Owner, ms(c.Now.Add(c.Lease)), string(ids))
		if err != nil {
			return err
		}
		defer rows.Close()
		list = make([]delivery.Delivery, len(order))
		n := 0
		for rows.Next() {
			var d delivery.Delivery
			var kind, states string
			var created, first int64
			if err := rows.Scan(&d.ID, &d.Fence, &kind, &d.SubscriberID, &d.CampaignID, &d.Recipient, &d.Attempts,
				&created, &first, &d.Name, &d.Subscribed, &d.Suppressed, &states); err != nil {
				return err
			}
			d.Kind, d.CreatedAt, d.FirstAttemptAt = delivery.Kind(kind), fromMS(created), fromMS(first)
			d.LeaseExpired = expired[d.ID]
			d.SubscriptionStates = delivery.ParseSubscriptionStates(states)
			list[order[d.ID]] = d
			n++
		}
		if n != len(list) {
			return fmt.Errorf("leased %d of %d picked deliveries", n, len(list))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim deliveries: %w", err)
	}
	return list, nil
}

// RecordResults writes results whose fence still holds, in one transaction,
// and keeps each campaign's counters in step with its ledger. The whole
// group is one UPDATE, because per-row statements cost more in the driver
// than the rows cost in the database.
func (s *Store) RecordResults(ctx context.Context, rs []delivery.Result) (int, error) {
	if len(rs) == 0 {
		return 0, nil
	}
	args := make([]any, 0, len(rs)*11)
	for _, r := range rs {
		attempted, done, next := 0, int64(0), ms(r.NextAttempt)
		if r.Attempted {
			attempted = 1
		}
		if r.State != delivery.Queued {
			done, next = ms(r.At), 0
		}
		args = append(args, r.ID, r.Fence, string(r.State), attempted, next, ms(r.FirstAttempt),
			r.Code, clean(r.Status), truncate(clean(r.Text), 1000), clean(r.MessageID), done)
	}
	var tally *delivery.Tally
	err := s.txWithMode(ctx, false, []string{
		recordQuery(len(rs)),
		`INSERT INTO suppression (email_key, reason, created_at)
			SELECT lower(recipient), ?, ? FROM delivery WHERE id = ?
			ON CONFLICT (email_key) DO NOTHING`,
		`UPDATE campaign SET sent = sent + ?, failed = failed + ?, skipped = skipped + ? WHERE id = ?`,
		`INSERT INTO sent_minute (minute, sent) VALUES (?, ?)
			ON CONFLICT (minute) DO UPDATE SET sent = sent + excluded.sent`,
	}, func(tx *sql.Tx, st []*sql.Stmt) error {
		tally = delivery.NewTally(rs)
		rows, err := st[0].QueryContext(ctx, args...)
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
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := skipCancelled(ctx, tx, rs, tally); err != nil {
			return err
		}
		for _, r := range tally.Suppress {
			if _, err := st[1].ExecContext(ctx, truncate(clean(fmt.Sprintf("%d %s %s", r.Code, r.Status, r.Text)), 300), ms(r.At), r.ID); err != nil {
				return err
			}
		}
		for _, c := range tally.Campaigns() {
			if _, err := st[2].ExecContext(ctx, c.Sent, c.Failed, c.Skipped, c.CampaignID); err != nil {
				return err
			}
		}
		for _, m := range tally.Minutes() {
			if _, err := st[3].ExecContext(ctx, m.Minute, m.Sent); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: record delivery results: %w", err)
	}
	return tally.Applied, nil
}

// skipCancelled skips the rows of rs that came back queued (handed back,
// or deferred after a temporary failure) for a campaign cancelled while
// they were out with a worker: nothing will claim them again. They count
// as skipped in tally.
func skipCancelled(ctx context.Context, tx *sql.Tx, rs []delivery.Result, tally *delivery.Tally) error {
	var ids []byte
	var at time.Time
	for _, r := range rs {
		if r.State == delivery.Queued {
			ids = strconv.AppendInt(append(ids, ','), r.ID, 10)
			if r.At.After(at) {
				at = r.At
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ids[0] = '['
	rows, err := tx.QueryContext(ctx, `UPDATE delivery SET state = 'skipped', smtp_text = 'campaign cancelled',
			next_attempt_at = 0, done_at = ?
		WHERE id IN (SELECT value FROM json_each(?)) AND kind = 'campaign' AND state = 'queued' AND lease_until = 0
			AND campaign_id IN (SELECT id FROM campaign WHERE state = 'cancelled')
		RETURNING campaign_id`, ms(at), string(append(ids, ']')))
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

// recordQuery is the statement that writes n results at once, each given
// as [id, fence, state, attempted, next attempt, first attempt, code,
// status, text, message id, done at]. There is one text per group size,
// each prepared once.
func recordQuery(n int) string {
	var b strings.Builder
	b.WriteString(`WITH r (id, fence, state, attempted, next_at, first_at, code, status, text, message_id, done_at) AS (VALUES `)
	b.WriteString(placeholders(n, 11))
	b.WriteString(`)
		UPDATE delivery SET attempts = attempts + r.attempted,
			state = CASE WHEN r.state = 'queued' AND delivery.kind = 'campaign'
				AND delivery.campaign_id IN (SELECT id FROM campaign WHERE state = 'paused') THEN 'held' ELSE r.state END,
			next_attempt_at = r.next_at, first_attempt_at = r.first_at, lease_owner = '', lease_until = 0,
			smtp_code = r.code, smtp_status = r.status, smtp_text = r.text, message_id = r.message_id, done_at = r.done_at
		FROM r
		WHERE delivery.id = r.id AND delivery.fence = r.fence AND delivery.state = 'queued' AND delivery.lease_until > 0
		RETURNING delivery.id, CASE WHEN delivery.kind = 'campaign' THEN delivery.campaign_id ELSE 0 END, delivery.kind <> 'webhook'`)
	return b.String()
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

// SentSince counts the mail sent since a time, for quotas, from the minute
// holding since (see delivery.SentCounter).
func (s *Store) SentSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT coalesce(sum(sent), 0) FROM sent_minute WHERE minute >= ?`, delivery.MinuteOf(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count sent: %w", err)
	}
	return n, nil
}
