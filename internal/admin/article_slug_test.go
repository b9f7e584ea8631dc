package admin

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"herald/internal/user"
)

// TestLongTitleInAnotherScriptGetsANumberedAddress: a second article with
// the same long Chinese title gets the first one's address with a number,
// cut between characters, not a refusal.
func TestLongTitleInAnotherScriptGetsANumberedAddress(t *testing.T) {
	e := newEnv(t)
	editor := e.as(t, user.Editor)
	title := strings.Repeat("港口大桥重新开放", 6) // 48 characters, 144 bytes
	first := editor.post("/admin/articles", storyForm(title, "First."))
	mustStatus(t, "create the first", first, http.StatusSeeOther)
	second := editor.post("/admin/articles", storyForm(title, "Second."))
	mustStatus(t, "create the second with the same title", second, http.StatusSeeOther)
	a, err := e.st.ArticleByID(context.Background(), idFromLocation(t, first))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.st.ArticleByID(context.Background(), idFromLocation(t, second))
	if err != nil {
		t.Fatal(err)
	}
	if a.Slug == b.Slug || !strings.HasSuffix(b.Slug, "-2") || !utf8.ValidString(b.Slug) || b.Body != "Second." {
		t.Errorf("slugs %q and %q (second body %q); want the second numbered -2, whole characters", a.Slug, b.Slug, b.Body)
	}
}
