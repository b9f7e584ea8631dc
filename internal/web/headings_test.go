package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// headings lists a page's h1 to h6 as "h1 text", in document order.
func headings(t *testing.T, w *httptest.ResponseRecorder) []string {
	t.Helper()
	var out []string
	doc := parseHTML(t, w.Body.String())
	for _, n := range findAll(doc, func(n *html.Node) bool {
		return len(n.Data) == 2 && n.Data[0] == 'h' && n.Data[1] >= '1' && n.Data[1] <= '6'
	}) {
		out = append(out, n.Data+" "+strings.TrimSpace(textOf(n)))
	}
	return out
}

// The signup page is the box alone: its heading is the page's one h1,
// said once, whether the page is first opened or shown again with a
// refusal; in a page around an article the box stays a section under the
// article's h1.
func TestSignupPageHeadingOutline(t *testing.T) {
	e := newEnv(t)
	e.addArticle("story", "Story", e.now.Add(-time.Hour))
	bad := signupForm("not-an-email")
	for what, tt := range map[string]struct {
		w    *httptest.ResponseRecorder
		want []string
	}{
		"GET /subscribe":             {e.get("/subscribe"), []string{"h1 Subscribe to our newsletter"}},
		"GET /subscribe?language=fr": {e.get("/subscribe?language=fr"), []string{"h1 Abonnez-vous à notre newsletter"}},
		"refused POST /subscribe":    {e.postForm("/subscribe", bad, ""), []string{"h1 Subscribe to our newsletter"}},
		"GET /articles/story":        {e.get("/articles/story"), []string{"h1 Story", "h2 Topics", "h2 Subscribe to our newsletter"}},
	} {
		if got := headings(t, tt.w); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: headings %q, want %q", what, got, tt.want)
		}
	}
}
