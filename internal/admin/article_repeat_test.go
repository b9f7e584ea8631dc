package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"herald/internal/user"
)

// A new article's form posted twice, as by a double click on Create or a
// form sent again, makes one article: the second answer leads to it.
func TestNewArticlePostedTwiceIsCreatedOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	editor := e.as(t, user.Editor)
	for i, typed := range []string{"", "bridge-typed"} {
		title := fmt.Sprintf("Harbour bridge reopens %d", i)
		form := storyForm(title, "The first bus crossed.", "slug", typed, "status", "published")
		first := editor.post("/admin/articles", form)
		mustStatus(t, "create "+title, first, http.StatusSeeOther)
		second := editor.post("/admin/articles", form)
		if second.status != http.StatusSeeOther || location(second) != location(first) {
			t.Errorf("the same form posted again (slug %q): status %d to %q; want 303 to %q, the article made by the first",
				typed, second.status, location(second), location(first))
		}
		list, err := e.st.SearchArticles(ctx, title, "", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Errorf("after the form titled %q was posted twice, %d articles hold the title; want 1", title, len(list))
		}
	}

	// At the same moment, from one browser: still one article.
	title := "Night markets return"
	got := postsAtOnce([]*client{editor, editor}, []string{"/admin/articles", "/admin/articles"},
		[]url.Values{storyForm(title, "Stalls."), storyForm(title, "Stalls.")})
	if got[0] != http.StatusSeeOther || got[1] != http.StatusSeeOther {
		t.Fatalf("one form posted twice at once answered %v; want 303 for both", got)
	}
	if list, _ := e.st.SearchArticles(ctx, title, "", 0, 10); len(list) != 1 {
		t.Errorf("after one form was posted twice at once, %d articles hold its title; want 1", len(list))
	}

	// The same title written again on purpose, with another body, is
	// another article.
	mustStatus(t, "another story under the same title", editor.post("/admin/articles", storyForm(title, "Other stalls.")),
		http.StatusSeeOther)
	if list, _ := e.st.SearchArticles(ctx, title, "", 0, 10); len(list) != 2 {
		t.Errorf("a second story titled %q: %d articles hold the title; want 2", title, len(list))
	}
}
