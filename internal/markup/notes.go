package markup

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// NotesLabelID is the id of the element that names an article's notes
// ("Notes", in the page's language). Rendered HTML points at it but does
// not contain it, since the renderer knows no language: a page showing an
// article with notes supplies it. The colon keeps it apart from heading
// ids, which never contain one.
const NotesLabelID = "notes:label"

// notePrefixKey is where a document's footnote id prefix is kept in its
// metadata while it is rendered.
const notePrefixKey = "herald-note-prefix"

// notePrefix starts the ids of an article's footnotes, so that two
// articles shown together (a feed, a listing) never share one: goldmark
// numbers every article's notes from 1. It is taken from the Markdown
// itself because that is all a renderer is given; the rest of the id
// holds a colon, which no heading id has.
func notePrefix(markdown []byte) string {
	sum := sha256.Sum256(markdown)
	return hex.EncodeToString(sum[:4]) + "-"
}

// footnotes is goldmark's footnote extension with ids from notePrefix and
// the references and list labelled for screen readers.
func footnotes() []goldmark.Extender {
	return []goldmark.Extender{
		extension.NewFootnote(extension.WithFootnoteIDPrefixFunction(idPrefix)),
		noteLabels{},
	}
}

// idPrefix reads the prefix HTML stored in the document being rendered.
func idPrefix(n ast.Node) []byte {
	if doc := n.OwnerDocument(); doc != nil {
		if p, ok := doc.Meta()[notePrefixKey].(string); ok {
			return []byte(p)
		}
	}
	return nil
}

// noteLabels replaces goldmark's rendering of footnote references and of
// the notes list, which take no extra attributes, with the same markup plus
// aria-describedby on each reference (read out as "1, link, Notes") and
// aria-labelledby on the list. Notes and back-links stay goldmark's.
type noteLabels struct{}

// Extend registers the renderer ahead of goldmark's own footnote renderer.
func (noteLabels) Extend(m goldmark.Markdown) {
	m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(noteLabels{}, 499)))
}

// RegisterFuncs implements renderer.NodeRenderer.
func (noteLabels) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(east.KindFootnoteLink, renderNoteRef)
	reg.Register(east.KindFootnoteList, renderNoteList)
}

func renderNoteRef(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*east.FootnoteLink)
	prefix, index := idPrefix(node), strconv.Itoa(n.Index)
	ref := "fnref"
	if n.RefIndex > 0 {
		ref += strconv.Itoa(n.RefIndex)
	}
	_, _ = w.WriteString(`<sup id="`)
	_, _ = w.Write(prefix)
	_, _ = w.WriteString(ref + ":" + index + `"><a href="#`)
	_, _ = w.Write(prefix)
	_, _ = w.WriteString(`fn:` + index + `" class="footnote-ref" role="doc-noteref" aria-describedby="` + NotesLabelID + `">`)
	_, _ = w.WriteString(index + `</a></sup>`)
	return ast.WalkContinue, nil
}

func renderNoteList(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString(`<div class="footnotes" role="doc-endnotes" aria-labelledby="` + NotesLabelID + `">` + "\n<hr>\n<ol>\n")
	} else {
		_, _ = w.WriteString("</ol>\n</div>\n")
	}
	return ast.WalkContinue, nil
}

// UnlinkNotes rewrites the footnotes of HTML from Renderer.HTML for a
// medium where links within a document are unreliable, such as mail
// programs: each reference becomes a bare superscript number and the notes
// a numbered list without back-links, ids or labels, which still reads in
// order. Text and TextPart read the result as they read the linked form.
func UnlinkNotes(src string) string {
	if !strings.Contains(src, noteRefClass) {
		return src
	}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(src), body)
	if err != nil {
		return src
	}
	for _, n := range nodes {
		body.AppendChild(n)
	}
	unlinkNotes(body)
	var out strings.Builder
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&out, c); err != nil {
			return src
		}
	}
	return out.String()
}

// The classes the footnote renderer marks references, back-links and the
// list of notes with.
const (
	noteRefClass  = "footnote-ref"
	backlinkClass = "footnote-backref"
	notesClass    = "footnotes"
)

func unlinkNotes(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case c.Type != html.ElementNode:
		case isNoteRef(c):
			number := collapse(textContent(c))
			for c.FirstChild != nil {
				c.RemoveChild(c.FirstChild)
			}
			c.Attr = []html.Attribute{{Key: "class", Val: noteRefClass}}
			c.AppendChild(&html.Node{Type: html.TextNode, Data: number})
		case c.DataAtom == atom.A && attr(c, "class") == backlinkClass:
			// goldmark puts a no-break space before each back-link.
			if p := c.PrevSibling; p != nil && p.Type == html.TextNode {
				p.Data = strings.TrimRight(p.Data, "\u00a0 ")
			}
			n.RemoveChild(c)
		case isNotes(c):
			c.Attr = []html.Attribute{{Key: "class", Val: notesClass}}
		case c.DataAtom == atom.Li && isNotes(n.Parent):
			c.Attr = nil
		}
		if c.Parent == n {
			unlinkNotes(c)
		}
		c = next
	}
}

// isNoteRef reports whether n is a footnote reference: the <sup> the
// renderer writes around its link, or the bare one UnlinkNotes leaves.
func isNoteRef(n *html.Node) bool {
	if n.Type != html.ElementNode || n.DataAtom != atom.Sup || n.Namespace != "" {
		return false
	}
	if attr(n, "class") == noteRefClass {
		return true
	}
	a := n.FirstChild
	return a != nil && a.NextSibling == nil && a.Type == html.ElementNode &&
		a.DataAtom == atom.A && attr(a, "class") == noteRefClass
}

// isNotes reports whether n is the list of footnotes at an article's end.
func isNotes(n *html.Node) bool {
	return n != nil && n.Type == html.ElementNode && n.DataAtom == atom.Div &&
		n.Namespace == "" && attr(n, "class") == notesClass
}
