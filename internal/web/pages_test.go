package web

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/article"
)

func TestRoutesStatusAndType(t *testing.T) {
	e := newEnv(t)
	e.addArticle("talks-resume", "Talks resume", e.now.Add(-time.Hour))
	css := e.h.assets.url("site.css")
	tests := []struct {
		method, target string
		status         int
		contentType    string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8"},
		{"HEAD", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/articles/talks-resume", 200, "text/html; charset=utf-8"},
		{"GET", "/section/world", 200, "text/html; charset=utf-8"},
		{"GET", "/tag/diplomacy", 200, "text/html; charset=utf-8"},
		{"GET", "/author/ada-reporter", 200, "text/html; charset=utf-8"},
		{"GET", "/feed.xml", 200, "application/atom+xml; charset=utf-8"},
		{"GET", "/rss.xml", 200, "application/rss+xml; charset=utf-8"},
		{"GET", "/feed.json", 200, "application/feed+json; charset=utf-8"},
		{"GET", "/sitemap.xml", 200, "application/xml; charset=utf-8"},
		{"GET", "/news-sitemap.xml", 200, "application/xml; charset=utf-8"},
		{"GET", "/robots.txt", 200, "text/plain; charset=utf-8"},
		{"GET", css, 200, "text/css; charset=utf-8"},
		{"GET", e.h.assets.url("site.js"), 200, "text/javascript; charset=utf-8"},
		{"GET", e.h.assets.url("favicon.svg"), 200, "image/svg+xml"},
		{"GET", "/static/site.css", 404, "text/html; charset=utf-8"},
		{"GET", "/articles/no-such-story", 404, "text/html; charset=utf-8"},
		{"GET", "/articles/Not_A_Slug", 404, "text/html; charset=utf-8"},
		{"GET", "/section/nothing-here", 404, "text/html; charset=utf-8"},
		{"GET", "/tag/nothing-here", 404, "text/html; charset=utf-8"},
		{"GET", "/author/nobody", 404, "text/html; charset=utf-8"},
		{"GET", "/no/such/page", 404, "text/html; charset=utf-8"},
		{"GET", "/articles/talks-resume/", 404, "text/html; charset=utf-8"},
		{"GET", "/?before=junk", 400, "text/html; charset=utf-8"},
		{"GET", "/?before=123-0", 400, "text/html; charset=utf-8"},
		{"POST", "/", 405, "text/html; charset=utf-8"},
		{"DELETE", "/articles/talks-resume", 405, "text/html; charset=utf-8"},
		{"PUT", "/subscribe", 405, "text/html; charset=utf-8"},
		{"GET", "/subscribe", 200, "text/html; charset=utf-8"},
		{"PUT", "/unsubscribe/abc", 405, "text/html; charset=utf-8"},
		{"GET", "/confirm/not-a-token", 400, "text/html; charset=utf-8"},
		{"GET", "/unsubscribe/not-a-token", 400, "text/html; charset=utf-8"},
		{"GET", "/outbox", 404, "text/html; charset=utf-8"}, // httptest's RemoteAddr is not loopback
	}
	for _, tt := range tests {
		w := e.do(httptest.NewRequest(tt.method, tt.target, nil))
		if w.Code != tt.status || w.Header().Get("Content-Type") != tt.contentType {
			t.Errorf("%s %s: status %d, Content-Type %q; want %d, %q", tt.method, tt.target,
				w.Code, w.Header().Get("Content-Type"), tt.status, tt.contentType)
		}
		if tt.status == 405 && w.Header().Get("Allow") == "" {
			t.Errorf("%s %s: 405 without an Allow header", tt.method, tt.target)
		}
		if tt.status >= 400 && !strings.Contains(w.Body.String(), "<main") {
			t.Errorf("%s %s: error answer is not the site's page:\n%s", tt.method, tt.target, w.Body.String())
		}
	}
	if got := e.logs.String(); got != "" {
		t.Errorf("requests above logged errors:\n%s", got)
	}
}

func TestArticleHead(t *testing.T) {
	e := newEnv(t)
	orig := e.addArticle("ceasefire-talks", "Ceasefire talks open", e.now.Add(-2*time.Hour), func(a *article.Article) {
		a.Authors = []article.Author{{Name: "Ada Reporter"}, {Name: "Bo Writer"}}
		a.Tags = []article.Tag{{Name: "Diplomacy"}, {Name: "Europe"}}
	})
	e.addArticle("pourparlers-cessez-le-feu", "Les pourparlers s'ouvrent", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Language, a.TranslationOf = "fr", "ceasefire-talks"
	})
	e.addArticle("alto-el-fuego-borrador", "Borrador", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Language, a.TranslationOf, a.Status = "es", "ceasefire-talks", article.Draft
	})

	w := e.get("/articles/ceasefire-talks")
	wantStatus(t, "GET article", w, 200)
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("article Cache-Control = %q", cc)
	}
	doc := parseHTML(t, w.Body.String())
	htmlEl := findAll(doc, func(n *html.Node) bool { return n.Data == "html" })[0]
	if lang, _ := attr(htmlEl, "lang"); lang != "en" {
		t.Errorf("<html lang> = %q, want en", lang)
	}
	canonical := ""
	hreflang := map[string]string{}
	for _, l := range findAll(doc, func(n *html.Node) bool { return n.Data == "link" }) {
		rel, _ := attr(l, "rel")
		href, _ := attr(l, "href")
		if rel == "canonical" {
			canonical = href
		}
		if hl, ok := attr(l, "hreflang"); ok && rel == "alternate" {
			hreflang[hl] = href
		}
	}
	if canonical != testBase+"/articles/ceasefire-talks" {
		t.Errorf("canonical = %q", canonical)
	}
	wantLang := map[string]string{
		"en":        testBase + "/articles/ceasefire-talks",
		"fr":        testBase + "/articles/pourparlers-cessez-le-feu",
		"x-default": testBase + "/articles/ceasefire-talks",
	}
	if fmt.Sprint(hreflang) != fmt.Sprint(wantLang) {
		t.Errorf("hreflang links = %v, want %v (the draft translation must not appear)", hreflang, wantLang)
	}
	props := map[string][]string{}
	for _, m := range findAll(doc, func(n *html.Node) bool { return n.Data == "meta" }) {
		k, ok := attr(m, "property")
		if !ok {
			k, _ = attr(m, "name")
		}
		v, _ := attr(m, "content")
		props[k] = append(props[k], v)
	}
	want := map[string]string{
		"og:type":                "article",
		"og:title":               "Ceasefire talks open",
		"og:description":         orig.Standfirst,
		"og:url":                 testBase + "/articles/ceasefire-talks",
		"og:site_name":           "The Test Herald",
		"article:section":        "World",
		"twitter:card":           "summary",
		"description":            orig.Standfirst,
		"article:published_time": orig.PublishedAt.UTC().Format(time.RFC3339),
	}
	for k, v := range want {
		if got := props[k]; len(got) != 1 || got[0] != v {
			t.Errorf("meta %s = %q, want [%q]", k, got, v)
		}
	}
	if got := props["article:tag"]; fmt.Sprint(got) != "[Diplomacy Europe]" {
		t.Errorf("article:tag = %q", got)
	}
	if _, err := time.Parse(time.RFC3339, strings.Join(props["article:modified_time"], "")); err != nil {
		t.Errorf("article:modified_time = %q: %v", props["article:modified_time"], err)
	}

	scripts := findAll(doc, func(n *html.Node) bool {
		typ, _ := attr(n, "type")
		return n.Data == "script" && typ == "application/ld+json"
	})
	if len(scripts) != 1 {
		t.Fatalf("found %d JSON-LD scripts, want 1", len(scripts))
	}
	var ld struct {
		Context       string `json:"@context"`
		Type          string `json:"@type"`
		Headline      string `json:"headline"`
		DatePublished string `json:"datePublished"`
		DateModified  string `json:"dateModified"`
		InLanguage    string `json:"inLanguage"`
		Author        []struct {
			Type, Name, URL string
		} `json:"author"`
		Publisher struct {
			Type string `json:"@type"`
			Name string `json:"name"`
		} `json:"publisher"`
		MainEntityOfPage struct {
			ID string `json:"@id"`
		} `json:"mainEntityOfPage"`
		Keywords []string `json:"keywords"`
	}
	if err := json.Unmarshal([]byte(textOf(scripts[0])), &ld); err != nil {
		t.Fatalf("JSON-LD does not decode: %v\n%s", err, textOf(scripts[0]))
	}
	if ld.Type != "NewsArticle" || ld.Headline != "Ceasefire talks open" || ld.Context != "https://schema.org" {
		t.Errorf("JSON-LD @type, headline, @context = %q, %q, %q", ld.Type, ld.Headline, ld.Context)
	}
	if p, err := time.Parse(time.RFC3339, ld.DatePublished); err != nil || !p.Equal(orig.PublishedAt) {
		t.Errorf("JSON-LD datePublished = %q (%v), want %v", ld.DatePublished, err, orig.PublishedAt)
	}
	if _, err := time.Parse(time.RFC3339, ld.DateModified); err != nil {
		t.Errorf("JSON-LD dateModified = %q: %v", ld.DateModified, err)
	}
	if len(ld.Author) != 2 || ld.Author[0].Name != "Ada Reporter" || ld.Author[1].Name != "Bo Writer" ||
		ld.Author[0].URL != testBase+"/author/ada-reporter" {
		t.Errorf("JSON-LD authors = %+v", ld.Author)
	}
	if ld.Publisher.Type != "Organization" || ld.Publisher.Name != "The Test Herald" || ld.InLanguage != "en" ||
		ld.MainEntityOfPage.ID != canonical || fmt.Sprint(ld.Keywords) != "[Diplomacy Europe]" {
		t.Errorf("JSON-LD publisher, language, page, keywords = %+v, %q, %q, %q", ld.Publisher, ld.InLanguage, ld.MainEntityOfPage.ID, ld.Keywords)
	}

	body := w.Body.String()
	for _, s := range []string{
		`<h1>Ceasefire talks open</h1>`,
		`href="/author/ada-reporter"`, `href="/author/bo-writer"`,
		`href="/section/world"`, `href="/tag/europe"`,
		`href="/articles/pourparlers-cessez-le-feu"`,
		`<time datetime="` + orig.PublishedAt.UTC().Format(time.RFC3339) + `"`,
		`<a href="/articles/other">Related</a>`, // the sanitised body goes in as HTML
		`action="/subscribe"`, `href="/feed.xml"`, `type="application/atom+xml"`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("article page lacks %s", s)
		}
	}
	if strings.Contains(body, "alto-el-fuego-borrador") {
		t.Error("article page links the draft translation")
	}

	// The translation's page is in its own language and names its original
	// as the default.
	w = e.get("/articles/pourparlers-cessez-le-feu")
	wantStatus(t, "GET translation", w, 200)
	if !strings.Contains(w.Body.String(), `<html lang="fr" dir="ltr">`) ||
		!strings.Contains(w.Body.String(), `hreflang="x-default" href="`+testBase+`/articles/ceasefire-talks"`) {
		t.Errorf("translation page head is wrong:\n%s", w.Body.String()[:1500])
	}
	if !strings.Contains(w.Body.String(), "Abonnez-vous à notre newsletter") {
		t.Error("French article does not show the French signup box")
	}
}

func TestHiddenArticles(t *testing.T) {
	e := newEnv(t)
	e.addArticle("visible-story", "Visible story", e.now.Add(-time.Hour))
	e.addArticle("draft-story", "Draft story", time.Time{}, func(a *article.Article) { a.Status = article.Draft })
	e.addArticle("future-story", "Future story", e.now.Add(24*time.Hour), func(a *article.Article) {
		a.Status = article.Scheduled
		a.Section = "Secret Section"
	})
	for _, slug := range []string{"draft-story", "future-story"} {
		w := e.get("/articles/" + slug)
		wantStatus(t, "GET hidden "+slug, w, 404)
	}
	wantStatus(t, "GET section of a future article only", e.get("/section/secret-section"), 404)
	for _, target := range []string{"/", "/feed.xml", "/rss.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml", "/tag/diplomacy"} {
		w := e.get(target)
		wantStatus(t, "GET "+target, w, 200)
		body := w.Body.String()
		if strings.Contains(body, "draft-story") || strings.Contains(body, "future-story") || strings.Contains(body, "Future story") {
			t.Errorf("GET %s shows a draft or future article", target)
		}
		if target != "/news-sitemap.xml" && !strings.Contains(body, "visible-story") {
			t.Errorf("GET %s lacks the visible article", target)
		}
	}
}

func TestHomePagination(t *testing.T) {
	e := newEnv(t)
	base := e.now.Add(-100 * time.Hour)
	for i := range 45 {
		e.addArticle(fmt.Sprintf("story-%02d", i), fmt.Sprintf("Story %02d", i), base.Add(time.Duration(i)*time.Hour))
	}
	seen := map[string]bool{}
	target := "/"
	for page := 1; target != ""; page++ {
		w := e.get(target)
		wantStatus(t, "GET "+target, w, 200)
		doc := parseHTML(t, w.Body.String())
		items := findAll(doc, func(n *html.Node) bool {
			c, _ := attr(n, "class")
			return n.Data == "li" && c == "item"
		})
		wantItems := map[int]int{1: 20, 2: 20, 3: 5}[page]
		if len(items) != wantItems {
			t.Fatalf("page %d (%s) lists %d articles, want %d", page, target, len(items), wantItems)
		}
		for _, it := range items {
			a := findAll(it, func(n *html.Node) bool { return n.Data == "a" && strings.HasPrefix(attrOr(n, "href"), "/articles/") })
			if len(a) != 1 {
				t.Fatalf("item without one article link: %s", textOf(it))
			}
			href := attrOr(a[0], "href")
			if seen[href] {
				t.Errorf("page %d repeats %s", page, href)
			}
			seen[href] = true
			if len(findAll(it, func(n *html.Node) bool { return n.Data == "time" && attrOr(n, "datetime") != "" })) != 1 {
				t.Errorf("item %s has no <time datetime>", href)
			}
		}
		next := findAll(doc, func(n *html.Node) bool { return n.Data == "a" && attrOr(n, "rel") == "next" })
		target = ""
		if len(next) == 1 {
			target = attrOr(next[0], "href")
			if !strings.HasPrefix(target, "/?before=") {
				t.Fatalf("older link = %q", target)
			}
		}
		if page > 3 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 45 {
		t.Errorf("pages listed %d distinct articles, want 45", len(seen))
	}
	if !strings.Contains(e.get("/").Body.String(), "Story 44") {
		t.Error("the newest article is not on the first page")
	}
}

func attrOr(n *html.Node, key string) string {
	v, _ := attr(n, key)
	return v
}

func TestListingHeadings(t *testing.T) {
	e := newEnv(t)
	e.addArticle("one", "One", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Section, a.Tags, a.Authors = "Local News", []article.Tag{{Name: "City Hall"}}, []article.Author{{Name: "Zoë Müller"}}
	})
	for target, heading := range map[string]string{
		"/section/local-news": "Local News",
		"/tag/city-hall":      "City Hall",
		"/author/zoe-muller":  "Zoë Müller",
	} {
		w := e.get(target)
		wantStatus(t, "GET "+target, w, 200)
		h1 := findAll(parseHTML(t, w.Body.String()), func(n *html.Node) bool { return n.Data == "h1" })
		if len(h1) != 1 || textOf(h1[0]) != heading {
			t.Errorf("GET %s: h1 = %v, want %q", target, h1, heading)
		}
	}
}

func TestPageAccessibility(t *testing.T) {
	e := newEnv(t)
	e.addArticle("story", "Story", e.now.Add(-time.Hour))
	for _, target := range []string{"/", "/articles/story"} {
		w := e.get(target)
		doc := parseHTML(t, w.Body.String())
		for _, el := range []string{"header", "main", "footer"} {
			if len(findAll(doc, func(n *html.Node) bool { return n.Data == el })) == 0 {
				t.Errorf("%s has no <%s>", target, el)
			}
		}
		skip := findAll(doc, func(n *html.Node) bool { return n.Data == "a" && attrOr(n, "class") == "skip-link" })
		if len(skip) != 1 || attrOr(skip[0], "href") != "#main" {
			t.Errorf("%s: skip link = %v", target, skip)
		}
		// Every visible input has a label.
		labels := map[string]bool{}
		for _, l := range findAll(doc, func(n *html.Node) bool { return n.Data == "label" }) {
			labels[attrOr(l, "for")] = true
		}
		for _, in := range findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attrOr(n, "type") != "hidden" }) {
			if !labels[attrOr(in, "id")] {
				t.Errorf("%s: input %s has no label", target, attrOr(in, "name"))
			}
		}
		// Nothing is loaded from another host, and no script is inline.
		for _, n := range findAll(doc, func(n *html.Node) bool { return n.Data == "script" || n.Data == "link" || n.Data == "img" }) {
			src := attrOr(n, "src") + attrOr(n, "href")
			if n.Data == "link" && (attrOr(n, "rel") == "canonical" || attrOr(n, "rel") == "alternate") {
				continue
			}
			if strings.Contains(src, "//") {
				t.Errorf("%s loads %s from another host", target, src)
			}
			if n.Data == "script" && attrOr(n, "type") != "application/ld+json" && attrOr(n, "src") == "" {
				t.Errorf("%s has an inline script", target)
			}
		}
		if strings.Contains(w.Body.String(), "style=") {
			t.Errorf("%s has inline styles, which the CSP forbids", target)
		}
	}
}

// In a listing, an article in another language than the page's marks its
// title and standfirst as such, and only them: the section above it and
// the date below are in the page's language.
func TestListingMarksOnlyTheWordsOfAnotherLanguage(t *testing.T) {
	e := newEnv(t)
	e.addArticle("en-story", "English story", e.now.Add(-2*time.Hour))
	e.addArticle("fr-story", "Histoire française", e.now.Add(-time.Hour), func(a *article.Article) { a.Language = "fr" })
	w := e.get("/")
	wantStatus(t, "GET /", w, 200)
	doc := parseHTML(t, w.Body.String())
	var got []string
	for _, n := range findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "lang"); return ok && n.Data != "html" }) {
		got = append(got, n.Data+"."+attrOr(n, "class")+"="+attrOr(n, "lang"))
	}
	want := []string{"h2.item-title=fr", "p.item-standfirst=fr"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("GET / with a French article on an English site: elements with lang = %q, want %q", got, want)
	}
}
