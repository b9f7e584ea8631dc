package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/article"
)

// testArticlesAfterCursor: a listing read upwards from a cursor lists the
// articles just newer than it, oldest first, with the filters of the
// listing read downwards, and never one readers cannot see yet.
func testArticlesAfterCursor(t *testing.T, st Store) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	t0, t1, t2 := now.Add(-3*time.Hour), now.Add(-2*time.Hour), now.Add(-time.Hour)
	old := save(t, st, article.Article{Title: "Old", Slug: "old", PublishedAt: t0, Section: "World",
		Tags: []article.Tag{{Name: "Harbour"}}, Authors: []article.Author{{Name: "Ana"}}})
	// Three share a publication time, so the ID breaks ties.
	tie1 := save(t, st, article.Article{Title: "Tie 1", Slug: "tie-1", PublishedAt: t1, Section: "World",
		Authors: []article.Author{{Name: "Bo"}}})
	tie2 := save(t, st, article.Article{Title: "Tie 2", Slug: "tie-2", PublishedAt: t1, Section: "Sport",
		Tags: []article.Tag{{Name: "Harbour"}}})
	tie3 := save(t, st, article.Article{Title: "Tie 3", Slug: "tie-3", PublishedAt: t1, Section: "World",
		Tags: []article.Tag{{Name: "Harbour"}}, Authors: []article.Author{{Name: "Ana"}}})
	// A translation is listed as an article of its own language.
	save(t, st, article.Article{Title: "Bonjour", Slug: "bonjour", Language: "fr", TranslationOf: "tie-1",
		PublishedAt: t2, Section: "World", Authors: []article.Author{{Name: "Ana"}}})
	latest := save(t, st, article.Article{Title: "Latest", Slug: "latest", PublishedAt: now.Add(-time.Minute), Section: "Sport"})
	save(t, st, article.Article{Title: "Draft", Slug: "draft", Status: article.Draft, Section: "World"})
	save(t, st, article.Article{Title: "Future", Slug: "future", PublishedAt: now.Add(time.Hour), Status: article.Scheduled,
		Section: "World", Tags: []article.Tag{{Name: "Harbour"}}, Authors: []article.Author{{Name: "Ana"}}})

	at := func(a article.Article) article.Cursor { return article.Cursor{PublishedAt: a.PublishedAt, ID: a.ID} }
	for _, c := range []struct {
		q    article.Query
		now  time.Time
		want []string
	}{
		// The article at the cursor is not listed.
		{article.Query{After: at(old)}, now, []string{"tie-1", "tie-2", "tie-3", "bonjour", "latest"}},
		{article.Query{After: at(tie1)}, now, []string{"tie-2", "tie-3", "bonjour", "latest"}},
		{article.Query{After: at(tie2), Limit: 1}, now, []string{"tie-3"}},
		{article.Query{After: article.Cursor{PublishedAt: t1}, Limit: 2}, now, []string{"tie-1", "tie-2"}},
		{article.Query{After: article.Cursor{PublishedAt: t1, ID: 1 << 40}}, now, []string{"bonjour", "latest"}},
		// Fewer than asked for are newer.
		{article.Query{After: at(tie3), Limit: 10}, now, []string{"bonjour", "latest"}},
		{article.Query{After: at(latest)}, now, nil},
		{article.Query{After: at(old), Section: "world"}, now, []string{"tie-1", "tie-3", "bonjour"}},
		{article.Query{After: at(old), Tag: "harbour"}, now, []string{"tie-2", "tie-3"}},
		{article.Query{After: at(tie1), Author: "ana"}, now, []string{"tie-3", "bonjour"}},
		{article.Query{After: at(old), Language: "fr"}, now, []string{"bonjour"}},
		{article.Query{After: at(tie2), Language: "en", Limit: 2}, now, []string{"tie-3", "latest"}},
		// A scheduled article is listed once its time has come.
		{article.Query{After: at(latest), Tag: "harbour"}, now, nil},
		{article.Query{After: at(latest)}, now.Add(2 * time.Hour), []string{"future"}},
	} {
		if diff := cmp.Diff(c.want, slugs(t, st, c.q, c.now)); diff != "" {
			t.Errorf("ListArticles(%+v) at %v (-want +got):\n%s", c.q, c.now, diff)
		}
	}
}
