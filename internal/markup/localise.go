package markup

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// externalRel is what a link leaving the site carries: no ranking credit
// for whatever an article links to, no window.opener for the target, and no
// Referer telling third parties which article a reader came from.
const externalRel = "nofollow noopener noreferrer"

// localise finishes sanitised HTML with the rules that depend on the site's
// own host, which a generic sanitiser cannot express: an image is kept only
// when it lives on the site (otherwise loading the page would tell another
// host who is reading what), and links to other hosts get externalRel.
//
// It works on the parsed tree rather than on text so that it sees attribute
// values exactly as a browser will, entities decoded. Rendering the tree back
// also normalises the markup. Any failure returns nothing: the input is
// already sanitised, but an unchecked image would break the privacy promise.
func (r *Renderer) localise(sanitised []byte) string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(string(sanitised)), body)
	if err != nil {
		return ""
	}
	var out strings.Builder
	for _, n := range nodes {
		body.AppendChild(n)
	}
	r.localiseNode(body)
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&out, c); err != nil {
			return ""
		}
	}
	return out.String()
}

// localiseNode applies localise's rules to n's subtree.
func (r *Renderer) localiseNode(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case c.Type != html.ElementNode:
		case c.DataAtom == atom.Img && !r.onSite(attr(c, "src")):
			dropImage(c)
		case c.DataAtom == atom.A:
			r.markExternal(c)
		}
		if c.Parent == n {
			r.localiseNode(c)
		}
		c = next
	}
}

// dropImage replaces an image that would load from elsewhere with its alt
// text, so the sentence around it still reads and nothing is fetched.
func dropImage(img *html.Node) {
	if alt := strings.TrimSpace(attr(img, "alt")); alt != "" {
		img.Parent.InsertBefore(&html.Node{Type: html.TextNode, Data: alt}, img)
	}
	img.Parent.RemoveChild(img)
}

// markExternal sets rel on a link that leaves the site and removes any rel
// otherwise, so the attribute always reflects where the link goes.
func (r *Renderer) markExternal(a *html.Node) {
	href, ok := attrOK(a, "href")
	external := ok && !r.onSite(href) && !isMailto(href)
	kept := a.Attr[:0]
	for _, at := range a.Attr {
		if at.Namespace == "" && at.Key == "rel" {
			continue
		}
		kept = append(kept, at)
	}
	a.Attr = kept
	if external {
		a.Attr = append(a.Attr, html.Attribute{Key: "rel", Val: externalRel})
	}
}

// onSite reports whether a browser showing a page of the site would resolve
// raw to the site itself: a path, query or fragment relative URL, or an http
// or https URL on the site's host. Anything it cannot read with certainty,
// including URLs without a host such as "https:evil.example", counts as
// elsewhere.
func (r *Renderer) onSite(raw string) bool {
	s := browserForm(raw)
	if s == "" {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return false
	}
	switch u.Scheme {
	case "":
		if !strings.HasPrefix(s, "//") {
			return true
		}
	case "http", "https":
	default:
		return false
	}
	return r.host != "" && u.Host != "" && strings.ToLower(u.Hostname()) == r.host
}

// browserForm rewrites raw the way a browser reads a URL attribute on an
// http(s) page before resolving it: surrounding control characters and
// spaces are ignored, tabs and newlines anywhere are dropped, and
// backslashes mean slashes. Without this, "\\evil.example/x.png" would look
// like a relative path to Go's url package but load from evil.example.
func browserForm(raw string) string {
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= 0x20 })
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, s)
	return s
}

// isMailto reports whether href is an email link, which leaves the site but
// is not navigation and so needs no rel.
func isMailto(href string) bool {
	s := strings.ToLower(browserForm(href))
	return strings.HasPrefix(s, "mailto:")
}

// attr returns the value of n's attribute key, or "" when it is absent.
func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

// attrOK returns the value of n's attribute key and whether it is present.
func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}
