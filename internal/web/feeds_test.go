package web

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
)

type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID        string `xml:"id"`
		Title     string `xml:"title"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
		Link      struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Authors []struct {
			Name string `xml:"name"`
			URI  string `xml:"uri"`
		} `xml:"author"`
		Summary string `xml:"summary"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

type rssDocIn struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		// Self comes first: a field without a namespace would also take
		// the atom:link element.
		Self struct {
			Href string `xml:"href,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Title    string `xml:"title"`
		Link     string `xml:"link"`
		Language string `xml:"language"`
		Items    []struct {
			Title       string   `xml:"title"`
			Link        string   `xml:"link"`
			GUID        string   `xml:"guid"`
			PubDate     string   `xml:"pubDate"`
			Description string   `xml:"description"`
			Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Creators    []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Categories  []string `xml:"category"`
		} `xml:"item"`
	} `xml:"channel"`
}

type jsonFeedIn struct {
	Version     string `json:"version"`
	Title       string `json:"title"`
	HomePageURL string `json:"home_page_url"`
	FeedURL     string `json:"feed_url"`
	Language    string `json:"language"`
	Authors     []struct {
		Name string `json:"name"`
	} `json:"authors"`
	Items []struct {
		ID            string `json:"id"`
		URL           string `json:"url"`
		Title         string `json:"title"`
		ContentHTML   string `json:"content_html"`
		Summary       string `json:"summary"`
		DatePublished string `json:"date_published"`
		Authors       []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"authors"`
		Tags []string `json:"tags"`
	} `json:"items"`
}

type sitemapIn struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		News    *struct {
			Publication struct {
				Name     string `xml:"name"`
				Language string `xml:"language"`
			} `xml:"publication"`
			Date  string `xml:"publication_date"`
			Title string `xml:"title"`
		} `xml:"http://www.google.com/schemas/sitemap-news/0.9 news"`
	} `xml:"url"`
}

// feedEnv has three visible articles, an old one, a draft and a future one.
func feedEnv(t *testing.T) *testEnv {
	e := newEnv(t)
	e.addArticle("old-story", "Old story", e.now.Add(-72*time.Hour))
	e.addArticle("first-story", "First story", e.now.Add(-3*time.Hour))
	e.addArticle("second-story", "Second story", e.now.Add(-2*time.Hour), func(a *article.Article) {
		a.Authors = []article.Author{{Name: "Ada Reporter"}, {Name: "Bo Writer"}}
	})
	e.addArticle("draft-story", "Draft story", time.Time{}, func(a *article.Article) { a.Status = article.Draft })
	e.addArticle("future-story", "Future story", e.now.Add(time.Hour), func(a *article.Article) { a.Status = article.Scheduled })
	return e
}

func TestAtomFeed(t *testing.T) {
	e := feedEnv(t)
	w := e.get("/feed.xml")
	wantStatus(t, "GET /feed.xml", w, 200)
	var f atomDoc
	if err := xml.Unmarshal(w.Body.Bytes(), &f); err != nil {
		t.Fatalf("Atom does not decode: %v\n%s", err, w.Body.String())
	}
	if f.ID != testBase+"/" || f.Title != "The Test Herald" {
		t.Errorf("feed id, title = %q, %q", f.ID, f.Title)
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Errorf("feed updated %q: %v", f.Updated, err)
	}
	self := false
	for _, l := range f.Links {
		self = self || (l.Rel == "self" && l.Href == testBase+"/feed.xml")
	}
	if !self {
		t.Errorf("no rel=self link: %+v", f.Links)
	}
	var titles []string
	for _, en := range f.Entries {
		titles = append(titles, en.Title)
		if !strings.HasPrefix(en.ID, testBase+"/articles/") || en.Link.Href != en.ID {
			t.Errorf("entry %q id, link = %q, %q", en.Title, en.ID, en.Link.Href)
		}
		if _, err := time.Parse(time.RFC3339, en.Published); err != nil {
			t.Errorf("entry %q published %q: %v", en.Title, en.Published, err)
		}
		if en.Content.Type != "html" || !strings.Contains(en.Content.Body, `<a href="`+testBase+`/articles/other">`) {
			t.Errorf("entry %q content (type %q) lacks the full HTML with absolute links: %q", en.Title, en.Content.Type, en.Content.Body)
		}
		if en.Summary == "" || len(en.Authors) == 0 || !strings.HasPrefix(en.Authors[0].URI, testBase+"/author/") {
			t.Errorf("entry %q summary, authors = %q, %+v", en.Title, en.Summary, en.Authors)
		}
	}
	if want := "[Second story First story Old story]"; fmt.Sprint(titles) != want {
		t.Errorf("entries = %v, want %s", titles, want)
	}
}

func TestRSSFeed(t *testing.T) {
	e := feedEnv(t)
	w := e.get("/rss.xml")
	wantStatus(t, "GET /rss.xml", w, 200)
	var f rssDocIn
	if err := xml.Unmarshal(w.Body.Bytes(), &f); err != nil {
		t.Fatalf("RSS does not decode: %v\n%s", err, w.Body.String())
	}
	if f.Version != "2.0" || f.Channel.Link != testBase+"/" || f.Channel.Language != "en" || f.Channel.Self.Href != testBase+"/rss.xml" {
		t.Errorf("channel = version %q, link %q, language %q, self %q", f.Version, f.Channel.Link, f.Channel.Language, f.Channel.Self.Href)
	}
	if len(f.Channel.Items) != 3 {
		t.Fatalf("RSS has %d items, want 3", len(f.Channel.Items))
	}
	it := f.Channel.Items[0]
	if it.Title != "Second story" || it.Link != testBase+"/articles/second-story" || it.GUID != it.Link {
		t.Errorf("first item = %q %q %q", it.Title, it.Link, it.GUID)
	}
	if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
		t.Errorf("pubDate %q: %v", it.PubDate, err)
	}
	if fmt.Sprint(it.Creators) != "[Ada Reporter Bo Writer]" || it.Description == "" ||
		!strings.Contains(it.Content, testBase+"/articles/other") || fmt.Sprint(it.Categories) != "[World Diplomacy]" {
		t.Errorf("first item creators %q, description %q, content %q, categories %q", it.Creators, it.Description, it.Content, it.Categories)
	}
}

func TestJSONFeed(t *testing.T) {
	e := feedEnv(t)
	w := e.get("/feed.json")
	wantStatus(t, "GET /feed.json", w, 200)
	var f jsonFeedIn
	if err := json.Unmarshal(w.Body.Bytes(), &f); err != nil {
		t.Fatalf("JSON Feed does not decode: %v", err)
	}
	if f.Version != "https://jsonfeed.org/version/1.1" || f.HomePageURL != testBase+"/" || f.FeedURL != testBase+"/feed.json" ||
		f.Language != "en" || len(f.Authors) == 0 {
		t.Errorf("feed = %+v", f)
	}
	if len(f.Items) != 3 {
		t.Fatalf("JSON Feed has %d items, want 3", len(f.Items))
	}
	for _, it := range f.Items {
		if !strings.HasPrefix(it.URL, testBase+"/articles/") || it.ID != it.URL || it.ContentHTML == "" || it.Summary == "" ||
			len(it.Authors) == 0 || !strings.HasPrefix(it.Authors[0].URL, testBase+"/") {
			t.Errorf("item %+v", it)
		}
		if _, err := time.Parse(time.RFC3339, it.DatePublished); err != nil {
			t.Errorf("item %q date_published %q: %v", it.Title, it.DatePublished, err)
		}
	}
}

func TestFeedLimit(t *testing.T) {
	e := newEnv(t)
	for i := range 55 {
		e.addArticle(fmt.Sprintf("s-%d", i), fmt.Sprintf("S %d", i), e.now.Add(-time.Duration(i+1)*time.Minute))
	}
	var f jsonFeedIn
	if err := json.Unmarshal(e.get("/feed.json").Body.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 50 || f.Items[0].Title != "S 0" {
		t.Errorf("JSON Feed has %d items starting with %q, want the latest 50", len(f.Items), f.Items[0].Title)
	}
}

func TestSitemaps(t *testing.T) {
	e := feedEnv(t)
	w := e.get("/sitemap.xml")
	wantStatus(t, "GET /sitemap.xml", w, 200)
	var s sitemapIn
	if err := xml.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatalf("sitemap does not decode: %v", err)
	}
	got := map[string]string{}
	for _, u := range s.URLs {
		got[u.Loc] = u.LastMod
	}
	for _, p := range []string{"/", "/articles/old-story", "/articles/first-story", "/articles/second-story",
		"/section/world", "/tag/diplomacy", "/author/ada-reporter", "/author/bo-writer"} {
		lm, ok := got[testBase+p]
		if !ok {
			t.Errorf("sitemap lacks %s", p)
			continue
		}
		if _, err := time.Parse(time.RFC3339, lm); err != nil {
			t.Errorf("sitemap lastmod of %s = %q: %v", p, lm, err)
		}
	}
	if len(s.URLs) != 8 {
		t.Errorf("sitemap has %d URLs, want 8: %v", len(s.URLs), got)
	}

	w = e.get("/news-sitemap.xml")
	wantStatus(t, "GET /news-sitemap.xml", w, 200)
	var n sitemapIn
	if err := xml.Unmarshal(w.Body.Bytes(), &n); err != nil {
		t.Fatalf("news sitemap does not decode: %v", err)
	}
	var locs []string
	for _, u := range n.URLs {
		locs = append(locs, strings.TrimPrefix(u.Loc, testBase))
		if u.News == nil || u.News.Publication.Name != "The Test Herald" || u.News.Publication.Language != "en" || u.News.Title == "" {
			t.Errorf("news entry for %s = %+v", u.Loc, u.News)
			continue
		}
		if _, err := time.Parse(time.RFC3339, u.News.Date); err != nil {
			t.Errorf("news publication_date %q: %v", u.News.Date, err)
		}
	}
	if fmt.Sprint(locs) != "[/articles/second-story /articles/first-story]" {
		t.Errorf("news sitemap lists %v, want the two articles of the last 48 hours", locs)
	}

	w = e.get("/robots.txt")
	body := w.Body.String()
	if !strings.Contains(body, "User-agent: *\nAllow: /") || !strings.Contains(body, "Sitemap: "+testBase+"/sitemap.xml\n") ||
		!strings.Contains(body, "Sitemap: "+testBase+"/news-sitemap.xml\n") {
		t.Errorf("robots.txt = %q", body)
	}
}

func TestAbsolutize(t *testing.T) {
	const page = "https://s.example/articles/story"
	for _, tc := range []struct{ in, want string }{
		{`<p><a href="/x">x</a> <img src="/i.png" alt="a &amp; b"> &amp; 1 &lt; 2</p>`,
			`<p><a href="https://s.example/x">x</a> <img src="https://s.example/i.png" alt="a &amp; b"> &amp; 1 &lt; 2</p>`},
		// Relative to the article's page, as a browser on the site reads them.
		{`<a href="other-story">o</a>`, `<a href="https://s.example/articles/other-story">o</a>`},
		{`<img src="../media/a.jpg">`, `<img src="https://s.example/media/a.jpg">`},
		{`<a href="?page=2">n</a>`, `<a href="https://s.example/articles/story?page=2">n</a>`},
		{`<a href="#notes">n</a>`, `<a href="https://s.example/articles/story#notes">n</a>`},
		{`<a href="//cdn.example/y">y</a>`, `<a href="https://cdn.example/y">y</a>`},
		// Already absolute: kept byte for byte.
		{`<a href="https://o.example/">o</a>`, `<a href="https://o.example/">o</a>`},
		{`<a href="mailto:desk@s.example">m</a> <a href="tel:+4612345">t</a>`, `<a href="mailto:desk@s.example">m</a> <a href="tel:+4612345">t</a>`},
		{`<a href="">e</a>`, `<a href="">e</a>`},
	} {
		if got := absolutize(tc.in, page); got != tc.want {
			t.Errorf("absolutize(%s, %q) =\n%s\nwant\n%s", tc.in, page, got, tc.want)
		}
	}
}

// Every feed reads an article's relative links against the article's page,
// not against the feed's address or the home page.
func TestFeedsResolveLinksAgainstTheArticle(t *testing.T) {
	e := newEnv(t)
	e.addArticle("story", "Story", e.now.Add(-time.Hour), func(a *article.Article) {
		a.BodyHTML = `<p><a href="other-story">other</a> <a href="#notes">notes</a></p>`
	})
	for _, path := range []string{"/feed.xml", "/rss.xml", "/feed.json"} {
		w := e.get(path)
		wantStatus(t, "GET "+path, w, 200)
		body := w.Body.String()
		if path == "/feed.json" {
			var f jsonFeedIn
			if err := json.Unmarshal(w.Body.Bytes(), &f); err != nil || len(f.Items) != 1 {
				t.Fatalf("GET %s: %v, %d items", path, err, len(f.Items))
			}
			body = f.Items[0].ContentHTML
		}
		for _, want := range []string{testBase + "/articles/other-story", testBase + "/articles/story#notes"} {
			if !strings.Contains(body, `href=&#34;`+want+`&#34;`) && !strings.Contains(body, `href="`+want+`"`) {
				t.Errorf("GET %s: content lacks a link to %s:\n%s", path, want, body)
			}
		}
	}
}
