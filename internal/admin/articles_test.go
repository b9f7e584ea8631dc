package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/user"
)

// idFromLocation reads the ID at the end of a redirect to an object's page.
func idFromLocation(t *testing.T, r response) int64 {
	t.Helper()
	loc := location(r)
	p := loc
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	id, err := strconv.ParseInt(p[strings.LastIndexByte(p, '/')+1:], 10, 64)
	if err != nil {
		t.Fatalf("redirect %q names no ID", loc)
	}
	return id
}

func storyForm(title, body string, extra ...string) url.Values {
	f := url.Values{"title": {title}, "body": {body}, "language": {"en"}, "authors": {"Maya Lindqvist"},
		"section": {"Local"}, "tags": {"Transport, Harbour"}, "standfirst": {"The first buses crossed."}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

func TestAuthorWritesSubmitsAndEditorPublishes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author := e.as(t, user.Author)
	r := author.post("/admin/articles", storyForm("Harbour bridge reopens", "The first bus crossed at **6:12**."))
	mustStatus(t, "author creates a draft", r, http.StatusSeeOther)
	id := idFromLocation(t, r)
	a, err := e.st.ArticleByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != article.Draft || a.Slug != "harbour-bridge-reopens" || len(a.Tags) != 2 || a.Section != "Local" {
		t.Errorf("stored article = %+v; want a draft with slug, two tags and a section", a)
	}
	owners, _, _ := e.st.ArticleOwners(ctx, []int64{id})
	if owners[id] != e.staff[user.Author].ID {
		t.Errorf("owner of the new article = %d, want the author %d", owners[id], e.staff[user.Author].ID)
	}

	page := author.get(fmt.Sprintf("/admin/articles/%d", id))
	mustStatus(t, "author opens the draft", page, http.StatusOK)
	if !strings.Contains(page.body, "<strong>6:12</strong>") || strings.Contains(page.body, "/publish\"") {
		t.Error("the author's editor should show the rendered preview and no publish button")
	}
	// An author may not publish, neither with the button nor through the form.
	mustStatus(t, "author publishes", author.post(fmt.Sprintf("/admin/articles/%d/publish", id), nil), http.StatusForbidden)
	mustStatus(t, "author saves as published", author.post(fmt.Sprintf("/admin/articles/%d", id),
		storyForm("Harbour bridge reopens", "x", "status", "published")), http.StatusForbidden)
	mustStatus(t, "author edits the draft", author.post(fmt.Sprintf("/admin/articles/%d", id),
		storyForm("Harbour bridge reopens to traffic", "The first bus crossed at 6:12.", "version", versionOf(t, author, id))), http.StatusSeeOther)
	mustStatus(t, "author submits", author.post(fmt.Sprintf("/admin/articles/%d/submit", id), nil), http.StatusSeeOther)
	if _, sub, _ := e.st.ArticleOwners(ctx, []int64{id}); sub[id].IsZero() {
		t.Error("the article is not marked submitted")
	}
	list := e.as(t, user.Editor).get("/admin/articles?status=draft")
	if !strings.Contains(list.body, "Harbour bridge reopens to traffic") || !strings.Contains(list.body, "submitted") {
		t.Error("the editor's list of drafts does not show the submitted article")
	}

	editor := e.as(t, user.Editor)
	mustStatus(t, "editor publishes", editor.post(fmt.Sprintf("/admin/articles/%d/publish", id), nil), http.StatusSeeOther)
	a, _ = e.st.ArticleByID(ctx, id)
	if a.Status != article.Published || !a.IsVisible(e.clock.Now()) || a.Title != "Harbour bridge reopens to traffic" {
		t.Errorf("after publishing: %s %q visible=%v", a.Status, a.Title, a.IsVisible(e.clock.Now()))
	}
	// Once published, the article is out of the author's hands.
	mustStatus(t, "author edits the published article", author.post(fmt.Sprintf("/admin/articles/%d", id),
		storyForm("Changed by the author", "x")), http.StatusForbidden)
	mustStatus(t, "editor unpublishes", editor.post(fmt.Sprintf("/admin/articles/%d/unpublish", id), url.Values{"confirmed": {"1"}}), http.StatusSeeOther)
	if a, _ = e.st.ArticleByID(ctx, id); a.Status != article.Draft {
		t.Errorf("after unpublishing, status = %s", a.Status)
	}
}

// TestAuthorCannotTouchAnothersArticle is the IDOR check for articles.
func TestAuthorCannotTouchAnothersArticle(t *testing.T) {
	e := newEnv(t)
	other := e.account(t, "other-author@news.example.org", user.Author)
	oc := e.client(t)
	mustStatus(t, "sign in", oc.login(other.Email, testPassword, "", ""), http.StatusSeeOther)
	oc.csrf = csrfOf(oc.get("/admin/").body)
	r := oc.post("/admin/articles", storyForm("Not yours", "Mine."))
	mustStatus(t, "other author creates", r, http.StatusSeeOther)
	id := idFromLocation(t, r)

	author := e.as(t, user.Author)
	page := author.get(fmt.Sprintf("/admin/articles/%d", id))
	mustStatus(t, "author reads another's draft", page, http.StatusOK)
	if !strings.Contains(page.body, "<fieldset disabled>") {
		t.Error("another author's draft is editable in the form")
	}
	for _, p := range []string{"", "/submit"} {
		mustStatus(t, "author POST another's article"+p, author.post(fmt.Sprintf("/admin/articles/%d%s", id, p),
			storyForm("Taken over", "Theirs now.")), http.StatusForbidden)
	}
	a, _ := e.st.ArticleByID(context.Background(), id)
	if a.Title != "Not yours" {
		t.Errorf("title = %q after refused edits", a.Title)
	}
	// Creating an article whose address is taken makes a new address
	// rather than replacing the other article.
	r = author.post("/admin/articles", storyForm("Not yours", "Replaced?"))
	mustStatus(t, "author creates with the same title", r, http.StatusSeeOther)
	if again, _ := e.st.ArticleByID(context.Background(), id); again.Body != "Mine." {
		t.Errorf("the first article's body became %q", again.Body)
	}
	mine, _ := e.st.ArticleByID(context.Background(), idFromLocation(t, r))
	if mine.Slug != "not-yours-2" {
		t.Errorf("the second article's slug = %q, want not-yours-2", mine.Slug)
	}
	r = author.post("/admin/articles", storyForm("Sneaky", "x", "slug", "not-yours"))
	mustStatus(t, "author names a taken address", r, http.StatusBadRequest)
}

func TestEditorSchedulesAndValidates(t *testing.T) {
	e := newEnv(t)
	editor := e.as(t, user.Editor)
	at := e.clock.Now().Add(48 * time.Hour).UTC()
	r := editor.post("/admin/articles", storyForm("Budget vote", "Tomorrow.", "status", "scheduled",
		"published", at.Format(datetimeLocal)))
	mustStatus(t, "schedule", r, http.StatusSeeOther)
	a, _ := e.st.ArticleByID(context.Background(), idFromLocation(t, r))
	if a.Status != article.Scheduled || !a.PublishedAt.Equal(at.Truncate(time.Minute)) {
		t.Errorf("scheduled article: %s at %v, want scheduled at %v", a.Status, a.PublishedAt, at)
	}
	bad := editor.post("/admin/articles", storyForm("", "No title"))
	mustStatus(t, "no title", bad, http.StatusBadRequest)
	if !strings.Contains(bad.body, "Title is required") || !strings.Contains(bad.body, "No title</textarea>") {
		t.Error("the refused form is not shown again with the reason and what was typed")
	}
	mustStatus(t, "scheduled without a time", editor.post("/admin/articles", storyForm("x", "y", "status", "scheduled")),
		http.StatusBadRequest)
	mustStatus(t, "translation of nothing", editor.post("/admin/articles", storyForm("x", "y", "translation_of", "nothing-here")),
		http.StatusBadRequest)
}

func TestPreviewIsSanitised(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Author)
	r := c.post("/admin/articles/preview", url.Values{"body": {"# Hi\n\n<script>alert(1)</script><img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))"}})
	mustStatus(t, "preview", r, http.StatusOK)
	if !strings.Contains(r.body, "<h1") || strings.Contains(r.body, "<script") || strings.Contains(r.body, "onerror") ||
		strings.Contains(r.body, `href="javascript`) {
		t.Errorf("preview = %q; want the heading without script, handler or javascript: link", r.body)
	}
	// Without the script, the Preview button shows the same in the form.
	page := c.post("/admin/articles", storyForm("Draft", "**bold** <script>x</script>", "action", "preview"))
	mustStatus(t, "no-script preview", page, http.StatusOK)
	if !strings.Contains(page.body, "<strong>bold</strong>") || strings.Contains(page.body, "<script>x") {
		t.Error("the no-script preview does not show the sanitised body")
	}
	if n, _ := e.st.SearchArticles(context.Background(), "Draft", "", 0, 5); len(n) != 0 {
		t.Error("previewing saved the article")
	}
}

func TestArticleListSearchAndPages(t *testing.T) {
	e := newEnv(t)
	for i := range 35 {
		st := article.Published
		if i%5 == 0 {
			st = article.Draft
		}
		e.publish(t, article.Article{Title: fmt.Sprintf("Story number %02d", i), Status: st})
	}
	e.publish(t, article.Article{Title: "Night markets return"})
	c := e.as(t, user.Viewer)
	first := c.get("/admin/articles")
	mustStatus(t, "list", first, http.StatusOK)
	if n := strings.Count(first.body, `<a href="/admin/articles/`); n != articlePage {
		t.Errorf("first page lists %d articles, want %d", n, articlePage)
	}
	older := regexpFind(first.body, `href="(/admin/articles\?before=\d+)"`)
	if older == "" {
		t.Fatal("no link to the older page")
	}
	second := c.get(strings.ReplaceAll(older, "&amp;", "&"))
	if n := strings.Count(second.body, `<a href="/admin/articles/`); n != 36-articlePage {
		t.Errorf("second page lists %d articles, want %d", n, 36-articlePage)
	}
	if strings.Contains(second.body, "Night markets") {
		t.Error("the newest article is on the second page too")
	}
	found := c.get("/admin/articles?q=NIGHT")
	if !strings.Contains(found.body, "Night markets return") || strings.Contains(found.body, "Story number") {
		t.Error("searching the title in another case does not find exactly the article")
	}
	drafts := c.get("/admin/articles?status=draft")
	if n := strings.Count(drafts.body, `<a href="/admin/articles/`); n != 7 {
		t.Errorf("drafts: %d, want 7", n)
	}
	mustStatus(t, "bad status", c.get("/admin/articles?status=deleted"), http.StatusBadRequest)
	mustStatus(t, "bad cursor", c.get("/admin/articles?before=x"), http.StatusBadRequest)
}

func TestTranslationsSideBySide(t *testing.T) {
	e := newEnv(t)
	e.publish(t, article.Article{Title: "Night markets return", Slug: "night-markets", Body: "The stalls are back."})
	editor := e.as(t, user.Editor)
	form := editor.get("/admin/articles/new?translation_of=night-markets&language=fr")
	if !strings.Contains(form.body, "The stalls are back.") || !strings.Contains(form.body, `value="night-markets"`) {
		t.Error("a new translation does not show the original beside it")
	}
	r := editor.post("/admin/articles", storyForm("Les marchés de nuit reviennent", "Les étals sont de retour.",
		"language", "fr", "translation_of", "night-markets"))
	mustStatus(t, "create translation", r, http.StatusSeeOther)
	orig, _ := e.st.ArticleBySlug(context.Background(), "night-markets")
	page := editor.get(fmt.Sprintf("/admin/articles/%d", orig.ID))
	if !strings.Contains(page.body, "Les étals sont de retour.") || !strings.Contains(page.body, "fr: Les marchés de nuit reviennent") {
		t.Error("the original's editor does not show its draft translation")
	}
}

// A refused new article is shown again in the same editor: the preview of
// what was typed and, for a translation, the original beside it.
func TestRefusedNewArticleKeepsTheEditor(t *testing.T) {
	e := newEnv(t)
	e.publish(t, article.Article{Title: "Night markets return", Slug: "night-markets", Body: "The stalls are back."})
	e.publish(t, article.Article{Title: "Taken", Slug: "marches-de-nuit", Language: "fr"})
	editor := e.as(t, user.Editor)
	r := editor.post("/admin/articles", storyForm("Les marchés de nuit reviennent", "Les étals sont **de retour**.",
		"language", "fr", "translation_of", "night-markets", "slug", "marches-de-nuit"))
	mustStatus(t, "create a translation under a taken address", r, http.StatusBadRequest)
	for _, want := range []string{"Another article has the address", "Les étals sont **de retour**.</textarea>",
		"<strong>de retour</strong>", `id="compare-title"`, "The stalls are back."} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the refused translation's editor lacks %q", want)
		}
	}
}

// A scheduled article whose time has come is on the site: the newsroom
// sees it as published and can take it off; before its time it can go back
// to draft.
func TestScheduledArticleOnceItsTimeHasCome(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := article.Article{Slug: "due", Title: "Due", Language: "en", Status: article.Scheduled, PublishedAt: e.clock.Now().Add(time.Hour)}
	id, err := e.st.SaveArticle(ctx, &a)
	if err != nil {
		t.Fatal(err)
	}
	editor := e.as(t, user.Editor)
	before := editor.get(fmt.Sprintf("/admin/articles/%d", id)).body
	if !strings.Contains(before, "Back to draft") || !strings.Contains(before, "Publish now") || strings.Contains(before, ">Unpublish<") {
		t.Error("a scheduled article before its time should offer Publish now and Back to draft")
	}
	e.clock.Advance(2 * time.Hour)
	after := editor.get(fmt.Sprintf("/admin/articles/%d", id)).body
	if !strings.Contains(after, ">Unpublish<") || strings.Contains(after, "Publish now") {
		t.Error("a scheduled article past its time should offer Unpublish, not Publish now")
	}
	if list := editor.get("/admin/articles").body; !strings.Contains(list, `badge-published`) || strings.Contains(list, `badge-scheduled`) {
		t.Error("the list does not show the scheduled article past its time as published")
	}
}

// Saving an article whose publication time the form shows to the minute
// keeps the stored time to the second.
func TestSavingKeepsThePublicationTime(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	at := e.clock.Now().Add(-time.Hour).Truncate(time.Minute).Add(29*time.Second + 500*time.Millisecond)
	a := article.Article{Slug: "kept-time", Title: "Kept time", Language: "en", Status: article.Published, PublishedAt: at}
	id, err := e.st.SaveArticle(ctx, &a)
	if err != nil {
		t.Fatal(err)
	}
	editor := e.as(t, user.Editor)
	form := storyForm("Kept time, edited", "Body.", "status", "published", "published", at.UTC().Format("2006-01-02T15:04"),
		"version", versionOf(t, editor, id))
	mustStatus(t, "save", editor.post(fmt.Sprintf("/admin/articles/%d", id), form), http.StatusSeeOther)
	if got, _ := e.st.ArticleByID(ctx, id); !got.PublishedAt.Equal(at) || got.Title != "Kept time, edited" {
		t.Errorf("after saving: %q published at %v, want %v", got.Title, got.PublishedAt, at)
	}
}
