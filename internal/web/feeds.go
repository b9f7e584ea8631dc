package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"

	"herald/internal/article"
)

// feedSize is how many of the latest articles each feed carries.
const feedSize = 50

// latest fetches the articles the feeds carry.
func (h *Handler) latest(r *http.Request) ([]article.Article, error) {
	list, err := h.articles.ListArticles(r.Context(), article.Query{Limit: feedSize}, h.now())
	if err != nil {
		return nil, fmt.Errorf("list articles for feed: %w", err)
	}
	return list, nil
}

// feedUpdated is when the newest change in list happened; a feed with no
// article says the epoch rather than now, so its bytes stay stable.
func feedUpdated(list []article.Article) time.Time {
	var t time.Time
	for _, a := range list {
		if m := modified(a); m.After(t) {
			t = m
		}
	}
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC()
}

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Author   atomPerson  `xml:"author"`
	Links    []atomLink  `xml:"link"`
	Entries  []atomEntry `xml:"entry"`
}

type atomEntry struct {
	Lang       string         `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Authors    []atomPerson   `xml:"author"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomLink struct {
	Rel      string `xml:"rel,attr,omitempty"`
	Type     string `xml:"type,attr,omitempty"`
	Hreflang string `xml:"hreflang,attr,omitempty"`
	Href     string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func (h *Handler) atomFeed(w http.ResponseWriter, r *http.Request) error {
	list, err := h.latest(r)
	if err != nil {
		return err
	}
	f := atomFeed{
		Lang:     h.cur().site.Language,
		ID:       h.abs("/"),
		Title:    h.cur().site.Name,
		Subtitle: h.cur().site.Description,
		Updated:  feedUpdated(list).Format(time.RFC3339),
		Author:   atomPerson{Name: h.cur().site.Name, URI: h.abs("/")},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: h.abs("/feed.xml")},
			{Rel: "alternate", Type: "text/html", Href: h.abs("/")},
		},
	}
	for _, a := range list {
		url := h.abs(pagePath("articles", a.Slug))
		e := atomEntry{
			Lang:      a.Language,
			ID:        url,
			Title:     a.Title,
			Updated:   modified(a).UTC().Format(time.RFC3339),
			Published: a.PublishedAt.UTC().Format(time.RFC3339),
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Hreflang: a.Language, Href: url}},
			Content:   atomText{Type: "html", Body: absolutize(a.BodyHTML, url)},
		}
		for _, au := range a.Authors {
			p := atomPerson{Name: au.Name}
			if article.ValidPathSlug(au.Slug) {
				p.URI = h.abs(pagePath("author", au.Slug))
			}
			e.Authors = append(e.Authors, p)
		}
		for _, c := range categories(a) {
			e.Categories = append(e.Categories, atomCategory{Term: c})
		}
		if a.Standfirst != "" {
			e.Summary = &atomText{Type: "text", Body: a.Standfirst}
		}
		f.Entries = append(f.Entries, e)
	}
	return writeXML(w, "application/atom+xml; charset=utf-8", f)
}

type rssDoc struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	AtomNS    string     `xml:"xmlns:atom,attr"`
	ContentNS string     `xml:"xmlns:content,attr"`
	DCNS      string     `xml:"xmlns:dc,attr"`
	Channel   rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language,omitempty"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Self          rssSelf   `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type rssSelf struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Creators    []string `xml:"dc:creator"`
	Categories  []string `xml:"category"`
	Description string   `xml:"description"`
	Content     string   `xml:"content:encoded"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func (h *Handler) rssFeed(w http.ResponseWriter, r *http.Request) error {
	list, err := h.latest(r)
	if err != nil {
		return err
	}
	desc := h.cur().site.Description
	if desc == "" {
		desc = h.cur().site.Name
	}
	doc := rssDoc{
		Version:   "2.0",
		AtomNS:    "http://www.w3.org/2005/Atom",
		ContentNS: "http://purl.org/rss/1.0/modules/content/",
		DCNS:      "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{
			Title:         h.cur().site.Name,
			Link:          h.abs("/"),
			Description:   desc,
			Language:      h.cur().site.Language,
			LastBuildDate: feedUpdated(list).Format(time.RFC1123Z),
			Self:          rssSelf{Rel: "self", Type: "application/rss+xml", Href: h.abs("/rss.xml")},
		},
	}
	for _, a := range list {
		url := h.abs(pagePath("articles", a.Slug))
		it := rssItem{
			Title:       a.Title,
			Link:        url,
			GUID:        rssGUID{IsPermaLink: true, Value: url},
			PubDate:     a.PublishedAt.UTC().Format(time.RFC1123Z),
			Categories:  categories(a),
			Description: a.Standfirst,
			Content:     absolutize(a.BodyHTML, url),
		}
		for _, au := range a.Authors {
			it.Creators = append(it.Creators, au.Name)
		}
		doc.Channel.Items = append(doc.Channel.Items, it)
	}
	return writeXML(w, "application/rss+xml; charset=utf-8", doc)
}

type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url"`
	FeedURL     string       `json:"feed_url"`
	Description string       `json:"description,omitempty"`
	Language    string       `json:"language,omitempty"`
	Icon        string       `json:"favicon,omitempty"`
	Authors     []jsonAuthor `json:"authors,omitempty"`
	Items       []jsonItem   `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url"`
	Title         string       `json:"title"`
	ContentHTML   string       `json:"content_html"`
	Summary       string       `json:"summary,omitempty"`
	DatePublished string       `json:"date_published"`
	DateModified  string       `json:"date_modified"`
	Authors       []jsonAuthor `json:"authors,omitempty"`
	Tags          []string     `json:"tags,omitempty"`
	Language      string       `json:"language,omitempty"`
}

func (h *Handler) jsonFeed(w http.ResponseWriter, r *http.Request) error {
	list, err := h.latest(r)
	if err != nil {
		return err
	}
	f := jsonFeed{
		Version:     "https://jsonfeed.org/version/1.1",
		Title:       h.cur().site.Name,
		HomePageURL: h.abs("/"),
		FeedURL:     h.abs("/feed.json"),
		Description: h.cur().site.Description,
		Language:    h.cur().site.Language,
		Icon:        h.abs(h.assets.url("favicon.svg")),
		Authors:     []jsonAuthor{{Name: h.cur().site.Name, URL: h.abs("/")}},
		Items:       []jsonItem{},
	}
	for _, a := range list {
		url := h.abs(pagePath("articles", a.Slug))
		it := jsonItem{
			ID:            url,
			URL:           url,
			Title:         a.Title,
			ContentHTML:   absolutize(a.BodyHTML, url),
			Summary:       a.Standfirst,
			DatePublished: a.PublishedAt.UTC().Format(time.RFC3339),
			DateModified:  modified(a).UTC().Format(time.RFC3339),
			Tags:          categories(a),
			Language:      a.Language,
		}
		for _, au := range a.Authors {
			ja := jsonAuthor{Name: au.Name}
			if article.ValidPathSlug(au.Slug) {
				ja.URL = h.abs(pagePath("author", au.Slug))
			}
			it.Authors = append(it.Authors, ja)
		}
		f.Items = append(f.Items, it)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode json feed: %w", err)
	}
	w.Header().Set("Content-Type", "application/feed+json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write(b)
	return nil
}

// categories are an article's section and tags, for feed readers.
func categories(a article.Article) []string {
	var out []string
	if a.Section != "" {
		out = append(out, a.Section)
	}
	for _, t := range a.Tags {
		out = append(out, t.Name)
	}
	return out
}

// writeXML encodes v whole before sending, so an encoding error is still
// an error page and never half a document.
func writeXML(w http.ResponseWriter, contentType string, v any) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", contentType, err)
	}
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write(buf.Bytes())
	return nil
}

// absolutize makes the relative href and src attributes of an article's
// body absolute, since a feed reader shows the content away from the site
// and would read them against the feed's address. They were written for
// the article's page, so they are read against page, its URL, as a
// browser there does; an anchor then leads to its place on that page.
func absolutize(body, page string) string {
	base, err := url.Parse(page)
	if err != nil || !base.IsAbs() || !strings.Contains(body, "=") {
		return body
	}
	z := html.NewTokenizer(strings.NewReader(body))
	var b strings.Builder
	b.Grow(len(body) + 256)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return body
			}
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := string(z.Raw())
			t := z.Token()
			changed := false
			for i, a := range t.Attr {
				if a.Key != "href" && a.Key != "src" {
					continue
				}
				if abs, ok := resolve(base, a.Val); ok {
					t.Attr[i].Val, changed = abs, true
				}
			}
			if changed {
				b.WriteString(t.String())
			} else {
				b.WriteString(raw)
			}
		default:
			b.Write(z.Raw())
		}
	}
}

// resolve is ref read against base, unless ref is empty or already has a
// scheme (https:, mailto:, tel:), which it keeps.
func resolve(base *url.URL, ref string) (string, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", false
	}
	u, err := url.Parse(ref)
	if err != nil || u.IsAbs() {
		return "", false
	}
	return base.ResolveReference(u).String(), true
}
