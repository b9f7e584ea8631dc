package admin

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/user"
)

// Submit for review and Publish now are buttons of the editor's form: what
// was typed is saved first, with Save's checks, and only then submitted or
// published.
func TestSubmitAndPublishSaveWhatWasTyped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author := e.as(t, user.Author)
	r := author.post("/admin/articles", storyForm("Ferry timetable", "Old body."))
	mustStatus(t, "author creates a draft", r, http.StatusSeeOther)
	id := idFromLocation(t, r)
	path := fmt.Sprintf("/admin/articles/%d", id)

	page := author.get(path).body
	want := fmt.Sprintf(`<button type="submit" form="article-form" formaction="%s/submit">`, path)
	if !strings.Contains(page, want) {
		t.Errorf("the author's editor lacks %s", want)
	}
	// A form filled before a change made since is refused, and nothing is
	// submitted.
	stale := versionOf(t, author, id)
	meanwhile, _ := e.st.ArticleByID(ctx, id)
	meanwhile.Standfirst = "Changed meanwhile."
	if _, err := e.pub.Publish(ctx, &meanwhile); err != nil {
		t.Fatal(err)
	}
	refused := author.post(path+"/submit", storyForm("Ferry timetable, typed", "Typed body.", "status", "draft", "version", stale))
	mustStatus(t, "submit a form filled before a change", refused, http.StatusConflict)
	if !strings.Contains(refused.body, "Typed body.</textarea>") || !strings.Contains(refused.body, "changed by someone else meanwhile") {
		t.Error("the refused submit does not show the form again with the reason and what was typed")
	}
	if _, sub, _ := e.st.ArticleOwners(ctx, []int64{id}); !sub[id].IsZero() {
		t.Error("a refused submit marked the article submitted")
	}
	if got, _ := e.st.ArticleByID(ctx, id); got.Body != "Old body." {
		t.Errorf("after the refused submit the body is %q, want Old body.", got.Body)
	}

	r = author.post(path+"/submit", storyForm("Ferry timetable, typed", "Typed body.", "status", "draft", "version", versionOf(t, author, id)))
	mustStatus(t, "submit with edits", r, http.StatusSeeOther)
	if got, _ := e.st.ArticleByID(ctx, id); got.Title != "Ferry timetable, typed" || got.Body != "Typed body." || got.Status != article.Draft {
		t.Errorf("after submitting: %s %q %q; want the draft as typed", got.Status, got.Title, got.Body)
	}
	if _, sub, _ := e.st.ArticleOwners(ctx, []int64{id}); sub[id].IsZero() {
		t.Error("submitting with edits did not mark the article submitted")
	}

	editor := e.as(t, user.Editor)
	page = editor.get(path).body
	want = fmt.Sprintf(`<button type="submit" form="article-form" formaction="%s/publish">`, path)
	if !strings.Contains(page, want) {
		t.Errorf("the editor's editor lacks %s", want)
	}
	bad := editor.post(path+"/publish", storyForm("", "Edited by the editor.", "status", "draft", "version", versionOf(t, editor, id)))
	mustStatus(t, "publish without a title", bad, http.StatusBadRequest)
	if !strings.Contains(bad.body, "Title is required") || !strings.Contains(bad.body, "Edited by the editor.</textarea>") {
		t.Error("the refused publish does not show the form again with the reason and what was typed")
	}
	if got, _ := e.st.ArticleByID(ctx, id); got.Status != article.Draft {
		t.Errorf("a refused publish left the article %s", got.Status)
	}
	r = editor.post(path+"/publish", storyForm("Ferry timetable changes", "Edited by the editor.", "status", "draft",
		"version", versionOf(t, editor, id)))
	mustStatus(t, "publish with edits", r, http.StatusSeeOther)
	got, _ := e.st.ArticleByID(ctx, id)
	if got.Status != article.Published || !got.IsVisible(e.clock.Now()) || got.Title != "Ferry timetable changes" || got.Body != "Edited by the editor." {
		t.Errorf("after publishing: %s %q %q visible=%v; want published as typed", got.Status, got.Title, got.Body, got.IsVisible(e.clock.Now()))
	}
}

// An article submitted for review and then published or scheduled by an
// editor's Save is out of review; only a draft shows as submitted.
func TestSavedOutOfReview(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author := e.as(t, user.Author)
	editor := e.as(t, user.Editor)
	submitted := func(id int64) bool {
		t.Helper()
		_, sub, err := e.st.ArticleOwners(ctx, []int64{id})
		if err != nil {
			t.Fatal(err)
		}
		return !sub[id].IsZero()
	}
	for _, status := range []string{"published", "scheduled"} {
		r := author.post("/admin/articles", storyForm("Ferry strike "+status, "Body."))
		mustStatus(t, "author creates a draft", r, http.StatusSeeOther)
		id := idFromLocation(t, r)
		path := fmt.Sprintf("/admin/articles/%d", id)
		mustStatus(t, "author submits", author.post(path+"/submit", nil), http.StatusSeeOther)
		if !strings.Contains(editor.get(path).body, "submitted for review") {
			t.Fatal("a submitted draft does not say so")
		}
		form := storyForm("Ferry strike "+status, "Body.", "status", status, "version", versionOf(t, editor, id))
		if status == "scheduled" {
			form.Set("published", e.clock.Now().Add(24*time.Hour).UTC().Format(datetimeLocal))
		}
		mustStatus(t, "editor saves it "+status, editor.post(path, form), http.StatusSeeOther)
		if submitted(id) {
			t.Errorf("saved %s, the article is still marked submitted", status)
		}
		if strings.Contains(editor.get(path).body, "submitted for review") {
			t.Errorf("saved %s, the editor still says submitted for review", status)
		}
	}
	// A mark left on an article that is no draft is not shown.
	a := e.publish(t, article.Article{Title: "Marked long ago"})
	if err := e.st.SetArticleSubmitted(ctx, a.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(editor.get(fmt.Sprintf("/admin/articles/%d", a.ID)).body, "submitted for review") {
		t.Error("a published article shows as submitted for review")
	}
}

// Back to draft, on a scheduled article, is a button of the editor's form
// too: what was typed goes back to draft with it.
func TestBackToDraftSavesWhatWasTyped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	editor := e.as(t, user.Editor)
	later := e.clock.Now().Add(48 * time.Hour).UTC().Format(datetimeLocal)
	r := editor.post("/admin/articles", storyForm("Bridge works", "Old body.", "status", "published", "published", later))
	mustStatus(t, "schedule an article", r, http.StatusSeeOther)
	id := idFromLocation(t, r)
	path := fmt.Sprintf("/admin/articles/%d", id)
	want := fmt.Sprintf(`<button type="submit" form="article-form" formaction="%s/unpublish" class="secondary">Back to draft</button>`, path)
	if page := editor.get(path).body; !strings.Contains(page, want) {
		t.Fatalf("the editor of a scheduled article lacks %s", want)
	}
	r = editor.post(path+"/unpublish", storyForm("Bridge works, revised", "Typed body.", "status", "published", "published", later,
		"version", versionOf(t, editor, id)))
	mustStatus(t, "back to draft with edits", r, http.StatusSeeOther)
	if got, _ := e.st.ArticleByID(ctx, id); got.Status != article.Draft || got.Title != "Bridge works, revised" || got.Body != "Typed body." {
		t.Errorf("after back to draft: %s %q %q; want the draft as typed", got.Status, got.Title, got.Body)
	}
}
