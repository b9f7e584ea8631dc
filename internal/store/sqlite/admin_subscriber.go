package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"herald/internal/subscriber"
)

// SearchSubscribers returns up to limit subscribers, newest first, with IDs
// below beforeID when it is set. Each filter applies when not zero: email
// narrows to addresses holding it, in any case; newsletterID and state to
// subscribers with such a subscription; tag to subscribers carrying it.
func (s *Store) SearchSubscribers(ctx context.Context, email string, state subscriber.State, newsletterID int64, tag string, beforeID int64, limit int) ([]subscriber.Subscriber, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	return s.pageSubscribers(ctx, subscriberPage{beforeID: beforeID, emailHolds: email}, state, newsletterID, tag, limit)
}

// subscriberPage is where a page of subscribers starts, which way it runs,
// and how the address narrows it.
type subscriberPage struct {
	afterID, beforeID int64  // the page runs up from afterID, or down from beforeID when set
	emailHolds        string // addresses holding this, in any case
	email             string // this address, in any case
}

// pageSubscribers runs a page of subscribers, in ID order, narrowed by p and
// by the filters that are not zero (see SearchSubscribers), with their
// subscriptions.
func (s *Store) pageSubscribers(ctx context.Context, p subscriberPage, state subscriber.State, newsletterID int64, tag string, limit int) ([]subscriber.Subscriber, error) {
	where, args, order := []string{`s.id > ?`}, []any{p.afterID}, `s.id`
	if p.beforeID > 0 {
		where, args, order = []string{`s.id < ?`}, []any{p.beforeID}, `s.id DESC`
	}
	if p.emailHolds != "" {
		where, args = append(where, `s.email_key LIKE ? ESCAPE '\'`), append(args, likePattern(p.emailHolds))
	}
	if p.email != "" {
		where, args = append(where, `s.email_key = ?`), append(args, subscriber.EmailKey(p.email))
	}
	if state != "" || newsletterID != 0 {
		cond := `EXISTS (SELECT 1 FROM subscription sp WHERE sp.subscriber_id = s.id`
		if newsletterID != 0 {
			cond, args = cond+` AND sp.newsletter_id = ?`, append(args, newsletterID)
		}
		if state != "" {
			cond, args = cond+` AND sp.state = ?`, append(args, string(state))
		}
		where = append(where, cond+`)`)
	}
	if tag != "" {
		where = append(where, `EXISTS (SELECT 1 FROM subscriber_tag t WHERE t.subscriber_id = s.id AND t.tag = ?)`)
		args = append(args, tag)
	}
	rows, err := s.query(ctx, `SELECT s.id, s.email, s.name, s.language, s.created_at FROM subscriber s WHERE `+
		strings.Join(where, ` AND `)+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: subscribers: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Subscriber
	for rows.Next() {
		var sub subscriber.Subscriber
		var created int64
		if err := rows.Scan(&sub.ID, &sub.Email, &sub.Name, &sub.Language, &created); err != nil {
			return nil, fmt.Errorf("sqlite: subscribers: %w", err)
		}
		sub.CreatedAt = fromMS(created)
		list = append(list, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: subscribers: %w", err)
	}
	return list, s.subscriptionsOf(ctx, list)
}

// SubscriptionCounts counts subscriptions by newsletter and state.
func (s *Store) SubscriptionCounts(ctx context.Context) (map[int64]map[subscriber.State]int, error) {
	rows, err := s.query(ctx, `SELECT newsletter_id, state, count(*) FROM subscription GROUP BY newsletter_id, state LIMIT 10000`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: subscription counts: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[subscriber.State]int{}
	for rows.Next() {
		var nl int64
		var state string
		var n int
		if err := rows.Scan(&nl, &state, &n); err != nil {
			return nil, fmt.Errorf("sqlite: subscription counts: %w", err)
		}
		if out[nl] == nil {
			out[nl] = map[subscriber.State]int{}
		}
		out[nl][subscriber.State(state)] = n
	}
	return out, rows.Err()
}

// DailyConsents counts the consent records of action in each of days
// 24-hour periods starting at since: element i counts those at or after
// since+i days and before since+i+1 days.
func (s *Store) DailyConsents(ctx context.Context, action subscriber.ConsentAction, since time.Time, days int) ([]int, error) {
	out := make([]int, days)
	start := ms(since)
	rows, err := s.query(ctx, `SELECT (at - ?) / 86400000 AS day, count(*) FROM consent
		WHERE action = ? AND at >= ? AND at < ? GROUP BY day ORDER BY day LIMIT ?`,
		start, string(action), start, start+int64(days)*86400000, days)
	if err != nil {
		return nil, fmt.Errorf("sqlite: daily consents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day int64
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			return nil, fmt.Errorf("sqlite: daily consents: %w", err)
		}
		if day >= 0 && day < int64(days) {
			out[day] = n
		}
	}
	return out, rows.Err()
}

// SubscriberTags returns the tags of a subscriber in order.
func (s *Store) SubscriberTags(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.query(ctx, `SELECT tag FROM subscriber_tag WHERE subscriber_id = ? ORDER BY tag LIMIT 1000`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tags of subscriber %d: %w", id, err)
	}
	defer rows.Close()
	var tags []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("sqlite: tags of subscriber %d: %w", id, err)
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

// SetSubscriberTags replaces the tags of a subscriber.
func (s *Store) SetSubscriberTags(ctx context.Context, id int64, tags []string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM subscriber WHERE id = ?`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return subscriber.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM subscriber_tag WHERE subscriber_id = ?`, id); err != nil {
			return err
		}
		for _, t := range tags {
			if _, err := tx.ExecContext(ctx, `INSERT INTO subscriber_tag (subscriber_id, tag) VALUES (?, ?)
				ON CONFLICT (subscriber_id, tag) DO NOTHING`, id, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: set tags of subscriber %d: %w", id, err)
	}
	return nil
}

// SetSubscriberLanguage sets the language of a subscriber; "" leaves it to
// the site's.
func (s *Store) SetSubscriberLanguage(ctx context.Context, id int64, language string) error {
	res, err := s.write.ExecContext(ctx, `UPDATE subscriber SET language = ? WHERE id = ?`, clean(language), id)
	if err != nil {
		return fmt.Errorf("sqlite: set language of subscriber %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: set language of subscriber %d: %w", id, err)
	} else if n == 0 {
		return subscriber.ErrNotFound
	}
	return nil
}

// EraseSubscriber forgets a person in one transaction: their subscriber
// row with its subscriptions, consent records and tags; their address in
// the delivery ledger, in the suppression list and in the outbox. Their
// undelivered campaign mail is skipped. suppressKey, a keyed hash of the
// address made by the caller, goes on the suppression list in its place.
// The ledger's rows stay, blank, under the negated subscriber ID, and the
// webhook events about the person say only that they were erased.
func (s *Store) EraseSubscriber(ctx context.Context, id int64, suppressKey, reason string, at time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var email, key string
		err := tx.QueryRowContext(ctx, `SELECT email, email_key FROM subscriber WHERE id = ?`, id).Scan(&email, &key)
		if errors.Is(err, sql.ErrNoRows) {
			return subscriber.ErrNotFound
		}
		if err != nil {
			return err
		}
		steps := []struct {
			query string
			args  []any
		}{
			{`UPDATE campaign SET skipped = skipped + (SELECT count(*) FROM delivery d WHERE d.campaign_id = campaign.id
					AND d.kind = 'campaign' AND d.subscriber_id = ? AND d.state IN ('queued', 'held'))
				WHERE id IN (SELECT campaign_id FROM delivery WHERE subscriber_id = ? AND kind = 'campaign' AND state IN ('queued', 'held'))`,
				[]any{id, id}},
			{`UPDATE delivery SET state = 'skipped', done_at = ?, lease_owner = '', lease_until = 0
				WHERE subscriber_id = ? AND state IN ('queued', 'held')`, []any{ms(at), id}},
			{`UPDATE delivery SET recipient = '', smtp_text = '' WHERE subscriber_id = ?`, []any{id}},
			{`UPDATE delivery SET recipient = '', smtp_text = '',
					state = CASE WHEN state IN ('queued', 'held') THEN 'skipped' ELSE state END,
					done_at = CASE WHEN state IN ('queued', 'held') THEN ? ELSE done_at END
				WHERE subscriber_id = 0 AND lower(recipient) = ?`, []any{ms(at), key}},
			{`DELETE FROM outbox WHERE lower(recipient) = ?`, []any{key}},
			{`DELETE FROM suppression WHERE email_key = ?`, []any{key}},
			{`INSERT INTO suppression (email_key, reason, created_at) VALUES (?, ?, ?) ON CONFLICT (email_key) DO NOTHING`,
				[]any{suppressKey, reason, ms(at)}},
			// Events about the person name their address: what stays says
			// only that they were erased, also to endpoints yet to hear it.
			{`UPDATE webhook_event SET payload = '{"erased":true}'
				WHERE event LIKE 'subscriber.%' AND json_extract(payload, '$.id') = ?`, []any{id}},
			// The ledger keeps its rows, under the negated ID: a new
			// subscriber may be given this ID and must not inherit them.
			{`UPDATE delivery SET subscriber_id = -subscriber_id WHERE subscriber_id = ?`, []any{id}},
			{`DELETE FROM subscriber WHERE id = ?`, []any{id}},
		}
		for _, st := range steps {
			if _, err := tx.ExecContext(ctx, st.query, st.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: erase subscriber %d: %w", id, err)
	}
	return nil
}

// SuppressedKeys returns those of keys that are on the suppression list.
func (s *Store) SuppressedKeys(ctx context.Context, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	rows, err := s.read.QueryContext(ctx, `SELECT email_key FROM suppression WHERE email_key IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(keys)), ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: suppressed keys: %w", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("sqlite: suppressed keys: %w", err)
		}
		found = append(found, k)
	}
	return found, rows.Err()
}

// HasErasures reports whether an erasure key is on the suppression list: a
// look into the primary key's range of subscriber.ErasedPrefix, "erased:"
// up to "erased;", the next character.
func (s *Store) HasErasures(ctx context.Context) (bool, error) {
	var some bool
	err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM suppression WHERE email_key >= 'erased:' AND email_key < 'erased;')`).Scan(&some)
	if err != nil {
		return false, fmt.Errorf("sqlite: has erasures: %w", err)
	}
	return some, nil
}
