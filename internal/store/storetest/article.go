package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/article"
)

// save normalises a as publishing does and stores it.
func save(t *testing.T, st Store, a article.Article) article.Article {
	t.Helper()
	if err := a.Normalize(); err != nil {
		t.Fatalf("Normalize(%q): %v", a.Title, err)
	}
	a.BodyHTML = "<p>" + a.Body + "</p>"
	id, err := st.SaveArticle(context.Background(), &a)
	if err != nil {
		t.Fatalf("SaveArticle(%q) = %v", a.Slug, err)
	}
	a.ID = id
	return a
}

func slugs(t *testing.T, st Store, q article.Query, now time.Time) []string {
	t.Helper()
	list, err := st.ListArticles(context.Background(), q, now)
	if err != nil {
		t.Fatalf("ListArticles(%+v) = %v", q, err)
	}
	var s []string
	for _, a := range list {
		s = append(s, a.Slug)
	}
	return s
}

func testArticlesListingAndTranslations(t *testing.T, st Store) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	// The translation is saved before its original: it must still join it.
	save(t, st, article.Article{Title: "Bonjour", Slug: "bonjour", Language: "fr", TranslationOf: "hello", PublishedAt: now.Add(-time.Hour), Authors: []article.Author{{Name: "Ana"}}})
	save(t, st, article.Article{Title: "Hello", Slug: "hello", PublishedAt: now.Add(-2 * time.Hour), Section: "World", Tags: []article.Tag{{Name: "Big news"}}, Authors: []article.Author{{Name: "Ana"}, {Name: "Bo"}}})
	save(t, st, article.Article{Title: "Draft", Status: article.Draft})
	save(t, st, article.Article{Title: "Future", PublishedAt: now.Add(time.Hour), Status: article.Scheduled})
	// Translations that are not visible yet are not linked.
	save(t, st, article.Article{Title: "Hallo", Slug: "hallo", Language: "de", TranslationOf: "hello", Status: article.Draft})
	save(t, st, article.Article{Title: "Hola", Slug: "hola", Language: "es", TranslationOf: "bonjour", PublishedAt: now.Add(time.Hour), Status: article.Scheduled})

	got, err := st.ArticleBySlug(ctx, "hello")
	if err != nil {
		t.Fatalf("ArticleBySlug(hello) = %v", err)
	}
	if diff := cmp.Diff([]article.Ref{{Slug: "bonjour", Language: "fr", Title: "Bonjour"}}, got.Translations); diff != "" {
		t.Errorf("ArticleBySlug(hello) translations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]article.Author{{Name: "Ana", Slug: "ana"}, {Name: "Bo", Slug: "bo"}}, got.Authors); diff != "" {
		t.Errorf("ArticleBySlug(hello) authors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]article.Tag{{Name: "Big news", Slug: "big-news"}}, got.Tags); diff != "" {
		t.Errorf("ArticleBySlug(hello) tags (-want +got):\n%s", diff)
	}
	if !got.PublishedAt.Equal(now.Add(-2*time.Hour)) || got.Section != "World" || got.SectionSlug != "world" || got.BodyHTML != "<p></p>" {
		t.Errorf("ArticleBySlug(hello) = published %v section %q/%q body %q; want %v World/world <p></p>",
			got.PublishedAt, got.Section, got.SectionSlug, got.BodyHTML, now.Add(-2*time.Hour))
	}
	// A translation lists its original and its siblings the same way.
	got, err = st.ArticleBySlug(ctx, "bonjour")
	if err != nil {
		t.Fatalf("ArticleBySlug(bonjour) = %v", err)
	}
	if diff := cmp.Diff([]article.Ref{{Slug: "hello", Language: "en", Title: "Hello"}}, got.Translations); diff != "" {
		t.Errorf("ArticleBySlug(bonjour) translations (-want +got):\n%s", diff)
	}
	if got.TranslationOf != "hello" || got.Language != "fr" {
		t.Errorf("ArticleBySlug(bonjour) = translation of %q in %q; want hello in fr", got.TranslationOf, got.Language)
	}

	for _, c := range []struct {
		q    article.Query
		want []string
	}{
		{article.Query{}, []string{"bonjour", "hello"}},
		{article.Query{Limit: 1}, []string{"bonjour"}},
		{article.Query{Tag: "big-news"}, []string{"hello"}},
		{article.Query{Section: "world"}, []string{"hello"}},
		{article.Query{Author: "bo"}, []string{"hello"}},
		{article.Query{Author: "ana"}, []string{"bonjour", "hello"}},
		{article.Query{Language: "fr"}, []string{"bonjour"}},
		{article.Query{Tag: "nope"}, nil},
		{article.Query{Since: now.Add(-90 * time.Minute)}, []string{"bonjour"}},
		{article.Query{Before: article.Cursor{PublishedAt: now.Add(-time.Hour), ID: 1 << 40}}, []string{"bonjour", "hello"}},
		{article.Query{Before: article.Cursor{PublishedAt: now.Add(-time.Hour), ID: 1}}, []string{"hello"}},
		{article.Query{AllStates: true}, []string{"hola", "future", "bonjour", "hello", "hallo", "draft"}},
		{article.Query{AllStates: true, Language: "de"}, []string{"hallo"}},
	} {
		if diff := cmp.Diff(c.want, slugs(t, st, c.q, now)); diff != "" {
			t.Errorf("ListArticles(%+v) (-want +got):\n%s", c.q, diff)
		}
	}
	// A scheduled article shows once its time has come, with nothing to flip.
	if diff := cmp.Diff([]string{"hola", "future", "bonjour", "hello"}, slugs(t, st, article.Query{}, now.Add(2*time.Hour))); diff != "" {
		t.Errorf("ListArticles two hours later (-want +got):\n%s", diff)
	}
	if _, err := st.ArticleBySlug(ctx, "nope"); !errors.Is(err, article.ErrNotFound) {
		t.Errorf("ArticleBySlug(nope) error = %v, want article.ErrNotFound", err)
	}
}

func testArticleUpdateReplacesNames(t *testing.T, st Store) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	first := save(t, st, article.Article{Title: "Hello", Slug: "hello", PublishedAt: now.Add(-2 * time.Hour),
		Tags: []article.Tag{{Name: "Big news"}, {Name: "Harbour"}}, Authors: []article.Author{{Name: "Ana"}, {Name: "Bo"}}})

	// Publishing the same slug again updates it in place and replaces its
	// byline and tags.
	second := save(t, st, article.Article{Title: "Hello again", Slug: "hello", PublishedAt: now.Add(-time.Hour),
		Tags: []article.Tag{{Name: "Harbour"}}})
	if second.ID != first.ID {
		t.Errorf("SaveArticle(hello) again returned ID %d, want the first save's %d", second.ID, first.ID)
	}
	got, err := st.ArticleBySlug(ctx, "hello")
	if err != nil {
		t.Fatalf("ArticleBySlug(hello) = %v", err)
	}
	if got.Title != "Hello again" || len(got.Authors) != 0 || !got.PublishedAt.Equal(now.Add(-time.Hour)) {
		t.Errorf("after update got title %q authors %v published %v; want Hello again, none, %v", got.Title, got.Authors, got.PublishedAt, now.Add(-time.Hour))
	}
	if diff := cmp.Diff([]article.Tag{{Name: "Harbour", Slug: "harbour"}}, got.Tags); diff != "" {
		t.Errorf("tags after update (-want +got):\n%s", diff)
	}
	if got := slugs(t, st, article.Query{Tag: "big-news"}, now); len(got) != 0 {
		t.Errorf("ListArticles(tag big-news) after the tag was removed = %v, want none", got)
	}
	if got.UpdatedAt.IsZero() {
		t.Errorf("UpdatedAt is zero after a save")
	}
	// Unpublishing hides it.
	save(t, st, article.Article{Title: "Hello again", Slug: "hello", Status: article.Draft})
	if got := slugs(t, st, article.Query{}, now); len(got) != 0 {
		t.Errorf("ListArticles after turning hello into a draft = %v, want none", got)
	}
}

func testArticleKeysetPages(t *testing.T, st Store) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	var want []string
	var oldest article.Article
	// Pairs share a publication time, so the ID breaks ties.
	for i := range 11 {
		oldest = save(t, st, article.Article{Title: fmt.Sprintf("Story %02d", i), PublishedAt: now.Add(-time.Duration(i/2) * time.Minute)})
		want = append(want, oldest.Slug)
	}
	// Newest first: the later save of a pair has the larger ID.
	for i := 0; i+1 < len(want); i += 2 {
		want[i], want[i+1] = want[i+1], want[i]
	}
	var got []string
	q := article.Query{Limit: 3}
	for range 10 {
		list, err := st.ListArticles(context.Background(), q, now)
		if err != nil {
			t.Fatalf("ListArticles(%+v) = %v", q, err)
		}
		if len(list) == 0 {
			break
		}
		if len(list) > 3 {
			t.Fatalf("ListArticles(%+v) returned %d articles, limit 3", q, len(list))
		}
		for _, a := range list {
			got = append(got, a.Slug)
		}
		last := list[len(list)-1]
		q.Before = article.Cursor{PublishedAt: last.PublishedAt, ID: last.ID}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages of 3 (-want +got):\n%s", diff)
	}

	// Back up from the oldest, the same pages come oldest first.
	var up []string
	q = article.Query{Limit: 3, After: article.Cursor{PublishedAt: oldest.PublishedAt, ID: oldest.ID}}
	for range 10 {
		list, err := st.ListArticles(context.Background(), q, now)
		if err != nil {
			t.Fatalf("ListArticles(%+v) = %v", q, err)
		}
		if len(list) == 0 {
			break
		}
		for _, a := range list {
			up = append(up, a.Slug)
		}
		last := list[len(list)-1]
		q.After = article.Cursor{PublishedAt: last.PublishedAt, ID: last.ID}
	}
	slices.Reverse(up)
	if diff := cmp.Diff(want[:len(want)-1], up); diff != "" {
		t.Errorf("pages of 3 after the oldest, reversed (-want +got):\n%s", diff)
	}
}

// testArticlesAnnouncedOnce: an article is announced once, when readers
// can first see it: at once when published, at its time when scheduled,
// again after it was taken back to draft and published anew, and not for
// an edit.
func testArticlesAnnouncedOnce(t *testing.T, st Store) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	announce := func(at time.Time) []string {
		t.Helper()
		list, err := st.AnnounceArticles(ctx, at)
		if err != nil {
			t.Fatalf("AnnounceArticles(%v) = %v", at, err)
		}
		var s []string
		for _, a := range list {
			if a.ID == 0 || a.Title == "" || a.PublishedAt.IsZero() {
				t.Errorf("announced %+v; want its ID, title and publication time", a)
			}
			s = append(s, a.Slug)
		}
		return s
	}
	save(t, st, article.Article{Title: "Out now", Slug: "out-now", Status: article.Published, PublishedAt: now.Add(-time.Minute)})
	save(t, st, article.Article{Title: "Tomorrow", Slug: "tomorrow", Status: article.Scheduled, PublishedAt: now.Add(24 * time.Hour)})
	save(t, st, article.Article{Title: "A draft", Slug: "a-draft", Status: article.Draft})
	if got := announce(now); !cmp.Equal(got, []string{"out-now"}) {
		t.Errorf("announced now %v; want out-now alone", got)
	}
	if got := announce(now.Add(time.Minute)); len(got) != 0 {
		t.Errorf("announced again %v; want nothing", got)
	}
	// An edit is no news.
	save(t, st, article.Article{Title: "Out now, corrected", Slug: "out-now", Status: article.Published, PublishedAt: now.Add(-time.Minute)})
	if got := announce(now.Add(2 * time.Minute)); len(got) != 0 {
		t.Errorf("announced after an edit %v; want nothing", got)
	}
	if got := announce(now.Add(24 * time.Hour)); !cmp.Equal(got, []string{"tomorrow"}) {
		t.Errorf("announced at the scheduled time %v; want tomorrow", got)
	}
	// Unpublished and published again, it is news again.
	save(t, st, article.Article{Title: "Out now", Slug: "out-now", Status: article.Draft})
	save(t, st, article.Article{Title: "Out now", Slug: "out-now", Status: article.Published, PublishedAt: now.Add(25 * time.Hour)})
	if got := announce(now.Add(26 * time.Hour)); !cmp.Equal(got, []string{"out-now"}) {
		t.Errorf("announced after publishing again %v; want out-now", got)
	}
}
