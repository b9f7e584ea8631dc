package article

import (
	"context"
	"time"
)

// Query selects visible articles, newest first. Zero fields do not filter.
// Before is a keyset cursor: only articles published before it (or at the
// same instant with a smaller ID) are returned. After is one for going
// back up: only articles published after it (or at the same instant with
// a larger ID) are returned, oldest first, so that Limit keeps the ones
// closest to it.
type Query struct {
	Section  string // section slug
	Tag      string // tag slug
	Author   string // author slug
	Language string
	Since    time.Time // published at or after
	// AnnouncedAfter keeps the articles announced after it: those that
	// came out since, backdated ones included.
	AnnouncedAfter time.Time
	Before         Cursor
	After          Cursor
	Limit          int
	// AllStates lists drafts and future articles too, for the newsroom.
	AllStates bool
}

// Cursor marks a place in a listing: a publication time and, among the
// articles published at that instant, an ID.
type Cursor struct {
	PublishedAt time.Time
	ID          int64
}

// IsZero reports whether the cursor points at the start of the listing.
func (c Cursor) IsZero() bool { return c.ID == 0 && c.PublishedAt.IsZero() }

// Store is what publishing needs from storage.
type Store interface {
	// SaveArticle inserts the article, or updates the one with the same slug,
	// and returns its ID. When a.Version is set, it updates only an article
	// still at that version and returns ErrChanged otherwise. It sets
	// a.Version to the version saved.
	SaveArticle(ctx context.Context, a *Article) (int64, error)
	// CreateArticle inserts a new article and returns its ID, or
	// ErrSlugTaken when another article has its slug. It sets a.Version.
	CreateArticle(ctx context.Context, a *Article) (int64, error)
	ArticleBySlug(ctx context.Context, slug string) (Article, error)
	// ListArticles returns articles matching q that are visible at now
	// (all of them when q.AllStates is set).
	ListArticles(ctx context.Context, q Query, now time.Time) ([]Article, error)
	// AnnounceArticles marks the articles readers can see at now whose
	// coming out was not announced yet, once across all processes, and
	// returns them (ID, slug, title, language, publication time).
	AnnounceArticles(ctx context.Context, now time.Time) ([]Article, error)
}
