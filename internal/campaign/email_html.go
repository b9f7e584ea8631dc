package campaign

import (
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	texttemplate "text/template"

	"github.com/vanng822/go-premailer/premailer"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"herald/internal/mail"
	"herald/internal/markup"
)

// renderHTML runs the layout once, inlines its CSS (many mail clients drop
// <style>), makes every link absolute and cuts the result at the markers.
func renderHTML(t *template.Template, v *view, base *url.URL) ([]mail.Segment, error) {
	out, err := bounded(func(w io.Writer) error { return t.Execute(w, v) })
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	out, err = inlineCSS(out)
	if err != nil {
		return nil, err
	}
	out, greetings, err := finishHTML(out, base, v.markers)
	if err != nil {
		return nil, err
	}
	segs, err := split(out, v.markers, func(code byte) (mail.Segment, bool) {
		switch code {
		case markGreeting:
			return mail.Segment{Slot: slotNames()[slotNameHTML], Before: v.T.Hello + " ", After: ","}, true
		case markUnsubscribe:
			return mail.Segment{Slot: slotNames()[slotUnsubscribeHTML]}, true
		case markPreferences:
			return mail.Segment{Slot: slotNames()[slotPreferencesHTML]}, true
		}
		return mail.Segment{}, false
	})
	if err != nil {
		return nil, err
	}
	return withGreetingElements(segs, greetings), nil
}

// textWidth is the column the text part is wrapped at: mail programs show
// it in a fixed-width font as it comes, in windows of about 78 columns,
// and quoting it in a reply adds a few more.
const textWidth = 72

// renderText runs the embedded plain-text layout, which no one customises:
// the text part is for readers who want the words, not the design. Its
// content is laid out here, once per campaign, not per message.
func renderText(v *view) ([]mail.Segment, error) {
	wrap := func(s string) string { return markup.Wrap(s, textWidth) }
	t, err := texttemplate.New("email.txt").Funcs(texttemplate.FuncMap{"wrap": wrap}).
		ParseFS(emailTemplates, "templates/email.txt")
	if err != nil {
		return nil, fmt.Errorf("text template: %w", err)
	}
	tv := v.text()
	out, err := bounded(func(w io.Writer) error { return t.Execute(w, tv) })
	if err != nil {
		return nil, fmt.Errorf("text template: %w", err)
	}
	return split(out, v.markers, func(code byte) (mail.Segment, bool) {
		switch code {
		case markGreeting:
			return mail.Segment{Slot: slotNames()[slotName], Before: v.T.Hello + " ", After: ",\n\n"}, true
		case markUnsubscribe:
			return mail.Segment{Slot: slotNames()[slotUnsubscribe]}, true
		case markPreferences:
			return mail.Segment{Slot: slotNames()[slotPreferences]}, true
		}
		return mail.Segment{}, false
	})
}

// inlineCSS moves the rules of <style> elements into style attributes.
// Rules that cannot be inlined, such as media queries, stay in <style> for
// the clients that read it.
func inlineCSS(doc string) (out string, err error) {
	defer func() {
		// The CSS comes from editors; a parser bug it triggers must fail
		// this campaign, not the process.
		if r := recover(); r != nil {
			err = fmt.Errorf("inline CSS: %v", r)
		}
	}()
	p, err := premailer.NewPremailerFromString(doc, premailer.NewOptions())
	if err != nil {
		return "", fmt.Errorf("inline CSS: %w", err)
	}
	out, err = p.Transform()
	if err != nil {
		return "", fmt.Errorf("inline CSS: %w", err)
	}
	return out, nil
}

// finishHTML makes links absolute and checks where the markers stand. A
// name or link is HTML-escaped per message, which is only safe in text
// and in a whole href: in a script, a style or an event handler it could
// run, and a name in an href could become a javascript: link.
// It also returns the elements that hold the greeting alone (see
// greetingElement).
func finishHTML(src string, base *url.URL, m markers) (string, []greetingElement, error) {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", nil, fmt.Errorf("html: %w", err)
	}
	unsubscribe := false
	var holders []*html.Node
	var check func(n *html.Node) error
	check = func(n *html.Node) error {
		switch n.Type {
		case html.TextNode:
			if strings.Contains(n.Data, m.prefix) && n.Parent != nil && rawText(n.Parent.DataAtom) {
				return fmt.Errorf("template puts the greeting or a link inside <%s>", n.Parent.Data)
			}
			if strings.TrimSpace(n.Data) == m.of(markGreeting) && n.PrevSibling == nil && n.NextSibling == nil &&
				n.Parent != nil && n.Parent.Namespace == "" && droppable(n.Parent.DataAtom) {
				holders = append(holders, n.Parent)
			}
		case html.CommentNode:
			if strings.Contains(n.Data, m.prefix) {
				return fmt.Errorf("template puts the greeting or a link inside a comment")
			}
		case html.ElementNode:
			for _, a := range n.Attr {
				if !strings.Contains(a.Val, m.prefix) {
					continue
				}
				link := a.Val == m.of(markUnsubscribe) || a.Val == m.of(markPreferences)
				if n.DataAtom != atom.A || a.Key != "href" || !link {
					return fmt.Errorf("template puts the greeting or a link in <%s %s>; only a whole <a href> may hold .UnsubscribeURL or .PreferencesURL", n.Data, a.Key)
				}
				unsubscribe = unsubscribe || a.Val == m.of(markUnsubscribe)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if err := check(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := check(doc); err != nil {
		return "", nil, err
	}
	if !unsubscribe {
		return "", nil, fmt.Errorf(`template has no unsubscribe link: add <a href="{{.UnsubscribeURL}}">`)
	}
	resolveLinks(doc, siteRoot(base), m.prefix, true)
	var b strings.Builder
	if err := html.Render(&b, doc); err != nil {
		return "", nil, fmt.Errorf("html: %w", err)
	}
	var greetings []greetingElement
	for _, h := range holders {
		var e strings.Builder
		if err := html.Render(&e, h); err != nil {
			return "", nil, fmt.Errorf("html: %w", err)
		}
		open, end, _ := strings.Cut(e.String(), m.of(markGreeting))
		greetings = append(greetings, greetingElement{open: open, end: end})
	}
	return b.String(), greetings, nil
}

// greetingElement is an element of a layout that holds the greeting and
// nothing else, such as the default <p class="greeting">, as rendered
// before and after it. It goes with the greeting, so that a subscriber
// without a name gets no empty paragraph whose margin leaves a gap.
type greetingElement struct {
	open, end string
}

// droppable reports whether an element holding only the greeting can be
// left out with it without changing the layout around it, unlike a table
// cell or a list item.
func droppable(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Span, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// withGreetingElements moves the tags of the elements that hold the
// greeting alone from the static text around it into the greeting's
// slot, whose Before and After are left out when there is no name.
func withGreetingElements(segs []mail.Segment, greetings []greetingElement) []mail.Segment {
	name := slotNames()[slotNameHTML]
	for i := 1; i+1 < len(segs); i++ {
		prev, seg, next := &segs[i-1], &segs[i], &segs[i+1]
		if seg.Slot != name || prev.Slot != "" || next.Slot != "" {
			continue
		}
		for _, g := range greetings {
			if strings.HasSuffix(prev.Text, g.open) && strings.HasPrefix(next.Text, g.end) {
				prev.Text = strings.TrimSuffix(prev.Text, g.open)
				next.Text = strings.TrimPrefix(next.Text, g.end)
				seg.Before, seg.After = g.open+seg.Before, seg.After+g.end
				break
			}
		}
	}
	return segs
}

// rawText reports whether text inside the element is not HTML-decoded, so
// that HTML-escaping a value placed there does not make it safe.
func rawText(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Xmp, atom.Iframe, atom.Noembed, atom.Noframes, atom.Noscript, atom.Plaintext:
		return true
	}
	return false
}

// absolutize makes the links and images of an HTML fragment absolute: in
// an email there is no page to be relative to; it also fits its images to
// the column (see fitImages). page is the address the
// fragment was written for, which its relative links are read against:
// an article's own URL for its body, as a browser on the site reads them.
// anchors keeps links to a place in the fragment itself (#notes) as they
// are; without it they lead to that place on page. It returns nothing if
// the fragment cannot be read, like markup does, rather than half of it.
func absolutize(fragment string, page *url.URL, anchors bool) string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), body)
	if err != nil {
		return ""
	}
	for _, n := range nodes {
		body.AppendChild(n)
	}
	resolveLinks(body, page, "", anchors)
	fitImages(body)
	var b strings.Builder
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return ""
		}
	}
	return b.String()
}

// siteRoot is the site's address with a final slash, so that a relative
// link written for the home page stays under the site's path.
func siteRoot(base *url.URL) *url.URL {
	root := *base
	root.Path = strings.TrimSuffix(root.Path, "/") + "/"
	root.RawPath = ""
	return &root
}

// resolveLinks rewrites relative href and src attributes against page,
// leaving values holding a marker alone, and in-page anchors too when
// anchors is set. Absolute URLs, mailto: and tel: links have a scheme and
// stay as they are.
func resolveLinks(n *html.Node, page *url.URL, marker string, anchors bool) {
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for i, a := range n.Attr {
			if a.Namespace != "" || (a.Key != "href" && a.Key != "src") {
				continue
			}
			v := strings.TrimSpace(a.Val)
			if v == "" || (anchors && v[0] == '#') || (marker != "" && strings.Contains(v, marker)) {
				continue
			}
			if u, err := url.Parse(v); err == nil && !u.IsAbs() {
				n.Attr[i].Val = page.ResolveReference(u).String()
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
}

// split cuts rendered output at the markers into static text and slots.
func split(s string, m markers, slot func(code byte) (mail.Segment, bool)) ([]mail.Segment, error) {
	var segs []mail.Segment
	for {
		i := strings.Index(s, m.prefix)
		if i < 0 {
			break
		}
		if i > 0 {
			segs = append(segs, mail.Segment{Text: s[:i]})
		}
		end := i + len(m.prefix)
		if end >= len(s) {
			return nil, fmt.Errorf("template cuts the greeting or a link short")
		}
		seg, ok := slot(s[end])
		if !ok {
			return nil, fmt.Errorf("template cuts the greeting or a link short")
		}
		segs = append(segs, seg)
		s = s[end+1:]
	}
	if s != "" {
		segs = append(segs, mail.Segment{Text: s})
	}
	return segs, nil
}
