package admin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"herald/internal/article"
	"herald/internal/user"
)

// versionOf opens the editor of article id as c and returns the version
// its form carries.
func versionOf(t *testing.T, c *client, id int64) string {
	t.Helper()
	page := c.get(fmt.Sprintf("/admin/articles/%d", id))
	mustStatus(t, "open the editor", page, http.StatusOK)
	v := regexpFind(page.body, `name="version" value="(\d+)"`)
	if v == "" {
		t.Fatalf("the editor of article %d carries no version", id)
	}
	return v
}

// postsAtOnce sends each form to its path as its client, all at the same
// moment, and returns the statuses; 0 stands for a request that failed.
func postsAtOnce(cs []*client, paths []string, forms []url.Values) []int {
	statuses := make([]int, len(cs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range cs {
		forms[i].Set("csrf", c.csrf)
		req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+paths[i], strings.NewReader(forms[i].Encode()))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wg.Go(func() {
			<-start
			resp, err := c.http.Do(req)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

// A form filled from an older version than the stored one is refused and
// shown again as typed; the stored article keeps the change made since.
func TestStaleArticleFormIsRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.publish(t, article.Article{Title: "Harbour bridge", Slug: "harbour-bridge", Status: article.Draft})
	editor := e.as(t, user.Editor)
	version := versionOf(t, editor, a.ID)

	meanwhile, err := e.st.ArticleByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	meanwhile.Standfirst = "Changed meanwhile."
	if _, err := e.pub.Publish(ctx, &meanwhile); err != nil {
		t.Fatalf("Publish(standfirst changed) = %v", err)
	}
	r := editor.post(fmt.Sprintf("/admin/articles/%d", a.ID), storyForm("Harbour bridge, typed", "Typed body.", "version", version))
	mustStatus(t, "save a form filled before the change", r, http.StatusConflict)
	if !strings.Contains(r.body, "changed by someone else meanwhile") || !strings.Contains(r.body, "Typed body.</textarea>") {
		t.Error("the refused form is not shown again with the reason and what was typed")
	}
	got, _ := e.st.ArticleByID(ctx, a.ID)
	if got.Title != "Harbour bridge" || got.Standfirst != "Changed meanwhile." {
		t.Errorf("after the refused save: title %q, standfirst %q; want Harbour bridge, Changed meanwhile.", got.Title, got.Standfirst)
	}
	mustStatus(t, "save a form without a version", editor.post(fmt.Sprintf("/admin/articles/%d", a.ID),
		storyForm("No version", "x")), http.StatusConflict)
	mustStatus(t, "save the form reloaded", editor.post(fmt.Sprintf("/admin/articles/%d", a.ID),
		storyForm("Harbour bridge, typed", "Typed body.", "version", versionOf(t, editor, a.ID))), http.StatusSeeOther)
}

// Two people saving forms filled from the same version at once: one is
// saved, the other refused, never both.
func TestArticleFormsSavedAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	one, two := e.as(t, user.Editor), e.as(t, user.Owner)
	for i := range 20 {
		a := e.publish(t, article.Article{Title: fmt.Sprintf("Story %d", i), Status: article.Draft})
		path := fmt.Sprintf("/admin/articles/%d", a.ID)
		version := versionOf(t, one, a.ID)
		got := postsAtOnce([]*client{one, two}, []string{path, path}, []url.Values{
			storyForm("By one", "One's body.", "version", version), storyForm("By two", "Two's body.", "version", version)})
		saved, _ := e.st.ArticleByID(ctx, a.ID)
		switch {
		case got[0] == http.StatusSeeOther && got[1] == http.StatusConflict && saved.Title == "By one":
		case got[0] == http.StatusConflict && got[1] == http.StatusSeeOther && saved.Title == "By two":
		default:
			t.Fatalf("two forms from version %s saved at once answered %v and left title %q; want one 303 whose title is stored and one 409",
				version, got, saved.Title)
		}
	}
}

// Publish now racing a form save: the article ends up published whichever
// comes first, and the form is saved only if it came first.
func TestPublishRacingFormSave(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	one, two := e.as(t, user.Editor), e.as(t, user.Owner)
	for i := range 20 {
		a := e.publish(t, article.Article{Title: fmt.Sprintf("Story %d", i), Status: article.Draft})
		path := fmt.Sprintf("/admin/articles/%d", a.ID)
		form := storyForm("Edited", "Body.", "status", "draft", "version", versionOf(t, one, a.ID))
		got := postsAtOnce([]*client{one, two}, []string{path, path + "/publish"}, []url.Values{form, {}})
		saved, _ := e.st.ArticleByID(ctx, a.ID)
		if got[1] != http.StatusSeeOther || saved.Status != article.Published ||
			got[0] != http.StatusSeeOther && got[0] != http.StatusConflict || (got[0] == http.StatusSeeOther) != (saved.Title == "Edited") {
			t.Fatalf("form save and Publish now at once answered %v and left the article %s with title %q; "+
				"want publish 303, the article published, and the title Edited exactly when the save answered 303",
				got, saved.Status, saved.Title)
		}
	}
}

// Two people creating articles with one title at once get two articles
// with addresses of their own; neither replaces the other.
func TestConcurrentCreatesOfOneTitle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	one, two := e.as(t, user.Editor), e.as(t, user.Author)
	for i := range 20 {
		title := fmt.Sprintf("Harbour story %d", i)
		got := postsAtOnce([]*client{one, two}, []string{"/admin/articles", "/admin/articles"}, []url.Values{
			storyForm(title, "One's body."), storyForm(title, "Two's body.")})
		if got[0] != http.StatusSeeOther || got[1] != http.StatusSeeOther {
			t.Fatalf("two creates titled %q at once answered %v; want 303 for both", title, got)
		}
		list, err := e.st.SearchArticles(ctx, title, "", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		bodies := map[string]string{}
		for _, a := range list {
			bodies[a.Slug] = a.Body
		}
		base := fmt.Sprintf("harbour-story-%d", i)
		if len(list) != 2 || bodies[base] == "" || bodies[base+"-2"] == "" || bodies[base] == bodies[base+"-2"] {
			t.Fatalf("after two creates titled %q at once, the articles are %v; want %s and %s-2 with one body each",
				title, bodies, base, base)
		}
	}
}
