package web

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/article"
)

// listed is what a reader finds on a listing page.
type listed struct {
	title, h1           string
	items               []string // article addresses, in order
	newer, first, older string   // the pager's links
	headPrev, headNext  string   // <link rel=prev/next> in the head
}

func getListing(t *testing.T, e *testEnv, target string) listed {
	t.Helper()
	w := e.get(target)
	wantStatus(t, "GET "+target, w, 200)
	doc := parseHTML(t, w.Body.String())
	var l listed
	if ts := findAll(doc, func(n *html.Node) bool { return n.Data == "title" }); len(ts) == 1 {
		l.title = textOf(ts[0])
	}
	if hs := findAll(doc, func(n *html.Node) bool { return n.Data == "h1" }); len(hs) == 1 {
		l.h1 = textOf(hs[0])
	}
	for _, it := range findAll(doc, func(n *html.Node) bool { return n.Data == "h2" && attrOr(n, "class") == "item-title" }) {
		l.items = append(l.items, attrOr(findAll(it, func(n *html.Node) bool { return n.Data == "a" })[0], "href"))
	}
	for _, nav := range findAll(doc, func(n *html.Node) bool { return n.Data == "nav" && attrOr(n, "class") == "pager" }) {
		for _, a := range findAll(nav, func(n *html.Node) bool { return n.Data == "a" }) {
			switch attrOr(a, "rel") {
			case "prev":
				l.newer = attrOr(a, "href")
			case "next":
				l.older = attrOr(a, "href")
			default:
				l.first = attrOr(a, "href")
			}
		}
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Data == "link" }) {
		switch attrOr(n, "rel") {
		case "prev":
			l.headPrev = attrOr(n, "href")
		case "next":
			l.headNext = attrOr(n, "href")
		}
	}
	return l
}

// A page after the first says which one it is, in its title and in its
// heading, and leads to the newer page and the first one as well as to
// the older one.
func TestListingPagesSayWhichAndLeadBothWays(t *testing.T) {
	e := newEnv(t)
	base := e.now.Add(-100 * time.Hour)
	for i := range 45 {
		e.addArticle(fmt.Sprintf("story-%02d", i), fmt.Sprintf("Story %02d", i), base.Add(time.Duration(i)*time.Hour))
	}
	p1 := getListing(t, e, "/")
	p2 := getListing(t, e, p1.older)
	p3 := getListing(t, e, p2.older)
	for i, tt := range []struct {
		got          listed
		title, h1    string
		newer, first string
	}{
		{p1, "The Test Herald", "Latest news", "", ""},
		{p2, "Latest news, page 2 – The Test Herald", "Latest news, page 2", "/", ""},
		{p3, "Latest news, page 3 – The Test Herald", "Latest news, page 3", p1.older, "/"},
	} {
		if tt.got.title != tt.title || tt.got.h1 != tt.h1 {
			t.Errorf("page %d: <title> %q, <h1> %q; want %q, %q", i+1, tt.got.title, tt.got.h1, tt.title, tt.h1)
		}
		if tt.got.newer != tt.newer || tt.got.first != tt.first {
			t.Errorf("page %d: newer link %q, first-page link %q; want %q, %q", i+1, tt.got.newer, tt.got.first, tt.newer, tt.first)
		}
		wantPrev, wantNext := "", ""
		if tt.newer != "" {
			wantPrev = testBase + tt.newer
		}
		if tt.got.older != "" {
			wantNext = testBase + tt.got.older
		}
		if tt.got.headPrev != wantPrev || tt.got.headNext != wantNext {
			t.Errorf("page %d: head links prev %q, next %q; want %q, %q", i+1, tt.got.headPrev, tt.got.headNext, wantPrev, wantNext)
		}
	}
	if p3.older != "" || len(p3.items) != 5 {
		t.Errorf("page 3: %d articles and older link %q, want 5 and none", len(p3.items), p3.older)
	}

	// Articles published meanwhile change the first page, not the way
	// back up: each newer page holds the articles just above the page it
	// was reached from, and the last step reaches the first page.
	for i := range 5 {
		e.addArticle(fmt.Sprintf("late-%d", i), fmt.Sprintf("Late %d", i), e.now.Add(-time.Duration(5-i)*time.Minute))
	}
	all := append(getListing(t, e, "/").items, allBelow(t, e)...)
	var titles []string
	for target, steps := p2.older, 0; target != "/"; steps++ {
		if steps > 5 {
			t.Fatal("newer links do not reach the first page")
		}
		l := getListing(t, e, target)
		if l.newer == "" {
			t.Fatalf("GET %s: no link to newer articles", target)
		}
		up := getListing(t, e, l.newer)
		titles = append(titles, up.title)
		if at := slices.Index(all, l.items[0]); at <= perPage {
			if l.newer != "/" {
				t.Errorf("GET %s: %d articles above, newer link %q, want the first page", target, at, l.newer)
			}
		} else if want := all[at-perPage : at]; !slices.Equal(up.items, want) {
			t.Errorf("GET %s (newer than %s) lists %v, want the %d just above: %v", l.newer, target, up.items, perPage, want)
		}
		target = l.newer
	}
	// The way up keeps the numbers of the way down; a page with more
	// above it than its number says has none.
	want := []string{"Latest news, page 2 – The Test Herald", "Latest news, older articles – The Test Herald", "The Test Herald"}
	if !slices.Equal(titles, want) {
		t.Errorf("titles on the way up = %q, want %q", titles, want)
	}
}

// allBelow lists every article after the first page, following older links.
func allBelow(t *testing.T, e *testEnv) []string {
	t.Helper()
	var out []string
	for target := getListing(t, e, "/").older; target != ""; {
		l := getListing(t, e, target)
		out = append(out, l.items...)
		target = l.older
	}
	return out
}

// Going up page by page shows again the pages seen going down, also where
// many articles share one instant or come seconds apart, more than the
// store is asked for at a time.
func TestNewerPagesRetraceOlderOnes(t *testing.T) {
	e := newEnv(t)
	at := e.now.Add(-48 * time.Hour)
	for i := range 30 {
		e.addArticle(fmt.Sprintf("same-%02d", i), "Same instant", at)
	}
	for i := range 100 {
		e.addArticle(fmt.Sprintf("close-%03d", i), "Seconds apart", at.Add(time.Hour+time.Duration(i)*time.Second))
	}
	e.addArticle("elsewhere", "Another section", at.Add(2*time.Hour), func(a *article.Article) { a.Section = "Sport" })
	var down []listed
	for target := "/section/world"; target != ""; target = down[len(down)-1].older {
		down = append(down, getListing(t, e, target))
	}
	if len(down) != 7 {
		t.Fatalf("/section/world has %d pages, want 7", len(down))
	}
	for i := len(down) - 1; i > 0; i-- {
		if down[i].newer == "" {
			t.Fatalf("page %d has no link to newer articles", i+1)
		}
		up := getListing(t, e, down[i].newer)
		if !slices.Equal(up.items, down[i-1].items) || up.title != down[i-1].title {
			t.Errorf("newer than page %d: %q %v, want page %d: %q %v", i+1, up.title, up.items, i, down[i-1].title, down[i-1].items)
		}
	}
	if !strings.HasPrefix(down[3].title, "World, page 4 –") {
		t.Errorf("page 4 title = %q", down[3].title)
	}
}

// A French site names its pages and their links in French.
func TestPagerInTheSiteLanguage(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Site.Language = "fr" })
	for i := range 2*perPage + 1 {
		e.addArticle(fmt.Sprintf("histoire-%02d", i), "Histoire", e.now.Add(-time.Duration(i+1)*time.Hour), func(a *article.Article) {
			a.Language, a.Section = "fr", "Politique"
		})
	}
	p2 := getListing(t, e, "/section/politique").older
	p3 := getListing(t, e, p2).older
	w := e.get(p3)
	wantStatus(t, "GET "+p3, w, 200)
	wantSpokenIn(t, p3, w.Body.String(), "fr", "page 3", "Articles plus récents", "Première page")
	if got := getListing(t, e, p3).title; got != "Politique, page 3 – The Test Herald" {
		t.Errorf("GET %s: <title> %q", p3, got)
	}
}

// A page number the site did not write is refused like a cursor it did
// not write; an address with a cursor and no number, as the site made
// them before, still works.
func TestPageNumberInTheAddress(t *testing.T) {
	e := newEnv(t)
	a := e.addArticle("story", "Story", e.now.Add(-time.Hour))
	cursor := fmt.Sprintf("%d-%d", a.PublishedAt.Add(time.Hour).UnixNano(), a.ID+1)
	for target, status := range map[string]int{
		"/?page=2":                                     400,
		"/section/world?page=3":                        400,
		"/?before=" + cursor + "&page=1":               400,
		"/?before=" + cursor + "&page=x":               400,
		"/tag/diplomacy?before=" + cursor + "&page=-2": 400,
		"/?before=" + cursor + "&page=9":               200,
		"/author/ada-reporter?before=" + cursor:        200,
	} {
		wantStatus(t, "GET "+target, e.get(target), status)
	}
	if got := getListing(t, e, "/author/ada-reporter?before="+cursor).title; got != "Ada Reporter, older articles – The Test Herald" {
		t.Errorf("page without a number: <title> %q", got)
	}
}
