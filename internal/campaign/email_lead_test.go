package campaign

import (
	"strings"
	"testing"

	"herald/internal/markup"
)

// TestTeaserStandsInWithTheFirstParagraph: a teaser of an article without
// a standfirst shows the article's opening paragraph, not a heading, a
// picture's description or a list that comes before it.
func TestTeaserStandsInWithTheFirstParagraph(t *testing.T) {
	for _, body := range []string{
		"<h2>Background</h2><p>The bridge closed in 2024.</p>",
		`<p><img src="/b.jpg" alt="The bridge at dawn"></p><p>The bridge closed in 2024.</p>`,
		"<figure><img src=\"/b.jpg\" alt=\"x\"><figcaption>Photo: Port</figcaption></figure><ul><li>one</li></ul><p>The bridge closed in <em>2024</em>.</p>",
		// A note's number would point at a list the teaser does not show.
		markup.New(testBase).HTML("The bridge closed in 2024.[^1]\n\n[^1]: For repairs."),
	} {
		c := teaserCompose()
		c.Articles[0].Standfirst = ""
		c.Articles[0].BodyHTML = body
		_, p := render(t, c, testRecipient())
		want := "Harbour bridge reopens to traffic\nBy Maya Lindqvist\n\nThe bridge closed in 2024.\n\nRead more:"
		if !strings.Contains(p.Text, want) {
			t.Errorf("teaser of an article whose body is %q; text part:\n%s\nwant it to hold:\n%s", body, p.Text, want)
		}
		if !strings.Contains(p.HTML, ">The bridge closed in 2024.</p>") {
			t.Errorf("teaser of an article whose body is %q; HTML part lacks the opening paragraph:\n%s", body, p.HTML)
		}
	}
}
