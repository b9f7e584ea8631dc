package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"herald/internal/lang"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages is the parsed template of each page.
type pages struct{ byName map[string]*template.Template }

// parsePages parses each whole page with the layout and the partials, so
// every page can fill the layout's "main" block on its own.
func parsePages() (*pages, error) {
	pageNames := []string{"list", "article", "signup", "error", "link", "preferences", "outbox", "outbox-message"}
	p := &pages{byName: make(map[string]*template.Template, len(pageNames))}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(template.FuncMap{"dir": lang.Dir}).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// execute renders a page into memory first, so a failing template never
// sends half a page with a 200 status.
func (p *pages) execute(name string, view any) ([]byte, error) {
	t, ok := p.byName[name]
	if !ok {
		return nil, fmt.Errorf("web: no template %s", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", view); err != nil {
		return nil, fmt.Errorf("web: render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// page is what the layout needs; every page's view embeds it.
type page struct {
	Site        Site
	Lang        string
	Title       string // the whole <title>
	Description string
	Canonical   string // absolute; empty when the page should not be indexed
	Robots      string
	Prev, Next  string // absolute; the pages before and after a listing page
	Alternates  []alternate
	OpenGraph   []meta // property=...
	Twitter     []meta // name=...
	JSONLD      template.JS
	Labels      labels
	CSS, JS     string
	Icon        string
	Main        string // the id the skip link jumps to
}

// alternate is a <link rel="alternate" hreflang> to a language version.
type alternate struct{ Lang, URL string }

// meta is one <meta> of the OpenGraph or Twitter vocabularies.
type meta struct{ Key, Content string }

// basePage fills what every page shares; title is the page's own part.
func (h *Handler) basePage(lang, title string) page {
	full := h.cur().site.Name
	if title != "" && title != h.cur().site.Name {
		full = title + " – " + h.cur().site.Name
	}
	return page{
		Site:        h.cur().site,
		Lang:        lang,
		Title:       full,
		Description: h.cur().site.Description,
		Labels:      labelsFor(lang),
		CSS:         h.assets.url("site.css"),
		JS:          h.assets.url("site.js"),
		Icon:        h.assets.url("favicon.svg"),
		Main:        "main",
	}
}

// writePage renders and sends a page with status; cacheable pages may be
// kept by shared caches for a minute, others by no one.
func (h *Handler) writePage(w http.ResponseWriter, status int, name string, view any, public bool) error {
	body, err := h.pages.execute(name, view)
	if err != nil {
		return err
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	if public {
		hdr.Set("Cache-Control", "public, max-age=60")
	} else {
		hdr.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(body)
	return nil
}

// abs turns a site path into an absolute URL for feeds, sitemaps and the
// page head.
func (h *Handler) abs(path string) string { return h.cur().site.BaseURL + path }

// pagePath is the path of the page of an article, section, tag or author
// (kind is "articles", "section", "tag" or "author"). A slug in another
// script than Latin is percent-encoded as browsers send it, so that feeds,
// sitemaps and mail hold a URL that every reader of them takes whole; an
// ASCII slug is as it is.
func pagePath(kind, slug string) string { return "/" + kind + "/" + url.PathEscape(slug) }
