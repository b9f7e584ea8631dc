package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/article"
	"herald/internal/user"
)

// TestArticlePagesAreStable pages through articles while new ones are
// published and old ones are edited: every article present at the start is
// listed exactly once, in order.
func TestArticlePagesAreStable(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Viewer)
	base := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	var want []string
	// Pairs share a publication time, so the cursor's ID matters; two
	// drafts without one come last.
	for i := range 9 {
		slug := fmt.Sprintf("story-%d", i)
		e.addArticle(slug, base.Add(time.Duration(i/2)*time.Minute))
	}
	e.addArticle("draft-a", time.Time{})
	e.addArticle("draft-b", time.Time{})
	want = []string{"story-8", "story-7", "story-6", "story-5", "story-4", "story-3", "story-2", "story-1", "story-0", "draft-b", "draft-a"}

	var got []string
	path := "/api/v1/articles?limit=3"
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatalf("still paging after 10 pages: %v", got)
		}
		var p page[articleSummary]
		e.do(tok, "GET", path, nil).want(t, 200, &p)
		if len(p.Items) > 3 {
			t.Fatalf("GET %s gave %d items; want at most 3", path, len(p.Items))
		}
		for _, a := range p.Items {
			got = append(got, a.Slug)
		}
		if pages == 0 {
			// Published meanwhile: newer than all, so on no later page.
			e.addArticle("breaking", time.Now().Add(-time.Minute))
			e.addArticle("story-4", base.Add(2*time.Minute), func(a *article.Article) { a.Title = "Edited" })
		}
		if p.NextCursor == "" {
			break
		}
		path = "/api/v1/articles?limit=3&cursor=" + p.NextCursor
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slugs over all pages (-want +got):\n%s", diff)
	}
}

func TestArticleLifecycle(t *testing.T) {
	e := newEnv(t)
	editor := e.tokenFor(user.Editor)

	var created articleJSON
	r := e.do(editor, "POST", "/api/v1/articles", map[string]any{
		"title": "Harbour bridge reopens", "body": "The first *bus* crossed.\n\n<script>alert(1)</script>",
		"authors": []string{"Maya Lindqvist"}, "tags": []string{"Transport"}, "section": "Local",
	})
	r.want(t, 201, &created)
	if loc := r.header.Get("Location"); loc != "/api/v1/articles/harbour-bridge-reopens" {
		t.Errorf("Location %q; want /api/v1/articles/harbour-bridge-reopens", loc)
	}
	if created.Status != "draft" || !created.PublishedAt.IsZero() || created.Slug != "harbour-bridge-reopens" {
		t.Errorf("created %+v; want a draft with a slug from the title and no publication time", created.articleSummary)
	}
	if !strings.Contains(created.BodyHTML, "<em>bus</em>") || strings.Contains(created.BodyHTML, "<script") {
		t.Errorf("body_html %q; want Markdown rendered and the script removed", created.BodyHTML)
	}

	var edited articleJSON
	e.do(editor, "PATCH", "/api/v1/articles/harbour-bridge-reopens", map[string]any{"standfirst": "Buses first."}).want(t, 200, &edited)
	if edited.Standfirst != "Buses first." || edited.Title != "Harbour bridge reopens" || !cmp.Equal(edited.Tags, []string{"Transport"}) {
		t.Errorf("after PATCH of the standfirst: %+v; want only the standfirst changed", edited.articleSummary)
	}
	e.do(editor, "PATCH", "/api/v1/articles/harbour-bridge-reopens", map[string]any{"slug": "other"}).
		wantError(t, 422, "validation_failed", "slug")
	e.do(editor, "PATCH", "/api/v1/articles/harbour-bridge-reopens", map[string]any{"standfirst": "Two\nlines"}).
		wantError(t, 422, "validation_failed", "standfirst")

	// A translation names an original that exists and is no translation
	// itself: a missing one would be adopted by whichever article later
	// took its slug.
	for _, of := range []string{"does-not-exist", "pont-rouvert"} {
		if of == "pont-rouvert" {
			e.do(editor, "POST", "/api/v1/articles", map[string]any{"title": "Pont rouvert", "language": "fr",
				"translation_of": "harbour-bridge-reopens"}).want(t, 201, nil)
		}
		e.do(editor, "POST", "/api/v1/articles", map[string]any{"title": "Puente", "language": "es", "translation_of": of}).
			wantError(t, 422, "validation_failed", "translation_of")
	}
	if _, err := e.store.ArticleBySlug(context.Background(), "puente"); err == nil {
		t.Error("a refused translation was saved")
	}

	later := e.clock().Add(time.Hour).UTC()
	var scheduled articleJSON
	e.do(editor, "POST", "/api/v1/articles/harbour-bridge-reopens/publish", map[string]any{"published_at": later}).want(t, 200, &scheduled)
	if scheduled.Status != "scheduled" || !scheduled.PublishedAt.Equal(later) {
		t.Errorf("publish at %v: status %s at %v; want scheduled", later, scheduled.Status, scheduled.PublishedAt)
	}
	var published articleJSON
	e.do(editor, "POST", "/api/v1/articles/harbour-bridge-reopens/publish", map[string]any{"published_at": e.clock().Add(-time.Minute)}).want(t, 200, &published)
	if published.Status != "published" {
		t.Errorf("publish in the past: status %s; want published", published.Status)
	}
	var pulled articleJSON
	e.do(editor, "POST", "/api/v1/articles/harbour-bridge-reopens/unpublish", nil).want(t, 200, &pulled)
	if pulled.Status != "draft" {
		t.Errorf("unpublish: status %s; want draft", pulled.Status)
	}
	var again articleJSON
	e.do(editor, "POST", "/api/v1/articles/harbour-bridge-reopens/publish", nil).want(t, 200, &again)
	if again.Status != "published" || !again.PublishedAt.Equal(published.PublishedAt) {
		t.Errorf("publish of a draft that was published: %s at %v; want published at its time %v", again.Status, again.PublishedAt, published.PublishedAt)
	}
	e.do(editor, "GET", "/api/v1/articles/harbour-bridge-reopens", nil).want(t, 200, nil)
}

// TestAuthorsEditOnlyTheirOwnDrafts holds the created_by rule: an account
// that may write only its own articles cannot change another's, nor a
// live one, nor one made outside the API.
func TestAuthorsEditOnlyTheirOwnDrafts(t *testing.T) {
	e := newEnv(t)
	ana, ben := e.account(user.Author), e.account(user.Author)
	anaTok, benTok := e.token(ana), e.token(ben)
	editor := e.tokenFor(user.Editor)

	e.do(anaTok, "POST", "/api/v1/articles", map[string]any{"title": "Ana's draft"}).want(t, 201, nil)
	e.do(anaTok, "PATCH", "/api/v1/articles/ana-s-draft", map[string]any{"title": "Ana's better draft"}).want(t, 200, nil)
	e.do(benTok, "PATCH", "/api/v1/articles/ana-s-draft", map[string]any{"title": "Ben was here"}).
		wantError(t, 403, "forbidden", "")
	e.do(benTok, "PATCH", "/api/v1/articles/no-such-article", map[string]any{"title": "x"}).wantError(t, 404, "not_found", "")

	e.addArticle("from-the-cli", time.Time{})
	e.do(anaTok, "PATCH", "/api/v1/articles/from-the-cli", map[string]any{"title": "x"}).wantError(t, 403, "forbidden", "")
	e.do(editor, "PATCH", "/api/v1/articles/from-the-cli", map[string]any{"title": "Edited by an editor"}).want(t, 200, nil)

	e.do(editor, "POST", "/api/v1/articles/ana-s-draft/publish", nil).want(t, 200, nil)
	e.do(anaTok, "PATCH", "/api/v1/articles/ana-s-draft", map[string]any{"title": "Quietly changed"}).
		wantError(t, 403, "forbidden", "")
	e.do(anaTok, "POST", "/api/v1/articles/ana-s-draft/unpublish", nil).wantError(t, 403, "forbidden", "")

	a, err := e.store.ArticleBySlug(context.Background(), "ana-s-draft")
	if err != nil || a.Title != "Ana's better draft" || a.Status != article.Published {
		t.Errorf("stored article = %q %s, %v; want Ana's last title, published", a.Title, a.Status, err)
	}
	by, err := e.store.ArticleCreator(context.Background(), a.ID)
	if err != nil || by != ana.ID {
		t.Errorf("ArticleCreator(%d) = %d, %v; want %d", a.ID, by, err, ana.ID)
	}
}

// A token scoped to article:write-any alone may do what article:write-own
// allows, on any article: create a draft and change anyone's.
func TestWriteAnyScopeIncludesWriteOwn(t *testing.T) {
	e := newEnv(t)
	ana := e.token(e.account(user.Author))
	anyTok := e.token(e.account(user.Editor), user.ArticleWriteAny)
	e.do(ana, "POST", "/api/v1/articles", map[string]any{"title": "Ana's draft"}).want(t, 201, nil)

	r := e.do(anyTok, "PATCH", "/api/v1/articles/ana-s-draft", map[string]any{"title": "Tightened"})
	if r.status != 202 {
		t.Errorf("%s with a token scoped to article:write-any = %d %s; want 202", r.call, r.status, r.body)
	}
	r = e.do(anyTok, "POST", "/api/v1/articles", map[string]any{"title": "Desk note"})
	if r.status != 201 {
		t.Errorf("%s with a token scoped to article:write-any = %d %s; want 201", r.call, r.status, r.body)
	}
	a, err := e.store.ArticleBySlug(context.Background(), "ana-s-draft")
	if err != nil || a.Title != "Tightened" {
		t.Errorf("ArticleBySlug(ana-s-draft) = %q, %v; want the title changed to Tightened", a.Title, err)
	}
	if _, err := e.store.ArticleBySlug(context.Background(), "desk-note"); err != nil {
		t.Errorf("ArticleBySlug(desk-note) = %v; want the draft created with the write-any token", err)
	}
	// The other way round it does not hold.
	own := e.token(e.account(user.Editor), user.ArticleWriteOwn)
	e.do(own, "PATCH", "/api/v1/articles/ana-s-draft", map[string]any{"title": "x"}).wantError(t, 403, "forbidden", "")
}
