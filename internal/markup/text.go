package markup

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text turns HTML into plain text a person can read in an email client's
// text view or a feed reader: paragraphs and headings separated by blank
// lines, list items as "- item" or "1. item", quotes prefixed "> ", links as
// "text (url)", footnote references as "[1]" and the notes as a list
// numbered the same way. Entities are decoded, runs of whitespace collapsed outside
// <pre>, and scripts, styles and other non-content elements left out.
// It accepts fragments and whole documents, trusted or not; the result
// contains no markup, but it is text and must still be escaped wherever it
// is placed into HTML.
func Text(src string) string {
	return textOf(src, layout{})
}

// TextPart is Text laid out for the text part of an email, which mail
// programs show in a fixed-width font without reflowing it: paragraphs,
// list items and quotes wrapped at width columns (see Wrap), with list
// items and quotes wrapped under their markers; headings underlined, "="
// under a top-level one and "-" under the others; code indented by four
// spaces and never wrapped, since its line breaks are its meaning.
func TextPart(src string, width int) string {
	return textOf(src, layout{width: width, styled: true})
}

func textOf(src string, l layout) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		// html.Parse only fails when reading fails, which a
		// strings.Reader never does.
		return ""
	}
	b := textBuilder{layout: l}
	b.walkChildren(doc)
	return b.String()
}

// layout is how a container's text is set: as it comes for Text, and for
// TextPart wrapped to a width with headings and code set apart.
type layout struct {
	width  int  // columns to wrap at; zero does not wrap
	styled bool // headings underlined, code indented
}

// minWidth is the narrowest deeply nested quotes and lists are wrapped to,
// so that their text is not cut into a word per line.
const minWidth = 20

// inside is the layout of a container whose lines get a prefix of n
// columns, such as "> " or a list item's marker.
func (l layout) inside(n int) layout {
	if l.width > 0 {
		l.width = max(l.width-n, minWidth)
	}
	return l
}

// part is one finished block of text. Tight parts join the previous part
// with a single newline rather than a blank line, which keeps a nested list
// right under the item it belongs to.
type part struct {
	text  string
	tight bool
}

// textBuilder collects the blocks of one container (the document, a list
// item, a quote). Inline content accumulates in line until a block boundary
// flushes it as a paragraph; containers that prefix their lines render
// their children with a fresh textBuilder and prefix the result.
type textBuilder struct {
	parts  []part
	line   strings.Builder
	inItem bool // inside a list item: nested lists are tight
	layout layout
}

// String returns the blocks collected so far, separated by blank lines.
func (b *textBuilder) String() string {
	b.flush()
	var out strings.Builder
	for i, p := range b.parts {
		if i > 0 {
			if p.tight {
				out.WriteString("\n")
			} else {
				out.WriteString("\n\n")
			}
		}
		out.WriteString(p.text)
	}
	return out.String()
}

// add appends a finished block, ignoring blocks with nothing to read.
func (b *textBuilder) add(text string, tight bool) {
	if strings.TrimSpace(text) == "" {
		return
	}
	b.parts = append(b.parts, part{text: text, tight: tight})
}

// flush ends the current paragraph. Line breaks from <br> survive; spaces
// around them and at the edges do not.
func (b *textBuilder) flush() {
	raw := b.line.String()
	b.line.Reset()
	lines := strings.Split(raw, "\n")
	for i, l := range lines {
		lines[i] = Wrap(strings.TrimSpace(l), b.layout.width)
	}
	b.add(strings.Trim(strings.Join(lines, "\n"), "\n"), false)
}

// text appends a text node's content with HTML's whitespace collapsing: any
// run of ASCII whitespace becomes one space, and none is added at the start
// of a line. No-break spaces are content and are kept.
func (b *textBuilder) text(s string) {
	for _, r := range s {
		if isHTMLSpace(r) {
			if b.line.Len() > 0 && !b.lastIs(' ') && !b.lastIs('\n') {
				b.line.WriteByte(' ')
			}
			continue
		}
		b.line.WriteRune(r)
	}
}

// lastIs reports whether the current line ends with the byte c.
func (b *textBuilder) lastIs(c byte) bool {
	s := b.line.String()
	return len(s) > 0 && s[len(s)-1] == c
}

// isHTMLSpace reports whether r is whitespace as HTML defines it for
// collapsing.
func isHTMLSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\f', '\r':
		return true
	}
	return false
}

func (b *textBuilder) walkChildren(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.walk(c)
	}
}

// walk adds n and its subtree to the builder.
func (b *textBuilder) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		b.text(n.Data)
		return
	case html.DocumentNode:
		b.walkChildren(n)
		return
	case html.ElementNode:
	default:
		return // comments and doctypes carry nothing to read
	}
	if n.Namespace != "" {
		return // svg and math: drawings and formulas do not read as text
	}
	if b.layout.styled && isHeading(n.DataAtom) {
		b.flush()
		b.add(headingText(n, b.layout), false)
		return
	}
	switch n.DataAtom {
	case atom.Head, atom.Script, atom.Style, atom.Template, atom.Noscript,
		atom.Iframe, atom.Object, atom.Embed, atom.Audio, atom.Video,
		atom.Canvas, atom.Select, atom.Textarea, atom.Button, atom.Input:
		return
	case atom.Br:
		b.line.WriteByte('\n')
	case atom.Img:
		b.text(" " + attr(n, "alt") + " ")
	case atom.A:
		if attr(n, "class") != backlinkClass {
			b.link(n)
		}
	case atom.Sup:
		if isNoteRef(n) {
			b.text("[" + collapse(textContent(n)) + "]")
			return
		}
		b.walkChildren(n)
	case atom.Ul, atom.Ol, atom.Menu:
		b.flush()
		b.add(listText(n, b.layout), b.inItem)
	case atom.Li:
		b.flush()
		b.add(itemText(n, "- ", b.layout), b.inItem)
	case atom.Blockquote:
		b.flush()
		b.add(prefixLines(blockText(n, false, b.layout.inside(2)), "> ", ">"), false)
	case atom.Pre:
		b.flush()
		b.add(preText(n, b.layout), false)
	case atom.Table:
		b.flush()
		b.add(tableText(n), false)
	case atom.Hr:
		b.flush()
		b.add("---", false)
	case atom.Td, atom.Th:
		b.text(" ")
		b.walkChildren(n)
		b.text(" ")
	default:
		if isBlock(n.DataAtom) {
			b.flush()
			b.walkChildren(n)
			b.flush()
			return
		}
		b.walkChildren(n)
	}
}

// link writes a link's text and, when the reader could not tell the target
// from the text, its URL in parentheses. Fragment links are written as text
// only: "#section" means nothing outside the page.
func (b *textBuilder) link(a *html.Node) {
	b.walkChildren(a)
	href := strings.TrimSpace(attr(a, "href"))
	if href == "" || strings.HasPrefix(href, "#") {
		return
	}
	label := collapse(textContent(a))
	if sameTarget(label, href) {
		return
	}
	if label == "" {
		b.text(href)
		return
	}
	b.text(" (" + href + ")")
}

// sameTarget reports whether a link's text already says where it goes,
// allowing for the scheme that autolinking adds ("www.example.org" for
// "http://www.example.org", "a@example.org" for "mailto:a@example.org").
func sameTarget(label, href string) bool {
	if label == href {
		return true
	}
	for _, prefix := range []string{"mailto:", "https://", "http://"} {
		if rest, ok := strings.CutPrefix(href, prefix); ok {
			return label == rest || label+"/" == rest
		}
	}
	return false
}
