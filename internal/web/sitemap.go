package web

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"

	"herald/internal/article"
)

// maxSitemapURLs is the sitemap protocol's limit for one file.
const maxSitemapURLs = 50000

type urlSet struct {
	XMLName xml.Name `xml:"urlset"`
	NS      string   `xml:"xmlns,attr"`
	NewsNS  string   `xml:"xmlns:news,attr,omitempty"`
	URLs    []sitemapURL
}

type sitemapURL struct {
	XMLName xml.Name  `xml:"url"`
	Loc     string    `xml:"loc"`
	LastMod string    `xml:"lastmod,omitempty"`
	News    *newsItem `xml:"news:news,omitempty"`
}

type newsItem struct {
	Publication newsPublication `xml:"news:publication"`
	Date        string          `xml:"news:publication_date"`
	Title       string          `xml:"news:title"`
}

type newsPublication struct {
	Name     string `xml:"news:name"`
	Language string `xml:"news:language"`
}

// sitemap lists the front page, every visible article and every section,
// tag and author page, newest first, within the protocol's limit.
func (h *Handler) sitemap(w http.ResponseWriter, r *http.Request) error {
	now := h.now()
	set := urlSet{NS: "http://www.sitemaps.org/schemas/sitemap/0.9"}
	set.URLs = append(set.URLs, sitemapURL{Loc: h.abs("/")})
	// Listing pages, in the order first met, with their newest article's date.
	var pages []string
	lastmod := map[string]time.Time{}
	note := func(path string, t time.Time) {
		if _, ok := lastmod[path]; !ok {
			pages = append(pages, path)
			lastmod[path] = t
		}
	}
	var before article.Cursor
	for len(set.URLs) < maxSitemapURLs {
		batch, err := h.articles.ListArticles(r.Context(), article.Query{Before: before, Limit: 1000}, now)
		if err != nil {
			return fmt.Errorf("list articles for sitemap: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		for _, a := range batch {
			if len(set.URLs) >= maxSitemapURLs {
				break
			}
			m := modified(a)
			if len(set.URLs) == 1 {
				set.URLs[0].LastMod = m.UTC().Format(time.RFC3339)
			}
			set.URLs = append(set.URLs, sitemapURL{Loc: h.abs(pagePath("articles", a.Slug)), LastMod: m.UTC().Format(time.RFC3339)})
			if article.ValidPathSlug(a.SectionSlug) && a.Section != "" {
				note(pagePath("section", a.SectionSlug), m)
			}
			for _, t := range a.Tags {
				if article.ValidPathSlug(t.Slug) {
					note(pagePath("tag", t.Slug), m)
				}
			}
			for _, au := range a.Authors {
				if article.ValidPathSlug(au.Slug) {
					note(pagePath("author", au.Slug), m)
				}
			}
		}
		last := batch[len(batch)-1]
		before = article.Cursor{PublishedAt: last.PublishedAt, ID: last.ID}
	}
	for _, p := range pages {
		if len(set.URLs) >= maxSitemapURLs {
			break
		}
		set.URLs = append(set.URLs, sitemapURL{Loc: h.abs(p), LastMod: lastmod[p].UTC().Format(time.RFC3339)})
	}
	return writeXML(w, "application/xml; charset=utf-8", set)
}

// newsSitemap is the Google News sitemap: articles of the last two days.
func (h *Handler) newsSitemap(w http.ResponseWriter, r *http.Request) error {
	now := h.now()
	list, err := h.articles.ListArticles(r.Context(), article.Query{Since: now.Add(-48 * time.Hour), Limit: 1000}, now)
	if err != nil {
		return fmt.Errorf("list articles for news sitemap: %w", err)
	}
	set := urlSet{NS: "http://www.sitemaps.org/schemas/sitemap/0.9", NewsNS: "http://www.google.com/schemas/sitemap-news/0.9"}
	for _, a := range list {
		set.URLs = append(set.URLs, sitemapURL{
			Loc: h.abs(pagePath("articles", a.Slug)),
			News: &newsItem{
				Publication: newsPublication{Name: h.cur().site.Name, Language: a.Language},
				Date:        a.PublishedAt.UTC().Format(time.RFC3339),
				Title:       a.Title,
			},
		})
	}
	return writeXML(w, "application/xml; charset=utf-8", set)
}

// robots lets every crawler in and points it at both sitemaps.
func (h *Handler) robots(w http.ResponseWriter, r *http.Request) error {
	var b strings.Builder
	b.WriteString("User-agent: *\nAllow: /\n\n")
	b.WriteString("Sitemap: " + h.abs("/sitemap.xml") + "\n")
	b.WriteString("Sitemap: " + h.abs("/news-sitemap.xml") + "\n")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(b.String()))
	return nil
}
