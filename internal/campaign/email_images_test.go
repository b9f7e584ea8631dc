package campaign

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

// TestEmailImagesHaveAWidth: Outlook on Windows ignores max-width and shows
// an image at its own size, so a photo wider than the column breaks the
// layout. Every image in an article or the campaign's text gets a width
// attribute no wider than the column; a narrower one keeps its own, and
// the height of one made narrower follows.
func TestEmailImagesHaveAWidth(t *testing.T) {
	c := fullCompose()
	c.Campaign.Markdown = "![Map of the harbour](/media/map.png)"
	c.Articles[0].BodyHTML = `<p><img src="/a.jpg" alt="A"></p>` +
		`<p><img src="/b.jpg" alt="B" width="1072" height="800"></p>` +
		`<p><img src="/c.jpg" alt="C" width="120" height="40"></p>`
	_, p := render(t, c, testRecipient())
	doc, err := html.Parse(strings.NewReader(p.HTML))
	if err != nil {
		t.Fatalf("parse HTML part: %v", err)
	}
	var got []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "img" {
			got = append(got, attr(n, "alt")+":"+attr(n, "width")+"x"+attr(n, "height"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	want := []string{"Map of the harbour:536x", "A:536x", "B:536x400", "C:120x40"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("images' alt:width x height (-want +got):\n%s", diff)
	}
}
