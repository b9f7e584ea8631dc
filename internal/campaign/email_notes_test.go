package campaign

import (
	"strings"
	"testing"

	"herald/internal/markup"
)

// TestEmailFootnotes: mail programs follow links within a message
// unreliably, so notes in an email are plain numbers and a list at the
// article's end, in the HTML part as in the text part.
func TestEmailFootnotes(t *testing.T) {
	md := markup.New(testBase)
	c := fullCompose()
	c.Campaign.Markdown = "Welcome[^w].\n\n[^w]: To the new format."
	c.Articles[0].BodyHTML = md.HTML("The bus crossed[^1] at dawn[^2].\n\n[^1]: Route 7.\n[^2]: At 6:12.")
	_, p := render(t, c, testRecipient())

	for _, want := range []string{"crossed<sup", ">1</sup> at dawn<sup", ">2</sup>.", "<li", "Route 7.", "At 6:12.", "To the new format."} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, p.HTML)
		}
	}
	for _, bad := range []string{"fn:", "fnref", "↩", "aria-describedby", "notes:label"} {
		if strings.Contains(p.HTML, bad) {
			t.Errorf("HTML part has %q, a link or label within the message:\n%s", bad, p.HTML)
		}
	}
	for _, want := range []string{"Welcome[1].", "[1] To the new format.", "The bus crossed[1] at dawn[2].", "[1] Route 7.\n[2] At 6:12."} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, p.Text)
		}
	}
	if strings.Contains(p.Text, "↩") || strings.Contains(p.Text, "#") {
		t.Errorf("text part has a back-link or fragment:\n%s", p.Text)
	}
}
