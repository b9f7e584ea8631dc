package web

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/article"
)

// A story written in Cyrillic by 李小龍, tagged in Arabic in a Hebrew
// section, has an address for every one of its pages, percent-encoded in
// links as browsers send it, and each of them answers.
func TestNamesInOtherScriptsHavePages(t *testing.T) {
	e := newEnv(t)
	e.addArticle("", "Выборы в городе", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Language = "ru"
		a.Authors = []article.Author{{Name: "李小龍"}}
		a.Tags = []article.Tag{{Name: "انتخابات"}}
		a.Section = "חדשות"
	})
	paths := map[string]string{
		"/articles/" + url.PathEscape("выборы-в-городе"): "Выборы в городе",
		"/author/" + url.PathEscape("李小龍"):               "李小龍",
		"/tag/" + url.PathEscape("انتخابات"):             "انتخابات",
		"/section/" + url.PathEscape("חדשות"):            "חדשות",
	}
	for p, heading := range paths {
		w := e.get(p)
		wantStatus(t, "GET "+p, w, 200)
		hs := findAll(parseHTML(t, w.Body.String()), func(n *html.Node) bool { return n.Data == "h1" })
		if len(hs) == 0 || textOf(hs[0]) != heading {
			t.Errorf("GET %s: no <h1> %q", p, heading)
		}
	}

	doc := parseHTML(t, e.get("/").Body.String())
	var hrefs []string
	for _, a := range findAll(doc, func(n *html.Node) bool { return n.Data == "a" }) {
		h, _ := attr(a, "href")
		hrefs = append(hrefs, h)
	}
	for p := range paths {
		if p[1] == 't' {
			continue // the home page links no tag
		}
		if !slices.Contains(hrefs, p) {
			t.Errorf("GET /: no link to %s among %q", p, hrefs)
		}
	}

	var atom atomDoc
	if err := xml.Unmarshal(e.get("/feed.xml").Body.Bytes(), &atom); err != nil || len(atom.Entries) != 1 {
		t.Fatalf("GET /feed.xml: %d entries, %v", len(atom.Entries), err)
	}
	entry := atom.Entries[0]
	if want := testBase + "/articles/" + url.PathEscape("выборы-в-городе"); entry.Link.Href != want || entry.ID != want {
		t.Errorf("atom entry link %q, id %q; want %q", entry.Link.Href, entry.ID, want)
	}
	if want := testBase + "/author/" + url.PathEscape("李小龍"); len(entry.Authors) != 1 || entry.Authors[0].URI != want {
		t.Errorf("atom entry authors = %+v, want the URI %q", entry.Authors, want)
	}
	var jf jsonFeedIn
	if err := json.Unmarshal(e.get("/feed.json").Body.Bytes(), &jf); err != nil || len(jf.Items) != 1 {
		t.Fatalf("GET /feed.json: %+v, %v", jf, err)
	}
	if want := testBase + "/author/" + url.PathEscape("李小龍"); len(jf.Items[0].Authors) != 1 || jf.Items[0].Authors[0].URL != want {
		t.Errorf("json feed authors = %+v, want the URL %q", jf.Items[0].Authors, want)
	}

	var sm sitemapIn
	if err := xml.Unmarshal(e.get("/sitemap.xml").Body.Bytes(), &sm); err != nil {
		t.Fatalf("GET /sitemap.xml: %v", err)
	}
	var locs []string
	for _, u := range sm.URLs {
		locs = append(locs, u.Loc)
	}
	for p := range paths {
		if !slices.Contains(locs, testBase+p) {
			t.Errorf("sitemap lacks %s: %q", testBase+p, locs)
		}
	}
}
