package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"herald/internal/article"
)

// articleHead fills the parts of an article page's head that search engines
// and social networks read: canonical and language links, OpenGraph and
// Twitter cards, and schema.org data.
func (h *Handler) articleHead(p *page, a article.Article) error {
	url := h.abs(pagePath("articles", a.Slug))
	published := a.PublishedAt.UTC().Format(time.RFC3339)
	changed := modified(a).UTC().Format(time.RFC3339)
	if a.Standfirst != "" {
		p.Description = a.Standfirst
	}
	p.Canonical = url
	p.Alternates = h.alternates(a, url)

	p.OpenGraph = []meta{
		{"og:type", "article"},
		{"og:title", a.Title},
		{"og:description", p.Description},
		{"og:url", url},
		{"og:site_name", h.cur().site.Name},
		{"article:published_time", published},
		{"article:modified_time", changed},
	}
	if a.Section != "" {
		p.OpenGraph = append(p.OpenGraph, meta{"article:section", a.Section})
	}
	for _, au := range a.Authors {
		if article.ValidPathSlug(au.Slug) {
			p.OpenGraph = append(p.OpenGraph, meta{"article:author", h.abs(pagePath("author", au.Slug))})
		}
	}
	for _, t := range a.Tags {
		p.OpenGraph = append(p.OpenGraph, meta{"article:tag", t.Name})
	}
	p.Twitter = []meta{
		{"twitter:card", "summary"},
		{"twitter:title", a.Title},
		{"twitter:description", p.Description},
	}

	ld, err := h.newsArticle(a, url, published, changed, p.Description)
	if err != nil {
		return err
	}
	p.JSONLD = ld
	return nil
}

// alternates links every language version of the story, this one included,
// and names the original as the default for readers of other languages.
func (h *Handler) alternates(a article.Article, url string) []alternate {
	out := []alternate{{Lang: a.Language, URL: url}}
	seen := map[string]bool{strings.ToLower(a.Language): true}
	original := ""
	if a.TranslationOf == "" {
		original = url
	}
	for _, t := range a.Translations {
		if !article.ValidPathSlug(t.Slug) {
			continue
		}
		u := h.abs(pagePath("articles", t.Slug))
		if t.Slug == a.TranslationOf {
			original = u
		}
		if l := strings.ToLower(t.Language); t.Language != "" && !seen[l] {
			seen[l] = true
			out = append(out, alternate{Lang: t.Language, URL: u})
		}
	}
	if original != "" {
		out = append(out, alternate{Lang: "x-default", URL: original})
	}
	return out
}

// The schema.org types of an article page, written with encoding/json so
// that <, > and & inside names come out as \u003c and friends and can never
// close the script element.
type newsArticleLD struct {
	Context          string    `json:"@context"`
	Type             string    `json:"@type"`
	Headline         string    `json:"headline"`
	Description      string    `json:"description,omitempty"`
	DatePublished    string    `json:"datePublished"`
	DateModified     string    `json:"dateModified"`
	Author           []thingLD `json:"author,omitempty"`
	Publisher        thingLD   `json:"publisher"`
	MainEntityOfPage webPageLD `json:"mainEntityOfPage"`
	InLanguage       string    `json:"inLanguage"`
	ArticleSection   string    `json:"articleSection,omitempty"`
	Keywords         []string  `json:"keywords,omitempty"`
	URL              string    `json:"url"`
}

type thingLD struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
	Logo string `json:"logo,omitempty"`
}

type webPageLD struct {
	Type string `json:"@type"`
	ID   string `json:"@id"`
}

func (h *Handler) newsArticle(a article.Article, url, published, changed, description string) (template.JS, error) {
	ld := newsArticleLD{
		Context:          "https://schema.org",
		Type:             "NewsArticle",
		Headline:         a.Title,
		Description:      description,
		DatePublished:    published,
		DateModified:     changed,
		Publisher:        publisherLD(h.cur().site),
		MainEntityOfPage: webPageLD{Type: "WebPage", ID: url},
		InLanguage:       a.Language,
		ArticleSection:   a.Section,
		URL:              url,
	}
	for _, au := range a.Authors {
		p := thingLD{Type: "Person", Name: au.Name}
		if article.ValidPathSlug(au.Slug) {
			p.URL = h.abs(pagePath("author", au.Slug))
		}
		ld.Author = append(ld.Author, p)
	}
	for _, t := range a.Tags {
		ld.Keywords = append(ld.Keywords, t.Name)
	}
	b, err := json.Marshal(ld)
	if err != nil {
		return "", fmt.Errorf("json-ld of %s: %w", a.Slug, err)
	}
	// json.Marshal has escaped <, > and &, so the bytes cannot end the
	// script element and are safe to insert as they are.
	return template.JS(b), nil
}

// publisherLD is the publication as schema.org knows it; its logo must be
// an absolute URL.
func publisherLD(site Site) thingLD {
	t := thingLD{Type: "Organization", Name: site.Name, URL: site.BaseURL + "/"}
	if strings.HasPrefix(site.Logo, "https://") {
		t.Logo = site.Logo
	} else if strings.HasPrefix(site.Logo, "/") && !strings.HasPrefix(site.Logo, "//") {
		t.Logo = site.BaseURL + site.Logo
	}
	return t
}
