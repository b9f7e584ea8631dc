package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"herald/internal/article"
	"herald/internal/markup"
)

// perPage is how many articles a listing shows before "Older articles".
const perPage = 20

// listView is the home page and the section, tag and author pages.
type listView struct {
	page
	Heading string
	Kicker  string // what kind of listing this is, above the heading
	IsHome  bool
	Part    string // which page of the listing this is, after the first
	Items   []itemView
	Older   string // address of the next page; empty on the last
	Newer   string // address of the page before; empty on the first
	First   string // address of the first page, when Newer is another
	Box     *boxView
}

// itemView is one article in a listing.
type itemView struct {
	Title, URL, Standfirst string
	Lang                   string // set only when it differs from the page's
	Authors                []link
	Date                   date
	Section                link
}

// link is a name and where it leads; URL is empty when it leads nowhere.
type link struct{ Name, URL string }

// articleView is one article's page.
type articleView struct {
	page
	Headline    string
	Standfirst  string
	Authors     []link
	Published   date
	Updated     date
	ShowUpdated bool
	Section     link
	Body        template.HTML
	// HasNotes says the body has footnotes, which point at a label the
	// page must then give.
	HasNotes     bool
	Tags         []link
	Translations []translation
	Box          *boxView
}

// translation links to the same story in another language. Label is the
// language's name and the title, as a reader of that language writes them.
type translation struct{ Lang, Label, URL string }

func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	l := labelsFor(h.cur().site.Language)
	v, err := h.listing(r, article.Query{}, "/")
	if err != nil {
		return err
	}
	v.IsHome, v.Heading = true, l.Latest
	title := "" // the first page goes by the site's name alone
	if !v.at.before.IsZero() {
		title = v.at.title(l.Latest, l)
	}
	v.page = h.basePage(h.cur().site.Language, title)
	v.links(h)
	v.Box = h.box(r.Context(), h.cur().site.Language, "/")
	return h.writePage(w, http.StatusOK, "list", v.listView, true)
}

func (h *Handler) sectionPage(w http.ResponseWriter, r *http.Request) error {
	return h.namedListing(w, r, "section")
}

func (h *Handler) tagPage(w http.ResponseWriter, r *http.Request) error {
	return h.namedListing(w, r, "tag")
}

func (h *Handler) authorPage(w http.ResponseWriter, r *http.Request) error {
	return h.namedListing(w, r, "author")
}

// namedListing is a section, tag or author page. Its heading is the name as
// the newest article spells it; a name with no articles has no page.
func (h *Handler) namedListing(w http.ResponseWriter, r *http.Request, kind string) error {
	slug := r.PathValue("slug")
	if !article.ValidPathSlug(slug) {
		return errNotFound
	}
	var q article.Query
	switch kind {
	case "section":
		q.Section = slug
	case "tag":
		q.Tag = slug
	default:
		q.Author = slug
	}
	path := pagePath(kind, slug)
	v, err := h.listing(r, q, path)
	if err != nil {
		return err
	}
	if len(v.Items) == 0 {
		// Past the end of a listing that has articles there is nothing
		// older, as on the home page; a name without any has no page.
		if v.at.before.IsZero() {
			return errNotFound
		}
		q.Before, q.Limit = article.Cursor{}, 1
		newest, err := h.articles.ListArticles(r.Context(), q, h.now())
		if err != nil {
			return fmt.Errorf("list articles: %w", err)
		}
		if len(newest) == 0 {
			return errNotFound
		}
		v.firstName = listName(q, newest[0], slug)
	}
	v.Heading = v.firstName
	if v.Heading == "" {
		v.Heading = slug
	}
	v.page = h.basePage(h.cur().site.Language, v.at.title(v.Heading, labelsFor(h.cur().site.Language)))
	v.Kicker = map[string]string{"section": v.Labels.Section, "tag": v.Labels.Tag, "author": v.Labels.Author}[kind]
	v.links(h)
	return h.writePage(w, http.StatusOK, "list", v.listView, true)
}

// namedList carries what listing found for the page around it.
type namedList struct {
	listView
	firstName string
	path      string   // the listing's first page
	at        pageAddr // this page
}

// links fills the page's pager, its canonical address and the head's
// links to the pages next to it.
func (v *namedList) links(h *Handler) {
	v.Canonical = h.abs(v.at.url(v.path))
	v.Part = v.at.name(v.Labels)
	if len(v.Items) == 0 && v.Part != "" {
		// Past the end: a page for readers who went too far or kept an
		// old address, with nothing for a search engine to keep.
		v.Canonical, v.Robots = "", "noindex"
	}
	if v.Newer != "" {
		v.Prev = h.abs(v.Newer)
	}
	if v.Older != "" {
		v.Next = h.abs(v.Older)
	}
}

// listing fetches one page of articles matching q, starting after the
// cursor in ?before=, and fills the items and the links to the pages
// before and after it.
func (h *Handler) listing(r *http.Request, q article.Query, path string) (namedList, error) {
	at, err := pageOf(r)
	if err != nil {
		return namedList{}, err
	}
	q.Before, q.Limit = at.before, perPage+1
	list, err := h.articles.ListArticles(r.Context(), q, h.now())
	if err != nil {
		return namedList{}, fmt.Errorf("list articles: %w", err)
	}
	v := namedList{path: path, at: at}
	if len(list) > perPage {
		list = list[:perPage]
		v.Older = at.older(list[len(list)-1]).url(path)
	}
	if !at.before.IsZero() {
		up, err := h.newer(r.Context(), q, at)
		if err != nil {
			return namedList{}, err
		}
		v.Newer = up.url(path)
		if !up.before.IsZero() {
			v.First = path
		}
	}
	l := labelsFor(h.cur().site.Language)
	for _, a := range list {
		v.Items = append(v.Items, itemOf(a, l, h.cur().site.Language))
	}
	if len(list) > 0 {
		v.firstName = listName(q, list[0], r.PathValue("slug"))
	}
	return v, nil
}

// listName is the name of the section, tag or author slug that q lists,
// as a spells it.
func listName(q article.Query, a article.Article, slug string) string {
	switch {
	case q.Section != "":
		return a.Section
	case q.Tag != "":
		return tagName(a, slug)
	case q.Author != "":
		return authorName(a, slug)
	}
	return ""
}

func tagName(a article.Article, slug string) string {
	for _, t := range a.Tags {
		if t.Slug == slug {
			return t.Name
		}
	}
	return ""
}

func authorName(a article.Article, slug string) string {
	for _, au := range a.Authors {
		if au.Slug == slug {
			return au.Name
		}
	}
	return ""
}

func itemOf(a article.Article, l labels, pageLang string) itemView {
	it := itemView{
		Title:      a.Title,
		URL:        pagePath("articles", a.Slug),
		Standfirst: a.Standfirst,
		Authors:    authorLinks(a.Authors),
		Date:       l.formatDate(a.PublishedAt),
		Section:    sectionLink(a),
	}
	it.Lang = otherLang(a.Language, pageLang)
	return it
}

// otherLang is tag when it differs from the language of the page it is
// shown on, for a lang attribute, and empty when the page's lang already
// says it.
func otherLang(tag, pageLang string) string {
	if tag == "" || strings.EqualFold(tag, pageLang) {
		return ""
	}
	return tag
}

func authorLinks(authors []article.Author) []link {
	out := make([]link, 0, len(authors))
	for _, au := range authors {
		l := link{Name: au.Name}
		if article.ValidPathSlug(au.Slug) {
			l.URL = pagePath("author", au.Slug)
		}
		out = append(out, l)
	}
	return out
}

func sectionLink(a article.Article) link {
	l := link{Name: a.Section}
	if a.Section != "" && article.ValidPathSlug(a.SectionSlug) {
		l.URL = pagePath("section", a.SectionSlug)
	}
	return l
}

// articlePage shows one visible article with its head for search engines
// and social cards, and the newsletter box under it.
func (h *Handler) articlePage(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if !article.ValidPathSlug(slug) {
		return errNotFound
	}
	a, err := h.articles.ArticleBySlug(r.Context(), slug)
	if err != nil {
		return fmt.Errorf("article %s: %w", slug, err)
	}
	if !a.IsVisible(h.now()) {
		return errNotFound
	}
	l := labelsFor(a.Language)
	v := articleView{
		page:       h.basePage(a.Language, a.Title),
		Headline:   a.Title,
		Standfirst: a.Standfirst,
		Authors:    authorLinks(a.Authors),
		Published:  l.formatDate(a.PublishedAt),
		Updated:    l.formatDate(modified(a)),
		// Fixing a typo right after publishing is not news; say "updated"
		// only for later changes.
		ShowUpdated: modified(a).Sub(a.PublishedAt) > 10*time.Minute,
		Section:     sectionLink(a),
		Body:        template.HTML(a.BodyHTML), // sanitised when the article was saved
		HasNotes:    strings.Contains(a.BodyHTML, markup.NotesLabelID),
	}
	for _, t := range a.Tags {
		if article.ValidPathSlug(t.Slug) {
			v.Tags = append(v.Tags, link{Name: t.Name, URL: pagePath("tag", t.Slug)})
		}
	}
	for _, t := range a.Translations {
		if article.ValidPathSlug(t.Slug) && t.Slug != a.Slug {
			v.Translations = append(v.Translations, translation{Lang: t.Language,
				Label: languageName(t.Language) + colon(t.Language) + t.Title, URL: pagePath("articles", t.Slug)})
		}
	}
	if err := h.articleHead(&v.page, a); err != nil {
		return err
	}
	v.Box = h.box(r.Context(), a.Language, pagePath("articles", a.Slug))
	return h.writePage(w, http.StatusOK, "article", v, true)
}

// modified is when the article last changed as readers should be told:
// never before it was published.
func modified(a article.Article) time.Time {
	if a.UpdatedAt.After(a.PublishedAt) {
		return a.UpdatedAt
	}
	return a.PublishedAt
}

var errBadCursor = &statusError{status: http.StatusBadRequest, title: "Page address not valid",
	msg: "This page address is not valid. Please start again from the front page."}

func parseCursor(s string) (article.Cursor, error) {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 || len(s) > 50 {
		return article.Cursor{}, errBadCursor
	}
	ns, err1 := strconv.ParseInt(s[:i], 10, 64)
	id, err2 := strconv.ParseInt(s[i+1:], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return article.Cursor{}, errBadCursor
	}
	return article.Cursor{PublishedAt: time.Unix(0, ns).UTC(), ID: id}, nil
}

// box builds the newsletter box for a page in lang. A failing newsletter
// list costs the page its box, not the page itself.
func (h *Handler) box(ctx context.Context, lang, source string) *boxView {
	nls, err := h.subs.Newsletters(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "web: newsletters for the signup box", "err", err)
		return nil
	}
	if len(nls) == 0 {
		return nil
	}
	key, words := h.wordsFor(lang)
	b := &boxView{Words: words, Lang: key, Source: source, Offline: labelsFor(key).Offline, Mark: markLang(key, lang)}
	if len(nls) == 1 {
		b.Only = nls[0].ID
		return b
	}
	for _, n := range nls {
		b.Choices = append(b.Choices, choice{ID: n.ID, Name: n.Name, Description: n.Description, Lang: otherLang(n.Language, key)})
	}
	return b
}
