package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"herald/internal/delivery"
	"herald/internal/subscriber"
)

// Newsletters lists every newsletter, oldest first.
func (s *Store) Newsletters(ctx context.Context) ([]subscriber.Newsletter, error) {
	rows, err := s.query(ctx, `SELECT id, slug, name, description, sender_name, sender_email,
		reply_to, language, created_at, digest, digest_time, digest_weekday, timezone, last_digest_at
		FROM newsletter ORDER BY id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: newsletters: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Newsletter
	for rows.Next() {
		var n subscriber.Newsletter
		var created, last int64
		if err := rows.Scan(&n.ID, &n.Slug, &n.Name, &n.Description, &n.SenderName, &n.SenderEmail,
			&n.ReplyTo, &n.Language, &created, &n.Digest, &n.DigestTime, &n.DigestWeekday, &n.Timezone, &last); err != nil {
			return nil, fmt.Errorf("sqlite: newsletters: %w", err)
		}
		n.CreatedAt, n.LastDigestAt = fromMS(created), fromMS(last)
		list = append(list, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: newsletters: %w", err)
	}
	return list, nil
}

// RecordSignups applies a group of signups in one transaction.
func (s *Store) RecordSignups(ctx context.Context, batch []subscriber.Signup, confirmEvery time.Duration) error {
	err := s.txWith(ctx, []string{
		`INSERT INTO subscriber (email, email_key, name, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key
				RETURNING id, confirm_sent_at`,
		`INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
				SELECT ?, id, 'pending', ?, ? FROM newsletter WHERE id = ?
				ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET state = 'pending', updated_at = excluded.updated_at
				WHERE subscription.state = 'unsubscribed'`,
		`INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
				SELECT ?, id, 'signup', ?, ?, ?, ? FROM newsletter WHERE id = ?`,
		// Mail only when something is left to confirm and the address may
		// be mailed at all.
		`INSERT INTO delivery (kind, priority, subscriber_id, recipient, state, next_attempt_at, created_at)
				SELECT ?, ?, ?3, ?4, 'queued', ?5, ?5
				WHERE EXISTS (SELECT 1 FROM subscription WHERE subscriber_id = ?3 AND state = 'pending')
				AND NOT EXISTS (SELECT 1 FROM suppression WHERE email_key = ?6)`,
		`UPDATE subscriber SET confirm_sent_at = ? WHERE id = ?`,
	}, func(tx *sql.Tx, stmts []*sql.Stmt) error {
		upsertSub, subscribe, consent, queue, markSent := stmts[0], stmts[1], stmts[2], stmts[3], stmts[4]
		mailed := map[int64]bool{} // a second signup of an address in the same group
		for _, in := range batch {
			at := ms(in.At)
			key := subscriber.EmailKey(in.Email)
			var id, confirmSent int64
			if err := upsertSub.QueryRowContext(ctx, in.Email, key, in.Name, at).Scan(&id, &confirmSent); err != nil {
				return err
			}
			for _, nl := range in.Newsletters {
				// A confirmed subscription stays as it is; an unknown
				// newsletter is passed over.
				if _, err := subscribe.ExecContext(ctx, id, at, at, nl); err != nil {
					return err
				}
				if _, err := consent.ExecContext(ctx, id, at, in.Source, in.Wording, in.IP, nl); err != nil {
					return err
				}
			}
			if mailed[id] || (confirmSent > 0 && in.At.Sub(fromMS(confirmSent)) < confirmEvery) {
				continue
			}
			res, err := queue.ExecContext(ctx, string(delivery.KindConfirm), delivery.PriorityTransactional, id, in.Email, at, key)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			mailed[id] = true
			if _, err := markSent.ExecContext(ctx, at, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: record signups: %w", err)
	}
	return nil
}

// SubscriberByID returns a subscriber with its subscriptions.
func (s *Store) SubscriberByID(ctx context.Context, id int64) (subscriber.Subscriber, error) {
	var sub subscriber.Subscriber
	var created int64
	err := s.queryRow(ctx, `SELECT id, email, name, created_at FROM subscriber WHERE id = ?`, id).
		Scan(&sub.ID, &sub.Email, &sub.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, subscriber.ErrNotFound
	}
	if err != nil {
		return sub, fmt.Errorf("sqlite: subscriber %d: %w", id, err)
	}
	sub.CreatedAt = fromMS(created)
	list := []subscriber.Subscriber{sub}
	if err := s.fillSubscriptions(ctx, list); err != nil {
		return sub, err
	}
	return list[0], nil
}

// ListSubscribers returns up to limit subscribers with IDs above afterID.
func (s *Store) ListSubscribers(ctx context.Context, afterID int64, limit int) ([]subscriber.Subscriber, error) {
	rows, err := s.query(ctx, `SELECT id, email, name, created_at FROM subscriber
		WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list subscribers: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Subscriber
	for rows.Next() {
		var sub subscriber.Subscriber
		var created int64
		if err := rows.Scan(&sub.ID, &sub.Email, &sub.Name, &created); err != nil {
			return nil, fmt.Errorf("sqlite: list subscribers: %w", err)
		}
		sub.CreatedAt = fromMS(created)
		list = append(list, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list subscribers: %w", err)
	}
	return list, s.fillSubscriptions(ctx, list)
}

func (s *Store) fillSubscriptions(ctx context.Context, list []subscriber.Subscriber) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[int64]int, len(list))
	for i, sub := range list {
		index[sub.ID] = i
	}
	rows, err := s.query(ctx, `SELECT sp.subscriber_id, sp.newsletter_id, n.slug, sp.state, sp.updated_at
		FROM subscription sp JOIN newsletter n ON n.id = sp.newsletter_id
		WHERE sp.subscriber_id BETWEEN ? AND ? ORDER BY sp.subscriber_id, sp.newsletter_id`,
		list[0].ID, list[len(list)-1].ID)
	if err != nil {
		return fmt.Errorf("sqlite: subscriptions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		var sp subscriber.Subscription
		var state string
		var upd int64
		if err := rows.Scan(&sid, &sp.NewsletterID, &sp.NewsletterSlug, &state, &upd); err != nil {
			return fmt.Errorf("sqlite: subscriptions: %w", err)
		}
		sp.State, sp.UpdatedAt = subscriber.State(state), fromMS(upd)
		if i, ok := index[sid]; ok {
			list[i].Subscriptions = append(list[i].Subscriptions, sp)
		}
	}
	return rows.Err()
}

// ConfirmSubscriber confirms every pending subscription of id.
func (s *Store) ConfirmSubscriber(ctx context.Context, id int64, c subscriber.Consent) ([]subscriber.Newsletter, error) {
	at := ms(c.At)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		changed, err := updateStates(ctx, tx, `UPDATE subscription SET state = 'confirmed', updated_at = ?
			WHERE subscriber_id = ? AND state = 'pending' RETURNING newsletter_id`, at, id)
		if err != nil {
			return err
		}
		if err := addConsents(ctx, tx, c, changed); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, recipient, state, next_attempt_at, created_at)
			SELECT ?, ?, id, email, 'queued', ?, ? FROM subscriber WHERE id = ?
			AND NOT EXISTS (SELECT 1 FROM suppression WHERE email_key = subscriber.email_key)`,
			string(delivery.KindWelcome), delivery.PriorityTransactional, at, at, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: confirm subscriber %d: %w", id, err)
	}
	sub, err := s.SubscriberByID(ctx, id)
	if err != nil {
		return nil, err
	}
	all, err := s.Newsletters(ctx)
	if err != nil {
		return nil, err
	}
	var out []subscriber.Newsletter
	for _, n := range all {
		for _, sp := range sub.Subscriptions {
			if sp.NewsletterID == n.ID && sp.State == subscriber.Confirmed {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// UnsubscribeSubscriber ends subscriptions of id: one newsletter, or all.
func (s *Store) UnsubscribeSubscriber(ctx context.Context, id, newsletterID int64, c subscriber.Consent) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		changed, err := updateStates(ctx, tx, `UPDATE subscription SET state = 'unsubscribed', updated_at = ?
			WHERE subscriber_id = ? AND (newsletter_id = ? OR ? = 0) AND state <> 'unsubscribed'
			RETURNING newsletter_id`, ms(c.At), id, newsletterID, newsletterID)
		if err != nil {
			return err
		}
		return addConsents(ctx, tx, c, changed)
	})
	if err != nil {
		return fmt.Errorf("sqlite: unsubscribe subscriber %d: %w", id, err)
	}
	return nil
}

func updateStates(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func addConsents(ctx context.Context, tx *sql.Tx, c subscriber.Consent, newsletters []int64) error {
	for _, nl := range newsletters {
		if _, err := tx.ExecContext(ctx, `INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.SubscriberID, nl, string(c.Action), ms(c.At), c.Source, c.Wording, c.IP); err != nil {
			return err
		}
	}
	return nil
}

// Consents returns a subscriber's consent history, oldest first.
func (s *Store) Consents(ctx context.Context, subscriberID int64) ([]subscriber.Consent, error) {
	rows, err := s.query(ctx, `SELECT subscriber_id, newsletter_id, action, at, source, wording, ip
		FROM consent WHERE subscriber_id = ? ORDER BY id LIMIT 10000`, subscriberID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consents: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Consent
	for rows.Next() {
		var c subscriber.Consent
		var action string
		var at int64
		if err := rows.Scan(&c.SubscriberID, &c.NewsletterID, &action, &at, &c.Source, &c.Wording, &c.IP); err != nil {
			return nil, fmt.Errorf("sqlite: consents: %w", err)
		}
		c.Action, c.At = subscriber.ConsentAction(action), fromMS(at)
		list = append(list, c)
	}
	return list, rows.Err()
}

// IsSuppressed reports whether mail to the address must not be sent.
func (s *Store) IsSuppressed(ctx context.Context, email string) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM suppression WHERE email_key = ?`, subscriber.EmailKey(email)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlite: suppression: %w", err)
	}
	return n > 0, nil
}
