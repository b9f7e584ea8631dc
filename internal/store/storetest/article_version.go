package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"herald/internal/article"
)

// testArticleSaveOnVersion: saves based on the same version of an article,
// made at once, leave exactly one winner; the others get ErrChanged and
// change nothing. A save without a version replaces whatever is stored.
func testArticleSaveOnVersion(t *testing.T, st Store) {
	ctx := context.Background()
	first := save(t, st, article.Article{Title: "Versioned", Slug: "versioned", Status: article.Draft})
	read, err := st.ArticleBySlug(ctx, "versioned")
	if err != nil {
		t.Fatalf("ArticleBySlug(versioned) = %v", err)
	}
	if read.Version == 0 || read.Version != first.Version {
		t.Fatalf("ArticleBySlug(versioned) has version %d; want the saved %d, not 0", read.Version, first.Version)
	}
	const n = 8
	for round := range 5 {
		base, err := st.ArticleBySlug(ctx, "versioned")
		if err != nil {
			t.Fatalf("ArticleBySlug(versioned) = %v", err)
		}
		var won atomic.Int32
		var winner atomic.Value
		race(t, st, n, func(i int) {
			a := base
			a.Title = fmt.Sprintf("Round %d by %d", round, i)
			a.Translations = nil
			_, err := st.SaveArticle(ctx, &a)
			switch {
			case err == nil:
				won.Add(1)
				winner.Store(a)
			case !errors.Is(err, article.ErrChanged):
				t.Errorf("SaveArticle(%q over version %d) = %v; want nil or ErrChanged", a.Title, base.Version, err)
			}
		})
		if won.Load() != 1 {
			t.Fatalf("round %d: %d of %d saves over version %d succeeded; want exactly one", round, won.Load(), n, base.Version)
		}
		w := winner.Load().(article.Article)
		got, err := st.ArticleBySlug(ctx, "versioned")
		if err != nil {
			t.Fatalf("ArticleBySlug(versioned) = %v", err)
		}
		if got.Title != w.Title || got.Version != base.Version+1 || w.Version != got.Version {
			t.Fatalf("round %d: stored %q at version %d; want the winner's %q at version %d, as SaveArticle set it (%d)",
				round, got.Title, got.Version, w.Title, base.Version+1, w.Version)
		}
	}
	// Without a version, a save replaces what is there, as publishing a
	// file does.
	blind := save(t, st, article.Article{Title: "Replaced", Slug: "versioned", Status: article.Draft})
	if got, _ := st.ArticleBySlug(ctx, "versioned"); got.Title != "Replaced" || got.Version != blind.Version {
		t.Errorf("after a save without a version: %q at version %d; want Replaced at %d", got.Title, got.Version, blind.Version)
	}
}

// testArticleCreateOnce: of several creating one slug at once, exactly one
// succeeds and the others get ErrSlugTaken; nothing replaces the winner.
func testArticleCreateOnce(t *testing.T, st Store) {
	ctx := context.Background()
	const n = 8
	for round := range 5 {
		slug := fmt.Sprintf("created-%d", round)
		var won atomic.Int32
		var winner atomic.Value
		race(t, st, n, func(i int) {
			a := article.Article{Title: fmt.Sprintf("By %d", i), Slug: slug, Status: article.Draft}
			if err := a.Normalize(); err != nil {
				t.Errorf("Normalize(%q) = %v", a.Title, err)
				return
			}
			id, err := st.CreateArticle(ctx, &a)
			switch {
			case err == nil:
				a.ID = id
				won.Add(1)
				winner.Store(a)
			case !errors.Is(err, article.ErrSlugTaken):
				t.Errorf("CreateArticle(%s by %d) = %v; want nil or ErrSlugTaken", slug, i, err)
			}
		})
		if won.Load() != 1 {
			t.Fatalf("%d of %d CreateArticle(%s) at once succeeded; want exactly one", won.Load(), n, slug)
		}
		w := winner.Load().(article.Article)
		got, err := st.ArticleBySlug(ctx, slug)
		if err != nil {
			t.Fatalf("ArticleBySlug(%s) = %v", slug, err)
		}
		if got.ID != w.ID || got.Title != w.Title || got.Version != w.Version || got.Version == 0 {
			t.Fatalf("ArticleBySlug(%s) = ID %d %q at version %d; want the winner's ID %d %q at version %d",
				slug, got.ID, got.Title, got.Version, w.ID, w.Title, w.Version)
		}
	}
}
