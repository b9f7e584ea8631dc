package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/store/sqlite"
)

// BenchmarkListArticlesDeep reads one page of a listing at three depths
// of an archive of 300,000 published articles: the cursor must start the
// index scan, so a page near the oldest costs what the first one does.
func BenchmarkListArticlesDeep(b *testing.B) {
	const archive = 300_000
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	// One a minute from a fixed day, written directly: the archive's
	// making is not what is measured.
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO article (slug, language, title, status, published_at, updated_at, created_at, story, announced_at)
		SELECT 'story-' || i, 'en', 'Story ' || i, 'published', ? + i * 60000, 1, 1, 'story-' || i, 1 FROM n`, archive, start); err != nil {
		b.Fatal(err)
	}
	db.Close()
	st, err = sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	for _, depth := range []struct {
		name string
		id   int64
	}{{"newest", archive - 100}, {"middle", archive / 2}, {"oldest", 1000}} {
		cur := article.Cursor{PublishedAt: time.UnixMilli(start + depth.id*60000), ID: depth.id}
		b.Run(depth.name, func(b *testing.B) {
			for b.Loop() {
				list, err := st.ListArticles(ctx, article.Query{Before: cur, Limit: 21}, now)
				if err != nil || len(list) != 21 {
					b.Fatalf("ListArticles(before %d) = %d articles, %v; want 21", depth.id, len(list), err)
				}
			}
		})
	}
}
