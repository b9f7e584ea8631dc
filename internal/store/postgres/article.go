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
)

// SaveArticle inserts a, or replaces the article with the same slug, in one
// transaction with its authors and tags. With a.Version set, the
// replacement is conditional on the stored version, in the same statement,
// so of two saves based on one version only the first succeeds.
func (s *Store) SaveArticle(ctx context.Context, a *article.Article) (int64, error) {
	return s.saveArticle(ctx, a, false)
}

// CreateArticle inserts a with its authors and tags, unless another
// article has its slug. The insert itself decides, so of several creating
// one slug at once exactly one succeeds.
func (s *Store) CreateArticle(ctx context.Context, a *article.Article) (int64, error) {
	return s.saveArticle(ctx, a, true)
}

// replaceArticle is what saving an article over the one with its slug
// changes. Taken back to draft, or moved to after it was announced, an
// article is announced again when readers can see it again.
const replaceArticle = `DO UPDATE SET
	language = excluded.language, title = excluded.title, standfirst = excluded.standfirst,
	body = excluded.body, body_html = excluded.body_html, section = excluded.section,
	section_slug = excluded.section_slug, status = excluded.status,
	published_at = excluded.published_at, updated_at = excluded.updated_at,
	translation_of = excluded.translation_of, story = excluded.story,
	announced_at = CASE WHEN excluded.status = 'draft' OR excluded.published_at > article.announced_at
		THEN 0 ELSE article.announced_at END,
	version = article.version + 1`

func (s *Store) saveArticle(ctx context.Context, a *article.Article, create bool) (int64, error) {
	now := ms(time.Now())
	var id, version int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		story := a.Slug
		if a.TranslationOf != "" {
			story = a.TranslationOf
			var origStory string
			err := tx.QueryRow(ctx, `SELECT story FROM article WHERE slug = $1`, a.TranslationOf).Scan(&origStory)
			if err == nil {
				story = origStory
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		args := []any{a.Slug, a.Language, a.Title, a.Standfirst, a.Body, a.BodyHTML, a.Section, a.SectionSlug,
			string(a.Status), ms(a.PublishedAt), now, now, a.TranslationOf, story}
		onConflict := replaceArticle
		switch {
		case create:
			onConflict = `DO NOTHING`
		case a.Version > 0:
			// No article is ever deleted, so a conditional save finds the
			// row it was read from and never inserts.
			onConflict, args = replaceArticle+` WHERE article.version = $15`, append(args, a.Version)
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO article (slug, language, title, standfirst, body, body_html, section, section_slug,
				status, published_at, updated_at, created_at, translation_of, story)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (slug) `+onConflict+`
			RETURNING id, version`, args...).Scan(&id, &version)
		switch {
		case errors.Is(err, pgx.ErrNoRows) && create:
			return article.ErrSlugTaken
		case errors.Is(err, pgx.ErrNoRows):
			return article.ErrChanged
		case err != nil:
			return err
		}
		// Translations made before their original was saved join its story.
		if _, err := tx.Exec(ctx, `UPDATE article SET story = $1 WHERE translation_of = $2 AND story <> $1`, story, a.Slug); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM article_author WHERE article_id = $1`, `DELETE FROM article_tag WHERE article_id = $1`} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		for i, au := range a.Authors {
			if _, err := tx.Exec(ctx, `INSERT INTO article_author (article_id, position, name, slug) VALUES ($1, $2, $3, $4)`, id, i, au.Name, au.Slug); err != nil {
				return err
			}
		}
		for i, t := range a.Tags {
			if _, err := tx.Exec(ctx, `INSERT INTO article_tag (article_id, position, name, slug) VALUES ($1, $2, $3, $4)`, id, i, t.Name, t.Slug); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: save article %s: %w", a.Slug, err)
	}
	a.Version = version
	return id, nil
}

const articleColumns = `a.id, a.slug, a.language, a.title, a.standfirst, a.body, a.body_html, a.section,
	a.section_slug, a.status, a.published_at, a.updated_at, a.translation_of, a.story, a.version, a.announced_at`

func scanArticle(row pgx.Row) (article.Article, string, error) {
	var a article.Article
	var status, story string
	var pub, upd, announced int64
	err := row.Scan(&a.ID, &a.Slug, &a.Language, &a.Title, &a.Standfirst, &a.Body, &a.BodyHTML, &a.Section,
		&a.SectionSlug, &status, &pub, &upd, &a.TranslationOf, &story, &a.Version, &announced)
	a.Status, a.PublishedAt, a.UpdatedAt, a.AnnouncedAt = article.Status(status), fromMS(pub), fromMS(upd), fromMS(announced)
	return a, story, err
}

// ArticleBySlug returns the article with its byline, tags and the other
// language versions of its story that are visible now.
func (s *Store) ArticleBySlug(ctx context.Context, slug string) (article.Article, error) {
	a, story, err := scanArticle(s.pool.QueryRow(ctx, `SELECT `+articleColumns+` FROM article a WHERE a.slug = $1`, slug))
	if errors.Is(err, pgx.ErrNoRows) {
		return article.Article{}, article.ErrNotFound
	}
	if err != nil {
		return article.Article{}, fmt.Errorf("postgres: article %s: %w", slug, err)
	}
	list := []article.Article{a}
	if err := s.fillNames(ctx, list); err != nil {
		return article.Article{}, err
	}
	a = list[0]
	rows, err := s.pool.Query(ctx, `SELECT slug, language, title FROM article
		WHERE story = $1 AND id <> $2 AND status <> 'draft' AND published_at > 0 AND published_at <= $3
		ORDER BY language, id LIMIT 100`, story, a.ID, ms(time.Now()))
	if err != nil {
		return article.Article{}, fmt.Errorf("postgres: translations of %s: %w", slug, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r article.Ref
		if err := rows.Scan(&r.Slug, &r.Language, &r.Title); err != nil {
			return article.Article{}, fmt.Errorf("postgres: translations of %s: %w", slug, err)
		}
		a.Translations = append(a.Translations, r)
	}
	if err := rows.Err(); err != nil {
		return article.Article{}, fmt.Errorf("postgres: translations of %s: %w", slug, err)
	}
	return a, nil
}

// ListArticles returns a newest-first page of articles matching q, or
// with q.After an oldest-first one.
func (s *Store) ListArticles(ctx context.Context, q article.Query, now time.Time) ([]article.Article, error) {
	var where []string
	var args []any
	// arg adds v to the arguments and returns its placeholder.
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	order := `DESC`
	// Cursors are row values, which the index scan starts at; the same
	// tests written with OR make PostgreSQL read every article above a
	// page deep in the archive, or sort what it finds.
	if !q.After.IsZero() {
		where = append(where, `(a.published_at, a.id) > (`+arg(ms(q.After.PublishedAt))+`, `+arg(q.After.ID)+`)`)
		order = `ASC`
	}
	if !q.Before.IsZero() {
		where = append(where, `(a.published_at, a.id) < (`+arg(ms(q.Before.PublishedAt))+`, `+arg(q.Before.ID)+`)`)
	}
	if !q.AllStates {
		where = append(where, `a.status <> 'draft' AND a.published_at > 0 AND a.published_at <= `+arg(ms(now)))
	}
	if q.Section != "" {
		where = append(where, `a.section_slug = `+arg(q.Section))
	}
	if q.Language != "" {
		where = append(where, `a.language = `+arg(q.Language))
	}
	if q.Tag != "" {
		where = append(where, `a.id IN (SELECT article_id FROM article_tag WHERE slug = `+arg(q.Tag)+`)`)
	}
	if q.Author != "" {
		where = append(where, `a.id IN (SELECT article_id FROM article_author WHERE slug = `+arg(q.Author)+`)`)
	}
	if !q.AnnouncedAfter.IsZero() {
		where = append(where, `a.announced_at > `+arg(ms(q.AnnouncedAfter)))
	}
	if !q.Since.IsZero() {
		where = append(where, `a.published_at >= `+arg(ms(q.Since)))
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	query := `SELECT ` + articleColumns + ` FROM article a`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY a.published_at ` + order + `, a.id ` + order + ` LIMIT ` + arg(limit)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list articles: %w", err)
	}
	defer rows.Close()
	var list []article.Article
	for rows.Next() {
		a, _, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list articles: %w", err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list articles: %w", err)
	}
	return list, s.fillNames(ctx, list)
}

// fillNames loads the authors and tags of list with one query each.
func (s *Store) fillNames(ctx context.Context, list []article.Article) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[int64]int, len(list))
	ids := make([]int64, len(list))
	for i, a := range list {
		index[a.ID], ids[i] = i, a.ID
	}
	for _, table := range []string{"article_author", "article_tag"} {
		rows, err := s.pool.Query(ctx, `SELECT article_id, name, slug FROM `+table+
			` WHERE article_id = ANY($1) ORDER BY article_id, position`, ids)
		if err != nil {
			return fmt.Errorf("postgres: load %s: %w", table, err)
		}
		for rows.Next() {
			var id int64
			var name, slug string
			if err := rows.Scan(&id, &name, &slug); err != nil {
				rows.Close()
				return fmt.Errorf("postgres: load %s: %w", table, err)
			}
			a := &list[index[id]]
			if table == "article_author" {
				a.Authors = append(a.Authors, article.Author{Name: name, Slug: slug})
			} else {
				a.Tags = append(a.Tags, article.Tag{Name: name, Slug: slug})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: load %s: %w", table, err)
		}
	}
	return nil
}

// ArticlesByID returns the articles with the given IDs in the order given;
// IDs that no longer exist are left out.
func (s *Store) ArticlesByID(ctx context.Context, ids []int64) ([]article.Article, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+articleColumns+` FROM article a WHERE a.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: articles by id: %w", err)
	}
	defer rows.Close()
	var found []article.Article
	for rows.Next() {
		a, _, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: articles by id: %w", err)
		}
		found = append(found, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: articles by id: %w", err)
	}
	if err := s.fillNames(ctx, found); err != nil {
		return nil, err
	}
	byID := make(map[int64]article.Article, len(found))
	for _, a := range found {
		byID[a.ID] = a
	}
	out := make([]article.Article, 0, len(ids))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// AnnounceArticles marks the articles that readers can see at now and
// whose coming out was not announced yet, and returns them. The mark is a
// conditional update, so of several processes only one announces each.
func (s *Store) AnnounceArticles(ctx context.Context, now time.Time) ([]article.Article, error) {
	rows, err := s.pool.Query(ctx, `UPDATE article SET announced_at = $1
		WHERE announced_at = 0 AND status <> 'draft' AND published_at > 0 AND published_at <= $1
		RETURNING id, slug, title, language, published_at`, ms(now))
	if err != nil {
		return nil, fmt.Errorf("postgres: announce articles: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (article.Article, error) {
		var a article.Article
		var at int64
		err := r.Scan(&a.ID, &a.Slug, &a.Title, &a.Language, &at)
		a.PublishedAt = fromMS(at)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: announce articles: %w", err)
	}
	return list, nil
}
