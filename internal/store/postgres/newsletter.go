package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/internal/campaign"
	"herald/internal/store"
	"herald/internal/subscriber"
)

// ErrDuplicate is returned when a unique name is already taken. It is
// store.ErrDuplicate, as in the SQLite store, so callers treat both alike.
var ErrDuplicate = store.ErrDuplicate

// CreateNewsletter stores a new newsletter; its slug must be free.
func (s *Store) CreateNewsletter(ctx context.Context, n *subscriber.Newsletter) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO newsletter (slug, name, description, sender_name, sender_email,
			reply_to, language, created_at, digest, digest_time, digest_weekday, timezone, last_digest_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		n.Slug, n.Name, n.Description, n.SenderName, n.SenderEmail, n.ReplyTo, n.Language, ms(n.CreatedAt),
		n.Digest, n.DigestTime, n.DigestWeekday, n.Timezone, ms(n.LastDigestAt)).Scan(&id)
	if isUnique(err) {
		return 0, fmt.Errorf("postgres: newsletter %s: %w", n.Slug, ErrDuplicate)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: create newsletter: %w", err)
	}
	return id, nil
}

// RecordDigest advances a newsletter's digest clock from prev to now and,
// when c is not nil, creates the digest campaign in the same transaction.
// It returns false when another process advanced the clock first: the
// conditional update waits for that process's commit and then no longer
// matches.
func (s *Store) RecordDigest(ctx context.Context, newsletterID int64, prev, now time.Time, c *campaign.Campaign) (bool, error) {
	advanced := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE newsletter SET last_digest_at = $1 WHERE id = $2 AND last_digest_at = $3`,
			ms(now), newsletterID, ms(prev))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		advanced = true
		if c != nil {
			_, err = insertCampaign(ctx, tx, c)
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("postgres: record digest of newsletter %d: %w", newsletterID, err)
	}
	return advanced, nil
}

// DigestArticleIDs lists the articles held by the newsletter's digests
// created at or after since.
func (s *Store) DigestArticleIDs(ctx context.Context, newsletterID int64, since time.Time) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT ca.article_id FROM campaign c JOIN campaign_article ca ON ca.campaign_id = c.id
		WHERE c.newsletter_id = $1 AND c.kind = 'digest' AND c.created_at >= $2`, newsletterID, ms(since))
	if err != nil {
		return nil, fmt.Errorf("postgres: digest articles of newsletter %d: %w", newsletterID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("postgres: digest articles of newsletter %d: %w", newsletterID, err)
	}
	return ids, nil
}
