package web

import (
	"testing"
	"time"

	"golang.org/x/net/html"
)

// A cursor past the end of a listing that exists is a page with nothing
// older on it, on every listing alike, kept out of search engines; a
// name with no articles has no page, and a cursor the site did not write
// is refused everywhere.
func TestPastTheEndOfAListing(t *testing.T) {
	e := newEnv(t)
	e.addArticle("talks-resume", "Talks resume", e.now.Add(-time.Hour))
	for target, heading := range map[string]string{
		"/?before=1-1":                     "Latest news, older articles",
		"/section/world?before=1-1":        "World, older articles",
		"/tag/diplomacy?before=1-1":        "Diplomacy, older articles",
		"/author/ada-reporter?before=1-1":  "Ada Reporter, older articles",
		"/section/world?before=1-1&page=4": "World, page 4",
	} {
		w := e.get(target)
		wantStatus(t, "GET "+target, w, 200)
		if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=60" {
			t.Errorf("GET %s: Cache-Control %q, want public, max-age=60", target, cc)
		}
		doc := parseHTML(t, w.Body.String())
		wantSpokenIn(t, target, w.Body.String(), "en", "There are no older articles.")
		if h1 := findAll(doc, func(n *html.Node) bool { return n.Data == "h1" }); len(h1) != 1 || textOf(h1[0]) != heading {
			t.Errorf("GET %s: h1 %v, want %q", target, h1, heading)
		}
		robots := findAll(doc, func(n *html.Node) bool { return n.Data == "meta" && attrOr(n, "name") == "robots" })
		if len(robots) != 1 || attrOr(robots[0], "content") != "noindex" {
			t.Errorf("GET %s: robots meta %v, want noindex", target, robots)
		}
		if c := findAll(doc, func(n *html.Node) bool { return n.Data == "link" && attrOr(n, "rel") == "canonical" }); len(c) != 0 {
			t.Errorf("GET %s: a page kept out of search engines names a canonical address", target)
		}
		if l := getListing(t, e, target); l.newer == "" || len(l.items) != 0 {
			t.Errorf("GET %s: %d articles, newer link %q; want none and a link", target, len(l.items), l.newer)
		}
	}
	for target, status := range map[string]int{
		"/section/nothing-here?before=1-1":  404,
		"/tag/nothing-here?before=1-1":      404,
		"/author/nobody?before=1-1":         404,
		"/?before=junk":                     400,
		"/section/world?before=junk":        400,
		"/tag/diplomacy?before=123-0":       400,
		"/author/ada-reporter?before=1-x":   400,
		"/section/nothing-here?before=junk": 400,
	} {
		wantStatus(t, "GET "+target, e.get(target), status)
	}
}
