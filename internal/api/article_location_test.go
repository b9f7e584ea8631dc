package api

import (
	"testing"

	"herald/internal/user"
)

// TestCreatedArticleLocationIsAURL: an article whose address is in another
// script than Latin is named in Location percent-encoded, as a URL must
// be, and that address finds it.
func TestCreatedArticleLocationIsAURL(t *testing.T) {
	e := newEnv(t)
	editor := e.tokenFor(user.Editor)
	r := e.do(editor, "POST", "/api/v1/articles", map[string]any{"title": "Мост открыт", "body": "Первый автобус."})
	r.want(t, 201, nil)
	const want = "/api/v1/articles/%D0%BC%D0%BE%D1%81%D1%82-%D0%BE%D1%82%D0%BA%D1%80%D1%8B%D1%82"
	if loc := r.header.Get("Location"); loc != want {
		t.Fatalf("Location %q; want %q", loc, want)
	}
	e.do(editor, "GET", want, nil).want(t, 200, nil)
}
