package web

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/article"
)

const (
	xssScript = `<script>alert(1)</script>`
	xssAttr   = `"><img src=x onerror=alert(1)>`
	xssBoth   = xssScript + xssAttr
)

// unescaped are what would show the payload reached a page as markup.
var unescaped = []string{"<script>alert(1)", "<img src=x", "<img src=\"x\"", "onerror=alert(1)>"}

func TestXSSEscapedEverywhere(t *testing.T) {
	e := newEnv(t)
	a := e.addArticle("xss-story", "Title "+xssBoth, e.now.Add(-time.Hour), func(a *article.Article) {
		a.Standfirst = "Standfirst " + xssBoth
		a.Authors = []article.Author{{Name: "Author " + xssBoth}}
		a.Tags = []article.Tag{{Name: "Tag " + xssBoth}}
		a.Section = "Section " + xssBoth
		a.BodyHTML = "<p>Safe body.</p>"
	})
	pages := []string{"/", "/articles/xss-story", "/section/" + a.SectionSlug, "/tag/" + a.Tags[0].Slug,
		"/author/" + a.Authors[0].Slug, "/feed.xml", "/rss.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml"}
	for _, p := range pages {
		w := e.get(p)
		wantStatus(t, "GET "+p, w, 200)
		body := w.Body.String()
		for _, bad := range unescaped {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s contains %q unescaped", p, bad)
			}
		}
		if strings.HasSuffix(p, "-story") || p == "/" || strings.HasPrefix(p, "/section") || strings.HasPrefix(p, "/tag") || strings.HasPrefix(p, "/author") {
			// The text survives intact, as text.
			doc := parseHTML(t, body)
			for _, n := range findAll(doc, func(n *html.Node) bool {
				return n.Data == "script" && attrOr(n, "src") == "" && attrOr(n, "type") != "application/ld+json"
			}) {
				t.Errorf("GET %s has an inline script: %s", p, textOf(n))
			}
			if len(findAll(doc, func(n *html.Node) bool { return n.Data == "img" })) != 0 {
				t.Errorf("GET %s has an <img> element", p)
			}
			if !strings.Contains(textOf(doc), "Title "+xssBoth) {
				t.Errorf("GET %s does not show the title as text", p)
			}
		}
	}

	// The article head: attributes and JSON-LD hold the exact strings.
	doc := parseHTML(t, e.get("/articles/xss-story").Body.String())
	for _, m := range findAll(doc, func(n *html.Node) bool { return n.Data == "meta" && attrOr(n, "property") == "og:title" }) {
		if got := attrOr(m, "content"); got != "Title "+xssBoth {
			t.Errorf("og:title = %q", got)
		}
	}
	ld := findAll(doc, func(n *html.Node) bool { return attrOr(n, "type") == "application/ld+json" })
	if len(ld) != 1 {
		t.Fatal("no JSON-LD")
	}
	raw := textOf(ld[0])
	if strings.Contains(raw, "<") || strings.Contains(raw, ">") {
		t.Errorf("JSON-LD holds a raw < or >: %s", raw)
	}
	var data struct {
		Headline string `json:"headline"`
		Author   []struct {
			Name string `json:"name"`
		} `json:"author"`
		Keywords []string `json:"keywords"`
	}
	if err := json.Unmarshal([]byte(raw), &data); err != nil {
		t.Fatalf("JSON-LD: %v", err)
	}
	if data.Headline != "Title "+xssBoth || data.Author[0].Name != "Author "+xssBoth || data.Keywords[0] != "Tag "+xssBoth {
		t.Errorf("JSON-LD = %+v", data)
	}

	var atom atomDoc
	if err := xml.Unmarshal(e.get("/feed.xml").Body.Bytes(), &atom); err != nil {
		t.Fatal(err)
	}
	if atom.Entries[0].Title != "Title "+xssBoth || atom.Entries[0].Authors[0].Name != "Author "+xssBoth {
		t.Errorf("Atom entry = %+v", atom.Entries[0])
	}
	var feed jsonFeedIn
	if err := json.Unmarshal(e.get("/feed.json").Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	if feed.Items[0].Title != "Title "+xssBoth || feed.Items[0].Summary != "Standfirst "+xssBoth {
		t.Errorf("JSON Feed item = %+v", feed.Items[0])
	}
}

func TestXSSInSignupForm(t *testing.T) {
	e := newEnv(t)
	v := url.Values{"email": {xssBoth}, "name": {xssBoth}, "language": {xssAttr}, "source": {"/" + xssBoth}}
	w := e.postForm("/subscribe", v, "")
	wantStatus(t, "POST /subscribe with markup", w, 400)
	for _, bad := range unescaped {
		if strings.Contains(w.Body.String(), bad) {
			t.Errorf("signup page contains %q unescaped", bad)
		}
	}
	doc := parseHTML(t, w.Body.String())
	name := findAll(doc, func(n *html.Node) bool { return attrOr(n, "name") == "name" })
	if len(name) != 1 || attrOr(name[0], "value") != xssBoth {
		t.Errorf("typed name not kept as text")
	}
	w = e.postForm("/subscribe", v, "application/json")
	if strings.ContainsAny(w.Body.String(), "<>") {
		t.Errorf("JSON answer holds raw markup: %s", w.Body)
	}
}
