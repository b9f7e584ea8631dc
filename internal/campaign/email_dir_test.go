package campaign

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

// TestEmailRightToLeft: a newsletter in Arabic is laid out right to left,
// on the wrapper too, since some clients drop the attributes of <html>; an
// article in a language of the other direction says so, and so do the
// newsletter's words beside it.
func TestEmailRightToLeft(t *testing.T) {
	for _, tc := range []struct {
		newsletter, other string
		want              []string
	}{
		{"ar", "en", []string{"html:ar:rtl", "wrapper::rtl", "article:en:ltr", "byline:ar:rtl", "article::", "byline::"}},
		{"en", "he", []string{"html:en:ltr", "wrapper::ltr", "article:he:rtl", "byline:en:ltr", "article::", "byline::"}},
	} {
		c := fullCompose()
		c.Newsletter.Language = tc.newsletter
		c.Articles[0].Language = tc.other
		c.Articles[1].Language = tc.newsletter
		_, p := render(t, c, testRecipient())
		doc, err := html.Parse(strings.NewReader(p.HTML))
		if err != nil {
			t.Fatalf("parse HTML part: %v", err)
		}
		var got []string
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				name := attr(n, "class")
				if n.Data == "html" {
					name = "html"
				}
				switch name {
				case "html", "wrapper", "article", "byline":
					got = append(got, name+":"+attr(n, "lang")+":"+attr(n, "dir"))
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("newsletter in %s, first article in %s: lang and dir (-want +got):\n%s", tc.newsletter, tc.other, diff)
		}
	}
}
