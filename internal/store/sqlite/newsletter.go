package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"herald/internal/store"
	"time"

	"herald/internal/campaign"
	"herald/internal/subscriber"
)

// ErrDuplicate is returned when a unique name is already taken.
var ErrDuplicate = store.ErrDuplicate

// CreateNewsletter stores a new newsletter; its slug must be free.
func (s *Store) CreateNewsletter(ctx context.Context, n *subscriber.Newsletter) (int64, error) {
	var id int64
	err := s.write.QueryRowContext(ctx, `INSERT INTO newsletter (slug, name, description, sender_name, sender_email,
			reply_to, language, created_at, digest, digest_time, digest_weekday, timezone, last_digest_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		n.Slug, n.Name, n.Description, n.SenderName, n.SenderEmail, n.ReplyTo, n.Language, ms(n.CreatedAt),
		n.Digest, n.DigestTime, n.DigestWeekday, n.Timezone, ms(n.LastDigestAt)).Scan(&id)
	if isUnique(err) {
		return 0, fmt.Errorf("sqlite: newsletter %s: %w", n.Slug, ErrDuplicate)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: create newsletter: %w", err)
	}
	return id, nil
}

// RecordDigest advances a newsletter's digest clock from prev to now and,
// when c is not nil, creates the digest campaign in the same transaction.
// It returns false when another process advanced the clock first.
func (s *Store) RecordDigest(ctx context.Context, newsletterID int64, prev, now time.Time, c *campaign.Campaign) (bool, error) {
	advanced := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE newsletter SET last_digest_at = ? WHERE id = ? AND last_digest_at = ?`,
			ms(now), newsletterID, ms(prev))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		advanced = true
		if c != nil {
			_, err = insertCampaign(ctx, tx, c)
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: record digest of newsletter %d: %w", newsletterID, err)
	}
	return advanced, nil
}

// DigestArticleIDs lists the articles held by the newsletter's digests
// created at or after since.
func (s *Store) DigestArticleIDs(ctx context.Context, newsletterID int64, since time.Time) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT ca.article_id FROM campaign c JOIN campaign_article ca ON ca.campaign_id = c.id
		WHERE c.newsletter_id = ? AND c.kind = 'digest' AND c.created_at >= ?`, newsletterID, ms(since))
	if err != nil {
		return nil, fmt.Errorf("sqlite: digest articles of newsletter %d: %w", newsletterID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: digest articles of newsletter %d: %w", newsletterID, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: digest articles of newsletter %d: %w", newsletterID, err)
	}
	return ids, nil
}
