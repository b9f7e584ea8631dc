package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/store"
	"herald/internal/subscriber"
)

// The queries the newsroom app needs beyond what publishing, signup and
// sending use: finding articles in any state, who owns them, editing
// newsletters and draft campaigns, and writing settings.

// likePattern turns what someone typed into a LIKE pattern that finds it
// anywhere, with the wildcards in it taken literally (ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(clean(s))) + "%"
}

// SearchArticles returns up to limit articles in any state, newest first,
// with IDs below beforeID when it is set; title narrows them to titles
// holding it (letters in any case) and status to one state.
func (s *Store) SearchArticles(ctx context.Context, title string, status article.Status, beforeID int64, limit int) ([]article.Article, error) {
	list, err := store.SearchTitles(clean(title), beforeID, limit, func(pattern string, before int64, limit int) ([]article.Article, error) {
		return s.searchArticles(ctx, title != "", pattern, status, before, limit)
	})
	if err != nil {
		return nil, err
	}
	return list, s.fillNames(ctx, list)
}

// searchArticles is one page of SearchArticles' query, before titles with
// letters beyond ASCII are narrowed.
func (s *Store) searchArticles(ctx context.Context, byTitle bool, pattern string, status article.Status, beforeID int64, limit int) ([]article.Article, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{`a.id < ` + arg(beforeID)}
	if byTitle {
		where = append(where, `lower(a.title) LIKE `+arg(pattern)+` ESCAPE '\'`)
	}
	// The status readers see now: a scheduled article whose time came is
	// published, and a published one dated ahead is scheduled.
	switch status {
	case article.Draft:
		where = append(where, `a.status = 'draft'`)
	case article.Published:
		where = append(where, `a.status <> 'draft' AND a.published_at > 0 AND a.published_at <= `+arg(ms(time.Now())))
	case article.Scheduled:
		where = append(where, `a.status <> 'draft' AND NOT (a.published_at > 0 AND a.published_at <= `+arg(ms(time.Now()))+`)`)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+articleColumns+` FROM article a WHERE `+strings.Join(where, ` AND `)+
		` ORDER BY a.id DESC LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: search articles: %w", err)
	}
	defer rows.Close()
	var list []article.Article
	for rows.Next() {
		a, _, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: search articles: %w", err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: search articles: %w", err)
	}
	return list, nil
}

// ArticleByID returns an article in any state with its byline and tags, and
// every other language version of its story, drafts included: the newsroom
// works on translations before readers see them.
func (s *Store) ArticleByID(ctx context.Context, id int64) (article.Article, error) {
	a, story, err := scanArticle(s.pool.QueryRow(ctx, `SELECT `+articleColumns+` FROM article a WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return article.Article{}, article.ErrNotFound
	}
	if err != nil {
		return article.Article{}, fmt.Errorf("postgres: article %d: %w", id, err)
	}
	list := []article.Article{a}
	if err := s.fillNames(ctx, list); err != nil {
		return article.Article{}, err
	}
	a = list[0]
	rows, err := s.pool.Query(ctx, `SELECT slug, language, title FROM article WHERE story = $1 AND id <> $2
		ORDER BY language, id LIMIT 100`, story, a.ID)
	if err != nil {
		return article.Article{}, fmt.Errorf("postgres: versions of article %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r article.Ref
		if err := rows.Scan(&r.Slug, &r.Language, &r.Title); err != nil {
			return article.Article{}, fmt.Errorf("postgres: versions of article %d: %w", id, err)
		}
		a.Translations = append(a.Translations, r)
	}
	if err := rows.Err(); err != nil {
		return article.Article{}, fmt.Errorf("postgres: versions of article %d: %w", id, err)
	}
	return a, nil
}

// ArticleOwners returns, for each of the articles with the given IDs, the
// staff account that created it (0: none) and when it was submitted for
// review (absent: not submitted). IDs that do not exist are left out.
func (s *Store) ArticleOwners(ctx context.Context, ids []int64) (map[int64]int64, map[int64]time.Time, error) {
	owners, submitted := map[int64]int64{}, map[int64]time.Time{}
	if len(ids) == 0 {
		return owners, submitted, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT id, created_by, submitted_at FROM article WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: article owners: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, by, at int64
		if err := rows.Scan(&id, &by, &at); err != nil {
			return nil, nil, fmt.Errorf("postgres: article owners: %w", err)
		}
		owners[id] = by
		if at > 0 {
			submitted[id] = fromMS(at)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("postgres: article owners: %w", err)
	}
	return owners, submitted, nil
}

// SetArticleOwner records the staff account that created the article.
func (s *Store) SetArticleOwner(ctx context.Context, id, userID int64) error {
	return s.updateArticle(ctx, id, `UPDATE article SET created_by = $1 WHERE id = $2`, userID, id)
}

// SetArticleSubmitted records when the article was submitted for review;
// the zero time withdraws it.
func (s *Store) SetArticleSubmitted(ctx context.Context, id int64, at time.Time) error {
	return s.updateArticle(ctx, id, `UPDATE article SET submitted_at = $1 WHERE id = $2`, ms(at), id)
}

func (s *Store) updateArticle(ctx context.Context, id int64, query string, args ...any) error {
	tag, err := s.pool.Exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("postgres: update article %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return article.ErrNotFound
	}
	return nil
}

// UpdateNewsletter changes what can change of a newsletter: everything but
// its slug, its creation time and its digest clock. DigestFrom is
// written with the schedule it belongs to.
func (s *Store) UpdateNewsletter(ctx context.Context, n *subscriber.Newsletter) error {
	tag, err := s.pool.Exec(ctx, `UPDATE newsletter SET name = $1, description = $2, sender_name = $3,
			sender_email = $4, reply_to = $5, language = $6, digest = $7, digest_time = $8, digest_weekday = $9, timezone = $10,
			digest_from = $11
		WHERE id = $12`,
		clean(n.Name), clean(n.Description), clean(n.SenderName), clean(n.SenderEmail), clean(n.ReplyTo), clean(n.Language),
		clean(n.Digest), clean(n.DigestTime), n.DigestWeekday, clean(n.Timezone), ms(n.DigestFrom), n.ID)
	if err != nil {
		return fmt.Errorf("postgres: update newsletter %d: %w", n.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: newsletter %d: %w", n.ID, subscriber.ErrNotFound)
	}
	return nil
}

// UpdateCampaign replaces the content and audience of a draft campaign,
// with its articles. A campaign that left the draft state is fixed:
// campaign.ErrState.
func (s *Store) UpdateCampaign(ctx context.Context, c *campaign.Campaign) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE campaign SET newsletter_id = $1, subject = $2, preheader = $3, markdown = $4,
				article_mode = $5, audience_tags = $6, audience_language = $7, updated_at = $8
			WHERE id = $9 AND state = 'draft'`,
			c.NewsletterID, clean(c.Subject), clean(c.Preheader), clean(c.Markdown), string(c.ArticleMode),
			clean(strings.Join(c.AudienceTags, ",")), clean(c.AudienceLanguage), ms(time.Now()), c.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var state string
			err := tx.QueryRow(ctx, `SELECT state FROM campaign WHERE id = $1`, c.ID).Scan(&state)
			if errors.Is(err, pgx.ErrNoRows) {
				return campaign.ErrNotFound
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: it is %s", campaign.ErrState, state)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM campaign_article WHERE campaign_id = $1`, c.ID); err != nil {
			return err
		}
		for i, aid := range c.ArticleIDs {
			if _, err := tx.Exec(ctx, `INSERT INTO campaign_article (campaign_id, position, article_id) VALUES ($1, $2, $3)`, c.ID, i, aid); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: update campaign %d: %w", c.ID, err)
	}
	return nil
}

// ActiveCampaigns returns up to limit campaigns that are scheduled, sending
// or paused, oldest first: what the newsroom is waiting on.
func (s *Store) ActiveCampaigns(ctx context.Context, limit int) ([]campaign.Campaign, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+campaignColumns+` FROM campaign
		WHERE state IN ('scheduled', 'sending', 'paused') ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: active campaigns: %w", err)
	}
	defer rows.Close()
	var list []campaign.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: active campaigns: %w", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: active campaigns: %w", err)
	}
	return list, nil
}

// SetSetting stores value under key, replacing any value there.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO setting (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, clean(key), clean(value))
	if err != nil {
		return fmt.Errorf("postgres: set setting %s: %w", key, err)
	}
	return nil
}
