package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"herald/internal/article"
	"herald/internal/user"
)

// parsePage parses a page the way a browser and a screen reader get it.
func parsePage(t *testing.T, what string, r response) *html.Node {
	t.Helper()
	mustStatus(t, what, r, http.StatusOK)
	doc, err := html.Parse(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("parse %s: %v", what, err)
	}
	return doc
}

// findAll returns the elements under n for which match holds, in order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// byTag matches elements by tag name.
func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

// textOf is the text inside n, spaces collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// langOf is the language a screen reader speaks n in: the nearest lang.
func langOf(n *html.Node) string {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode {
			if l, ok := attrOK(n, "lang"); ok {
				return l
			}
		}
	}
	return ""
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// The wording of the signup box in each language is marked as that
// language; the labels around it are the app's English, and a screen
// reader must not read them with a French voice.
func TestSettingsMarkTheLanguageOfTheWordingNotOfTheLabels(t *testing.T) {
	e := newEnv(t)
	if err := e.st.SetSetting(context.Background(), settingLanguages, "en,fr"); err != nil {
		t.Fatal(err)
	}
	doc := parsePage(t, "GET /admin/settings", e.as(t, user.Owner).get("/admin/settings"))
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Data == "label" || n.Data == "legend" || n.Data == "h2" }) {
		if l := langOf(n); l != "en" {
			t.Errorf("GET /admin/settings: <%s>%s</%s> is in language %q; want en", n.Data, textOf(n), n.Data, l)
		}
	}
	for _, name := range []string{"heading_fr", "intro_fr", "button_fr", "consent_fr"} {
		fields := findAll(doc, func(n *html.Node) bool { return attr(n, "name") == name })
		if len(fields) != 1 || langOf(fields[0]) != "fr" {
			t.Errorf("GET /admin/settings: field %s is not marked French (found %d)", name, len(fields))
		}
	}
}

// The original shown beside a translation is marked as its language, and
// the English heading above it is not.
func TestTranslationShowsTheOriginalInItsLanguage(t *testing.T) {
	e := newEnv(t)
	if err := e.st.SetSetting(context.Background(), settingLanguages, "en,fr"); err != nil {
		t.Fatal(err)
	}
	e.publish(t, article.Article{Title: "Les marchés de nuit", Slug: "marches-de-nuit", Language: "fr", Body: "Les étals sont de retour."})
	path := "/admin/articles/new?language=en&translation_of=marches-de-nuit"
	doc := parsePage(t, "GET "+path, e.as(t, user.Editor).get(path))
	heading := findAll(doc, func(n *html.Node) bool { return attr(n, "id") == "compare-title" })
	if len(heading) != 1 {
		t.Fatalf("GET %s: no heading over the original", path)
	}
	if l := langOf(heading[0]); l != "en" {
		t.Errorf("GET %s: heading %q is in language %q; want en", path, textOf(heading[0]), l)
	}
	title := findAll(doc, func(n *html.Node) bool { return n.Data == "h3" && textOf(n) == "Les marchés de nuit" })
	if len(title) != 1 || langOf(title[0]) != "fr" {
		t.Errorf("GET %s: the original's title is not marked French", path)
	}
}

// Each row's buttons on the staff page say whose account they change: a
// screen reader's list of buttons shows them without their table row.
func TestStaffButtonsNameTheAccount(t *testing.T) {
	e := newEnv(t)
	owner := e.as(t, user.Owner)
	if r := owner.post(fmt.Sprintf("/admin/staff/%d/access", e.staff[user.Viewer].ID), url.Values{"access": {"disable"}}); r.status != http.StatusSeeOther {
		t.Fatalf("disable the viewer: status %d", r.status)
	}
	doc := parsePage(t, "GET /admin/staff", owner.get("/admin/staff"))
	seen := map[string]int{}
	for _, b := range findAll(doc, byTag("button")) {
		seen[textOf(b)]++
	}
	for name, n := range seen {
		if n > 1 {
			t.Errorf("GET /admin/staff: %d buttons are named %q; want each to name its account", n, name)
		}
	}
	for _, want := range []string{"Enable " + e.staff[user.Viewer].Email, "Disable " + e.staff[user.Editor].Email,
		"Change the role of " + e.staff[user.Author].Email} {
		if seen[want] != 1 {
			t.Errorf("GET /admin/staff: no button named %q", want)
		}
	}
}
