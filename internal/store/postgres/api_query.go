package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"herald/internal/article"
	"herald/internal/subscriber"
)

// The queries the JSON API needs beyond what publishing, signup and sending
// use: subscribers found by address or filters in ID order, their tags and
// names, and who created an article.

// SubscriberByEmail returns the subscriber with the address, in any case,
// with its subscriptions.
func (s *Store) SubscriberByEmail(ctx context.Context, email string) (subscriber.Subscriber, error) {
	var sub subscriber.Subscriber
	var created int64
	err := s.pool.QueryRow(ctx, `SELECT id, email, name, language, created_at FROM subscriber WHERE email_key = $1`,
		subscriber.EmailKey(email)).Scan(&sub.ID, &sub.Email, &sub.Name, &sub.Language, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return sub, subscriber.ErrNotFound
	}
	if err != nil {
		return sub, fmt.Errorf("postgres: subscriber by email: %w", err)
	}
	sub.CreatedAt = fromMS(created)
	list := []subscriber.Subscriber{sub}
	if err := s.subscriptionsOf(ctx, list); err != nil {
		return sub, err
	}
	return list[0], nil
}

// FilterSubscribers returns up to limit subscribers with IDs above afterID,
// in ID order, so that pages stay stable while people sign up. Each filter
// applies when not zero: email to that address in any case; newsletterID
// and state to subscribers with such a subscription; tag to those with it.
func (s *Store) FilterSubscribers(ctx context.Context, email string, state subscriber.State, newsletterID int64, tag string, afterID int64, limit int) ([]subscriber.Subscriber, error) {
	return s.pageSubscribers(ctx, subscriberPage{afterID: afterID, email: email}, state, newsletterID, tag, limit)
}

// subscriptionsOf loads the subscriptions of a page of subscribers, which
// filters may have left far apart, by their IDs.
func (s *Store) subscriptionsOf(ctx context.Context, list []subscriber.Subscriber) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[int64]int, len(list))
	ids := make([]int64, len(list))
	for i, sub := range list {
		index[sub.ID], ids[i] = i, sub.ID
	}
	rows, err := s.pool.Query(ctx, `SELECT sp.subscriber_id, sp.newsletter_id, n.slug, sp.state, sp.updated_at
		FROM subscription sp JOIN newsletter n ON n.id = sp.newsletter_id
		WHERE sp.subscriber_id = ANY ($1) ORDER BY sp.subscriber_id, sp.newsletter_id LIMIT $2`, ids, len(ids)*1000)
	if err != nil {
		return fmt.Errorf("postgres: subscriptions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid, upd int64
		var sp subscriber.Subscription
		var state string
		if err := rows.Scan(&sid, &sp.NewsletterID, &sp.NewsletterSlug, &state, &upd); err != nil {
			return fmt.Errorf("postgres: subscriptions: %w", err)
		}
		sp.State, sp.UpdatedAt = subscriber.State(state), fromMS(upd)
		list[index[sid]].Subscriptions = append(list[index[sid]].Subscriptions, sp)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: subscriptions: %w", err)
	}
	return nil
}

// TagsOfSubscribers returns the tags of each of the subscribers, in order;
// subscribers without tags are left out of the map.
func (s *Store) TagsOfSubscribers(ctx context.Context, ids []int64) (map[int64][]string, error) {
	tags := map[int64][]string{}
	if len(ids) == 0 {
		return tags, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT subscriber_id, tag FROM subscriber_tag
		WHERE subscriber_id = ANY ($1) ORDER BY subscriber_id, tag LIMIT $2`, ids, len(ids)*1000)
	if err != nil {
		return nil, fmt.Errorf("postgres: subscriber tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, fmt.Errorf("postgres: subscriber tags: %w", err)
		}
		tags[id] = append(tags[id], tag)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: subscriber tags: %w", err)
	}
	return tags, nil
}

// UpdateSubscriberProfile sets a subscriber's name and language and
// replaces its tags in one transaction.
func (s *Store) UpdateSubscriberProfile(ctx context.Context, id int64, name, language string, tags []string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE subscriber SET name = $1, language = $2 WHERE id = $3`, clean(name), clean(language), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return subscriber.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM subscriber_tag WHERE subscriber_id = $1`, id); err != nil {
			return err
		}
		for _, t := range tags {
			if _, err := tx.Exec(ctx, `INSERT INTO subscriber_tag (subscriber_id, tag) VALUES ($1, $2)
				ON CONFLICT (subscriber_id, tag) DO NOTHING`, id, clean(t)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: update subscriber %d: %w", id, err)
	}
	return nil
}

// ArticleCreator returns the staff account that created the article, 0 for
// none (the command line, or before accounts existed).
func (s *Store) ArticleCreator(ctx context.Context, id int64) (int64, error) {
	var by int64
	err := s.pool.QueryRow(ctx, `SELECT created_by FROM article WHERE id = $1`, id).Scan(&by)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, article.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: creator of article %d: %w", id, err)
	}
	return by, nil
}

// SetArticleCreator records the staff account that created the article.
func (s *Store) SetArticleCreator(ctx context.Context, id, userID int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE article SET created_by = $1 WHERE id = $2`, userID, id)
	if err != nil {
		return fmt.Errorf("postgres: set creator of article %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return article.ErrNotFound
	}
	return nil
}
