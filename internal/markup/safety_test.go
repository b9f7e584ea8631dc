package markup

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The checks below are written from the browser's side, independently of
// the package's own URL handling, so a mistake there is not repeated here.

// forbiddenElement reports whether an element could run code, load
// something, submit data or change how the page around the content behaves;
// none may appear in rendered output.
func forbiddenElement(name string) bool {
	switch name {
	case "script", "style", "iframe", "frame", "frameset", "object",
		"embed", "applet", "param", "form", "input", "button", "select",
		"textarea", "option", "meta", "link", "base", "video", "audio",
		"source", "track", "picture", "svg", "math", "canvas",
		"noscript", "template", "portal", "isindex", "marquee", "xmp",
		"plaintext", "noembed", "noframes", "title", "html", "body",
		"head":
		return true
	}
	return false
}

// urlAttr reports whether an attribute holds a URL a browser may follow or
// fetch.
func urlAttr(key string) bool {
	switch key {
	case "href", "src", "action", "formaction", "cite", "poster",
		"background", "data", "srcset", "ping", "lowsrc", "dynsrc",
		"longdesc", "manifest", "codebase", "icon", "usemap", "archive",
		"classid", "xlink:href":
		return true
	}
	return false
}

// loadingAttr reports whether an attribute makes the browser fetch
// something as soon as the page is shown; of those only <img src> is
// allowed, and only for the site's own host.
func loadingAttr(key string) bool {
	switch key {
	case "srcset", "poster", "background", "data", "lowsrc", "dynsrc",
		"ping", "srcdoc", "http-equiv", "imagesrcset":
		return true
	}
	return false
}

// unsafeParts parses rendered output as a browser would (as the content of
// a <body>) and lists everything in it that breaks the safety rules.
func unsafeParts(out string) []string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(out), body)
	if err != nil {
		return []string{"output does not parse: " + err.Error()}
	}
	var bad []string
	for _, n := range nodes {
		bad = append(bad, unsafeNode(n)...)
	}
	return bad
}

func unsafeNode(n *html.Node) []string {
	var bad []string
	if n.Type == html.ElementNode {
		name := n.Data
		if n.Namespace != "" {
			bad = append(bad, fmt.Sprintf("foreign element <%s %s>", n.Namespace, name))
		}
		if forbiddenElement(name) {
			bad = append(bad, fmt.Sprintf("forbidden element <%s>", name))
		}
		for _, a := range n.Attr {
			bad = append(bad, unsafeAttr(n, a)...)
		}
		if name == "a" && pointsElsewhere(attrValue(n, "href")) && attrValue(n, "rel") != "nofollow noopener noreferrer" {
			bad = append(bad, fmt.Sprintf("external link %q without rel (rel=%q)", attrValue(n, "href"), attrValue(n, "rel")))
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		bad = append(bad, unsafeNode(c)...)
	}
	return bad
}

func unsafeAttr(n *html.Node, a html.Attribute) []string {
	key := strings.ToLower(a.Key)
	if a.Namespace != "" {
		key = a.Namespace + ":" + key
	}
	var bad []string
	switch {
	case strings.HasPrefix(key, "on"):
		bad = append(bad, fmt.Sprintf("event handler %s=%q on <%s>", key, a.Val, n.Data))
	case key == "style":
		bad = append(bad, fmt.Sprintf("style=%q on <%s>", a.Val, n.Data))
	case loadingAttr(key):
		bad = append(bad, fmt.Sprintf("loading attribute %s=%q on <%s>", key, a.Val, n.Data))
	}
	if urlAttr(key) {
		switch s := scheme(a.Val); s {
		case "", "http", "https", "mailto":
		default:
			bad = append(bad, fmt.Sprintf("scheme %q in %s=%q on <%s>", s, key, a.Val, n.Data))
		}
	}
	if key == "src" && n.Data != "img" {
		bad = append(bad, fmt.Sprintf("src=%q on <%s>", a.Val, n.Data))
	}
	if key == "src" && n.Data == "img" && pointsElsewhere(a.Val) {
		bad = append(bad, fmt.Sprintf("image from another host: src=%q", a.Val))
	}
	return bad
}

// attrValue returns the value of n's attribute key, or "".
func attrValue(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// browserURL is what a browser actually resolves: surrounding spaces and
// control characters ignored, tabs and newlines removed, backslashes read
// as slashes (as they are for http and https).
func browserURL(v string) string {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(v)
	return v
}

// scheme returns the lower-case scheme of a URL attribute value, or "" for
// a relative URL.
func scheme(v string) string {
	v = browserURL(v)
	for i, r := range v {
		switch {
		case r == ':' && i > 0:
			return strings.ToLower(v[:i])
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && ('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return ""
		}
	}
	return ""
}

// pointsElsewhere reports whether a URL on a page of the site could reach a
// host other than siteHost. It errs towards "yes": "https:x" counts as host
// x even though an https page would treat it as a path.
func pointsElsewhere(v string) bool {
	v = browserURL(v)
	var rest string
	switch s := scheme(v); s {
	case "":
		if !strings.HasPrefix(v, "//") {
			return false
		}
		rest = v
	case "http", "https":
		rest = v[len(s)+1:]
	default:
		return s != "mailto"
	}
	rest = strings.TrimLeft(rest, "/")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[i:], "]") {
		rest = rest[:i]
	}
	return strings.ToLower(rest) != siteHost
}

func TestHTMLSanitisesPayloads(t *testing.T) {
	r := New(site)
	for _, p := range xssPayloads() {
		got := r.HTML(p)
		for _, bad := range unsafeParts(got) {
			t.Errorf("HTML(%q) = %q\n has %s; want no unsafe markup", p, got, bad)
		}
	}
}

func TestUnsafePartsFindsProblems(t *testing.T) {
	// The checker itself must catch what it is meant to catch, or every
	// sanitising test passes for the wrong reason.
	tests := []string{
		`<script>x</script>`,
		`<p onclick="x">a</p>`,
		`<p style="color:red">a</p>`,
		`<a href="javascript:x">a</a>`,
		`<a href=" JaVa&#x09;Script:x">a</a>`,
		`<a href="data:text/html,x">a</a>`,
		`<img src="https://tracker.example/p.gif">`,
		`<img src="//tracker.example/p.gif">`,
		`<img src="\\tracker.example\p.gif">`,
		`<img src="https:/\tracker.example/p.gif">`,
		`<img src="https://news.example.org@tracker.example/p.gif">`,
		`<img srcset="/a.png 1x">`,
		`<iframe src="/x"></iframe>`,
		`<svg><a href="/x">a</a></svg>`,
		`<meta http-equiv="refresh" content="0">`,
		`<a href="https://gov.example/">no rel</a>`,
	}
	for _, in := range tests {
		if bad := unsafeParts(in); len(bad) == 0 {
			t.Errorf("unsafeParts(%q) found nothing; want at least one problem", in)
		}
	}
	for _, in := range []string{
		`<p><a href="/x">a</a> <a href="mailto:a@b.c">m</a> <img src="/a.png"></p>`,
		`<img src="https://news.example.org:443/a.png"><a href="#top">t</a>`,
		`<a href="https://gov.example/" rel="nofollow noopener noreferrer">g</a>`,
	} {
		if bad := unsafeParts(in); len(bad) != 0 {
			t.Errorf("unsafeParts(%q) = %q; want nothing", in, bad)
		}
	}
}
