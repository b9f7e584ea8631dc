package campaign

import (
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"herald/internal/markup"
)

// leadParagraph is the text of an article's opening paragraph, which a
// teaser shows when the article has no standfirst: the first <p> that
// holds words of its own, passing over headings, lists, captions and
// pictures (whose descriptions are no summary) before it. An article
// without one gives its first block of text. Footnote numbers are left
// out: the notes they point at are not shown with it.
func leadParagraph(bodyHTML string) string {
	bodyHTML = markup.UnlinkNotes(bodyHTML)
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(bodyHTML), body)
	if err == nil {
		for _, n := range nodes {
			if p := firstParagraph(n); p != nil {
				dropNoteRefs(p)
				var b strings.Builder
				if html.Render(&b, p) == nil {
					return markup.Text(b.String())
				}
			}
		}
	}
	first, _, _ := strings.Cut(markup.Text(bodyHTML), "\n\n")
	return first
}

// firstParagraph finds the first <p> with words in n, outside quotes,
// lists, tables and figures, whose paragraphs belong to something else.
func firstParagraph(n *html.Node) *html.Node {
	if n.Type != html.ElementNode {
		return nil
	}
	switch n.DataAtom {
	case atom.P:
		if hasWords(n) {
			return n
		}
		return nil
	case atom.Blockquote, atom.Ul, atom.Ol, atom.Table, atom.Figure, atom.Pre, atom.Details, atom.Aside:
		return nil
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if p := firstParagraph(c); p != nil {
			return p
		}
	}
	return nil
}

// hasWords reports whether n holds text of its own, not only images.
func hasWords(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			return true
		}
		if c.Type == html.ElementNode && hasWords(c) {
			return true
		}
	}
	return false
}

// dropNoteRefs removes the footnote numbers UnlinkNotes left in n.
func dropNoteRefs(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && c.DataAtom == atom.Sup && slices.Contains(c.Attr, html.Attribute{Key: "class", Val: "footnote-ref"}) {
			n.RemoveChild(c)
		} else {
			dropNoteRefs(c)
		}
		c = next
	}
}
