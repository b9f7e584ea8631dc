// Package markup turns what editors write into what readers receive: Markdown
// into HTML that is safe to put on the site and in emails, HTML into plain
// text for email text parts and feed summaries, and text into short excerpts.
//
// Everything an article contains passes through here before a reader sees it,
// so this package is where two promises are kept: no script ever runs from
// article content, and no page makes the reader's browser contact a host
// other than the site's own.
package markup

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

// Renderer converts Markdown to sanitised HTML for one site. It holds the
// Markdown parser and the sanitising policy so they are built once; both are
// safe for concurrent use, so one Renderer serves every request.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	// host is the lower-case host name of the site without a port; images
	// are only kept when they live there. Empty when the base URL could not
	// be read, which keeps only relative images.
	host string
}

// New builds a Renderer for the site at baseURL (e.g.
// "https://news.example.org"). The base URL decides which images count as
// the site's own; an empty or unreadable one is not an error, it just means
// only relative image URLs are kept, which fails safe.
func New(baseURL string) *Renderer {
	var host string
	if u, err := url.Parse(strings.TrimSpace(baseURL)); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	return &Renderer{md: newMarkdown(), policy: newPolicy(), host: host}
}

// HTML renders Markdown to HTML that may be placed into a page or an email
// as is. Raw HTML in the Markdown is allowed through only as far as the
// sanitising policy allows, so editors can still use things like <sup> or
// <abbr>; footnotes ("text[^1]", "[^1]: note") become references and a
// list of notes linked both ways, labelled by the element NotesLabelID
// names, with ids no other article's notes share; images from other hosts
// are replaced by their alt text, and links that leave the site are marked
// so they pass no referrer or ranking.
func (r *Renderer) HTML(markdown string) string {
	src := []byte(markdown)
	doc := r.md.Parser().Parse(text.NewReader(src))
	doc.OwnerDocument().AddMeta(notePrefixKey, notePrefix(src))
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, src, doc); err != nil {
		// Writing to a bytes.Buffer cannot fail, so this is unreachable in
		// practice; returning nothing fails closed rather than emitting
		// half-rendered, unsanitised output.
		return ""
	}
	clean := r.policy.SanitizeBytes(buf.Bytes())
	return r.localise(clean)
}

// newMarkdown configures goldmark. Raw HTML is passed on (WithUnsafe) because
// the sanitiser, not the Markdown parser, is the one gate for what HTML may
// reach a reader: goldmark's own switch is all or nothing and would take
// <sup>, <abbr> and <details> away from editors too. Table alignment is
// rendered as an align attribute because style attributes are removed, and
// GFM checkbox items ("- [ ] ...") are left out because they render <input>
// elements.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(append([]goldmark.Extender{
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.NewLinkify(extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"})),
			extension.Typographer,
		}, footnotes()...)...),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
	)
}

// newPolicy lists every element and attribute a reader may receive. It is an
// allow-list in the spirit of bluemonday's UGC policy, minus everything that
// could load a resource or carry behaviour: no forms, media, frames, styles,
// image maps or rel values chosen by the author (localise sets rel itself).
func newPolicy() *bluemonday.Policy {
	// Compiled here rather than at package level: New runs once per
	// process, and the package keeps no variables of its own.
	headingID := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	codeClass := regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,40}$`)
	cellAlign := regexp.MustCompile(`(?i)^(left|center|right)$`)
	cellScope := regexp.MustCompile(`(?i)^(row|col|rowgroup|colgroup)$`)
	smallNumber := regexp.MustCompile(`^[0-9]{1,4}$`)
	openValue := regexp.MustCompile(`(?i)^(|open)$`)
	langTag := regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$`)
	// Footnotes, exactly as the footnote renderer writes them.
	noteRefID := regexp.MustCompile(`^[0-9a-f]{8}-fnref[0-9]*:[0-9]{1,4}$`)
	noteID := regexp.MustCompile(`^[0-9a-f]{8}-fn:[0-9]{1,4}$`)
	noteLinkClass := regexp.MustCompile(`^footnote-(ref|backref)$`)
	noteLinkRole := regexp.MustCompile(`^doc-(noteref|backlink)$`)
	notesLabel := regexp.MustCompile(`^` + regexp.QuoteMeta(NotesLabelID) + `$`)

	p := bluemonday.NewPolicy()
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.AllowURLSchemes("http", "https", "mailto")

	p.AllowElements(
		"p", "br", "hr", "div", "span", "wbr",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"em", "strong", "b", "i", "u", "s", "del", "ins", "strike",
		"sub", "sup", "small", "mark", "cite", "dfn", "abbr",
		"code", "kbd", "samp", "var", "pre", "blockquote", "q",
		"ul", "ol", "li", "dl", "dt", "dd",
		"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
		"figure", "figcaption", "details", "summary",
		"section", "article", "aside", "hgroup",
		"ruby", "rt", "rp", "bdi",
	)
	p.AllowAttrs("id").Matching(headingID).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("src").OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(smallNumber).OnElements("img")
	p.AllowAttrs("title").OnElements("a", "img", "abbr", "dfn")
	p.AllowAttrs("class").Matching(codeClass).OnElements("code")
	p.AllowAttrs("start").Matching(smallNumber).OnElements("ol")
	p.AllowAttrs("align").Matching(cellAlign).OnElements("th", "td")
	p.AllowAttrs("colspan", "rowspan").Matching(smallNumber).OnElements("th", "td")
	p.AllowAttrs("scope").Matching(cellScope).OnElements("th")
	p.AllowAttrs("open").Matching(openValue).OnElements("details")
	p.AllowAttrs("id").Matching(noteRefID).OnElements("sup")
	p.AllowAttrs("id").Matching(noteID).OnElements("li")
	p.AllowAttrs("class").Matching(noteLinkClass).OnElements("a")
	p.AllowAttrs("role").Matching(noteLinkRole).OnElements("a")
	p.AllowAttrs("aria-describedby").Matching(notesLabel).OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^footnotes$`)).OnElements("div")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-endnotes$`)).OnElements("div")
	p.AllowAttrs("aria-labelledby").Matching(notesLabel).OnElements("div")
	p.AllowAttrs("dir").Matching(bluemonday.Direction).Globally()
	p.AllowAttrs("lang").Matching(langTag).Globally()
	return p
}
