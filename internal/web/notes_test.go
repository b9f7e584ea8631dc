package web

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/markup"
)

// An article's footnotes link to their notes and back on its page, and the
// label screen readers announce with them is there, in the page's language.
func TestArticleFootnotes(t *testing.T) {
	e := newEnv(t)
	md := markup.New(testBase)
	e.addArticle("notes", "Notes", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Language = "fr"
		a.BodyHTML = md.HTML("Un chiffre[^1].\n\n[^1]: Selon la mairie.")
	})
	e.addArticle("plain", "Plain", e.now.Add(-time.Hour))
	w := e.get("/articles/notes")
	wantStatus(t, "GET /articles/notes", w, 200)
	body := w.Body.String()
	for _, want := range []string{`aria-describedby="notes:label"`, `aria-labelledby="notes:label"`,
		`<p id="notes:label" hidden>Notes</p>`, `role="doc-backlink"`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /articles/notes lacks %s:\n%s", want, body)
		}
	}
	// Every link within the page leads to an element of it.
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if ids[m[1]] {
			t.Errorf("GET /articles/notes: id %q twice", m[1])
		}
		ids[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if !ids[m[1]] {
			t.Errorf("GET /articles/notes: link to #%s, which no element has", m[1])
		}
	}
	if n := len(regexp.MustCompile(`href="#[^"]*fn`).FindAllString(body, -1)); n != 2 {
		t.Errorf("GET /articles/notes: %d links between the note and its reference, want 2", n)
	}

	w = e.get("/articles/plain")
	if strings.Contains(w.Body.String(), "notes:label") {
		t.Errorf("GET /articles/plain names notes it does not have:\n%s", w.Body.String())
	}
}

// In feeds the links between a note and its reference lead to the
// article's page, since a feed reader shows the article elsewhere.
func TestFeedFootnotes(t *testing.T) {
	e := newEnv(t)
	md := markup.New(testBase)
	body := md.HTML("A figure[^1].\n\n[^1]: From the council.")
	e.addArticle("story", "Story", e.now.Add(-time.Hour), func(a *article.Article) { a.BodyHTML = body })
	id := regexp.MustCompile(`<li id="([^"]+)"`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("HTML with a footnote has no note:\n%s", body)
	}
	for _, path := range []string{"/feed.xml", "/rss.xml", "/feed.json"} {
		w := e.get(path)
		wantStatus(t, "GET "+path, w, 200)
		got := w.Body.String()
		if path == "/feed.json" {
			var f jsonFeedIn
			if err := json.Unmarshal(w.Body.Bytes(), &f); err != nil || len(f.Items) != 1 {
				t.Fatalf("GET %s: %v, %d items", path, err, len(f.Items))
			}
			got = f.Items[0].ContentHTML
		}
		want := testBase + "/articles/story#" + id[1]
		if !strings.Contains(got, `href=&#34;`+want+`&#34;`) && !strings.Contains(got, `href="`+want+`"`) {
			t.Errorf("GET %s: content lacks a link to %s:\n%s", path, want, got)
		}
		if !strings.Contains(got, "From the council.") {
			t.Errorf("GET %s: content lacks the note:\n%s", path, got)
		}
	}
}
