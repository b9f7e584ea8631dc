package markup

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockText renders n's children as a container of their own.
func blockText(n *html.Node, inItem bool, l layout) string {
	b := textBuilder{inItem: inItem, layout: l}
	b.walkChildren(n)
	return b.String()
}

// listText renders a list one item per line, "- " before each item of an
// unordered list and its number before each item of an ordered one, which
// counts from its start attribute: a ranking or a set of steps is read,
// and referred to, by its numbers. Stray content between items (old
// editors put nested lists straight into <ul>) is indented under the item
// before it. The list of an article's footnotes is numbered "[1]" like
// the references to it.
func listText(list *html.Node, l layout) string {
	ordered := list.DataAtom == atom.Ol
	notes := ordered && isNotes(list.Parent)
	n := 1
	if v, err := strconv.Atoi(attr(list, "start")); ordered && err == nil {
		n = v
	}
	var items []string
	indent := "  "
	for c := list.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Li && c.Namespace == "" {
			marker := "- "
			switch {
			case notes:
				marker = "[" + strconv.Itoa(n) + "] "
				n++
			case ordered:
				marker = strconv.Itoa(n) + ". "
				n++
			}
			if t := itemText(c, marker, l); t != "" {
				items = append(items, t)
				indent = strings.Repeat(" ", len(marker))
			}
			continue
		}
		b := textBuilder{inItem: true, layout: l.inside(len(indent))}
		b.walk(c)
		t := b.String()
		switch {
		case strings.TrimSpace(t) == "":
		case len(items) == 0:
			items = append(items, t)
		default:
			items[len(items)-1] += "\n" + prefixLines(t, indent, "")
		}
	}
	return strings.Join(items, "\n")
}

// itemText renders one list item as marker and its first line, with later
// lines indented to line up under the text.
func itemText(li *html.Node, marker string, l layout) string {
	t := blockText(li, true, l.inside(len(marker)))
	if strings.TrimSpace(t) == "" {
		return ""
	}
	first, rest, _ := strings.Cut(t, "\n")
	if rest == "" {
		return marker + first
	}
	return marker + first + "\n" + prefixLines(rest, strings.Repeat(" ", len(marker)), "")
}

// prefixLines puts prefix before every line of s, or empty before lines
// that are blank, so quoted blank lines are ">" rather than "> ".
func prefixLines(s, prefix, empty string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = empty
		} else {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// preText keeps preformatted text as it is, since in code and poetry the
// line breaks and indentation are the content; only the trailing newline
// that ends every code block is dropped. A styled layout indents it by
// four spaces, which sets it apart from the text around it.
func preText(pre *html.Node, l layout) string {
	t := strings.TrimRight(textContent(pre), " \t\r\n")
	if l.styled {
		t = prefixLines(t, "    ", "")
	}
	return t
}

// headingText renders a heading on lines of its own, underlined as wide
// as its longest line: "=" under <h1>, "-" under the others, as plain-text
// newsletters and Markdown's setext headings do.
func headingText(h *html.Node, l layout) string {
	t := Wrap(collapse(blockText(h, false, layout{})), l.width)
	if t == "" {
		return ""
	}
	rule := "-"
	if h.DataAtom == atom.H1 {
		rule = "="
	}
	w := 0
	for line := range strings.SplitSeq(t, "\n") {
		w = max(w, columns(line))
	}
	return t + "\n" + strings.Repeat(rule, w)
}

// isHeading reports whether a is one of <h1> to <h6>.
func isHeading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// tableText renders a table a row per line with cells separated by " | ",
// which survives any width of text view better than padded columns.
func tableText(table *html.Node) string {
	var rows []string
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || c.Namespace != "" {
				continue
			}
			switch c.DataAtom {
			case atom.Caption:
				if t := collapse(blockText(c, false, layout{})); t != "" {
					rows = append(rows, t)
				}
			case atom.Thead, atom.Tbody, atom.Tfoot:
				visit(c)
			case atom.Tr:
				if row := rowText(c); row != "" {
					rows = append(rows, row)
				}
			}
		}
	}
	visit(table)
	return strings.Join(rows, "\n")
}

// rowText renders one table row, each cell flattened to a single line.
func rowText(tr *html.Node) string {
	var cells []string
	empty := true
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || (c.DataAtom != atom.Td && c.DataAtom != atom.Th) {
			continue
		}
		t := collapse(blockText(c, false, layout{}))
		if t != "" {
			empty = false
		}
		cells = append(cells, t)
	}
	if empty {
		return ""
	}
	return strings.Join(cells, " | ")
}

// collapse joins the words of s with single spaces.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, isHTMLSpace), " ")
}

// textContent returns the text of n's subtree as written, with images
// standing in as their alt text and non-content elements left out.
func textContent(n *html.Node) string {
	var b strings.Builder
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
			return
		case n.Type != html.ElementNode:
			return
		case n.DataAtom == atom.Img:
			b.WriteString(" " + attr(n, "alt") + " ")
			return
		case n.DataAtom == atom.Script || n.DataAtom == atom.Style || n.DataAtom == atom.Template:
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		visit(c)
	}
	return b.String()
}

// isBlock reports whether an element starts and ends a paragraph of text.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Html, atom.Body, atom.P, atom.Div, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6, atom.Section, atom.Article, atom.Aside,
		atom.Header, atom.Footer, atom.Nav, atom.Main, atom.Figure,
		atom.Figcaption, atom.Address, atom.Details, atom.Summary, atom.Dl,
		atom.Dt, atom.Dd, atom.Hgroup, atom.Fieldset, atom.Form, atom.Caption,
		atom.Center, atom.Legend:
		return true
	}
	return false
}
