package campaign

import (
	"bytes"
	"flag"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"herald/internal/article"
	"herald/internal/mail"
	"herald/internal/subscriber"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const testBase = "https://news.example.org"

func fullCompose() Compose {
	return Compose{
		SiteName: "Harbour Times",
		BaseURL:  testBase + "/",
		Newsletter: subscriber.Newsletter{
			ID: 3, Slug: "morning", Name: "Morning Briefing", Language: "en",
			SenderName: "Harbour Times Morning", SenderEmail: "morning@news.example.org", ReplyTo: "desk@news.example.org",
		},
		Campaign: Campaign{
			ID: 42, NewsletterID: 3, Subject: "Bridge reopens, ferries change", Preheader: "And what the new timetable means for you",
			ArticleMode: Full, ArticleIDs: []int64{1, 2},
		},
		Articles: []article.Article{
			{
				ID: 1, Slug: "harbour-bridge-reopens", Title: "Harbour bridge reopens to traffic",
				Standfirst: "The first buses crossed this morning.",
				BodyHTML:   "<p>The first bus crossed at 6:12 this morning. Read about <a href=\"/articles/ferry-timetable\">the ferries</a>.</p>\n<p><img src=\"/media/bridge.jpg\" alt=\"The bridge\"></p>\n",
				Authors:    []article.Author{{Name: "Maya Lindqvist", Slug: "maya-lindqvist"}},
				Section:    "Local", PublishedAt: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC),
			},
			{
				ID: 2, Slug: "ferry-timetable", Title: "Ferries: what changes on Monday",
				BodyHTML: "<p>Three crossings move by ten minutes.<sup id=\"0a1b2c3d-fnref:1\"><a aria-describedby=\"notes:label\" class=\"footnote-ref\" href=\"#0a1b2c3d-fn:1\" role=\"doc-noteref\">1</a></sup></p>\n<ul>\n<li>Early boat: 6:10</li>\n<li>Late boat: 23:40</li>\n</ul>\n" +
					"<div class=\"footnotes\" role=\"doc-endnotes\" aria-labelledby=\"notes:label\">\n<hr/>\n<ol>\n<li id=\"0a1b2c3d-fn:1\">\n<p>From the port authority.\u00a0<a class=\"footnote-backref\" href=\"#0a1b2c3d-fnref:1\" role=\"doc-backlink\">↩︎</a></p>\n</li>\n</ol>\n</div>\n",
				Authors:     []article.Author{{Name: "Ann Ek"}, {Name: "Bo Li"}, {Name: "Zoë Ström"}},
				PublishedAt: time.Date(2026, 11, 29, 7, 0, 0, 0, time.UTC),
			},
		},
		From:    mail.Address{Name: "Harbour Times", Email: "news@news.example.org"},
		ReplyTo: mail.Address{Email: "letters@news.example.org"},
	}
}

func teaserCompose() Compose {
	c := fullCompose()
	c.Newsletter = subscriber.Newsletter{ID: 4, Slug: "weekly", Name: "The Weekly", Language: "en"}
	c.Campaign.ID = 43
	c.Campaign.Subject = "This week: the bridge, the ferries — and you"
	c.Campaign.ArticleMode = Teaser
	c.Campaign.Markdown = "Good morning.\n\nThis week we followed **the bridge** closely. See [our guide](/guides/bridge) or [the map](https://maps.example.com/harbour).\n"
	return c
}

func testRecipient() Recipient {
	return Recipient{
		SubscriberID:   7,
		Email:          "zoe@example.org",
		Name:           `<b>Zoë & "Co"</b>`,
		UnsubscribeURL: testBase + "/unsubscribe/AQIH-x_9",
		PreferencesURL: testBase + "/preferences/AQIH-x_9?tab=newsletters&lang=en",
		MessageID:      "c42.s7@news.example.org",
		Date:           time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC),
	}
}

func render(t *testing.T, c Compose, r Recipient) ([]byte, mail.ParsedMessage) {
	t.Helper()
	e, err := NewEmail(c)
	if err != nil {
		t.Fatalf("NewEmail: %v", err)
	}
	raw, err := e.Render(nil, r)
	if err != nil {
		t.Fatalf("Render(%+v): %v", r, err)
	}
	p, err := mail.Parse(raw)
	if err != nil {
		t.Fatalf("mail.Parse(Render): %v\n%s", err, raw)
	}
	return raw, p
}

func TestEmailGolden(t *testing.T) {
	for name, c := range map[string]Compose{"email-full": fullCompose(), "email-teaser": teaserCompose()} {
		t.Run(name, func(t *testing.T) {
			got, _ := render(t, c, testRecipient())
			again, _ := render(t, c, testRecipient())
			if !bytes.Equal(got, again) {
				t.Errorf("two NewEmail of one campaign render differently")
			}
			golden := filepath.Join("testdata", name+".eml")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("rendered %s differs from %s (-want +got):\n%s", name, golden, diff)
			}
		})
	}
}

func TestEmailHeaders(t *testing.T) {
	for _, tc := range []struct {
		name    string
		compose Compose
		want    map[string]string
	}{
		{"newsletter sender", fullCompose(), map[string]string{
			"From":     `Harbour Times Morning <morning@news.example.org>`,
			"Reply-To": `<desk@news.example.org>`,
			"List-Id":  "Morning Briefing <morning.news.example.org>", "Feedback-Id": "42:morning:herald:news.example.org",
		}},
		{"site sender", teaserCompose(), map[string]string{
			"From":     `Harbour Times <news@news.example.org>`,
			"Reply-To": `<letters@news.example.org>`,
			"List-Id":  "The Weekly <weekly.news.example.org>", "Feedback-Id": "43:weekly:herald:news.example.org",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRecipient()
			_, p := render(t, tc.compose, r)
			want := map[string]string{
				"To":                    `<b>Zoë & "Co"</b> <zoe@example.org>`,
				"Subject":               tc.compose.Campaign.Subject,
				"Date":                  "Sun, 29 Nov 2026 08:00:00 +0000",
				"Message-Id":            "<c42.s7@news.example.org>",
				"Mime-Version":          "1.0",
				"List-Unsubscribe":      "<" + r.UnsubscribeURL + ">",
				"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
				"Precedence":            "bulk",
				"Auto-Submitted":        "",
			}
			for k, v := range tc.want {
				want[k] = v
			}
			got := map[string]string{}
			for k := range want {
				got[k] = decodeWords(p.Header.Get(k))
			}
			got["Subject"], got["To"], got["From"] = p.Subject, unquote(p.To), unquote(decodeWords(p.Header.Get("From")))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

// decodeWords decodes RFC 2047 words in a header value.
func decodeWords(v string) string {
	var d mime.WordDecoder
	if s, err := d.DecodeHeader(v); err == nil {
		return s
	}
	return v
}

// unquote drops the quotes around a display name, which only encode it.
func unquote(v string) string {
	if name, addr, ok := strings.Cut(v, `" <`); ok && strings.HasPrefix(name, `"`) {
		return strings.ReplaceAll(strings.ReplaceAll(name[1:], `\"`, `"`), `\\`, `\`) + " <" + addr
	}
	return v
}

func TestEmailContent(t *testing.T) {
	r := testRecipient()
	_, full := render(t, fullCompose(), r)
	_, teaser := render(t, teaserCompose(), r)
	for name, p := range map[string]mail.ParsedMessage{"full": full, "teaser": teaser} {
		checkLinks(t, name, p.HTML)
		for _, want := range []string{
			`Hello &lt;b&gt;Zoë &amp; &#34;Co&#34;&lt;/b&gt;,`,
			`href="` + testBase + `/unsubscribe/AQIH-x_9"`,
			`href="` + testBase + `/preferences/AQIH-x_9?tab=newsletters&amp;lang=en"`,
			`href="` + testBase + `/articles/harbour-bridge-reopens"`,
			`And what the new timetable means for you` + strings.Repeat("\u200c\u00a0", 60) + `</div>`,
			`style="display:none;`,
		} {
			if !strings.Contains(p.HTML, want) {
				t.Errorf("%s HTML part lacks %q:\n%s", name, want, p.HTML)
			}
		}
		if strings.Contains(p.HTML, "<b>Zoë") {
			t.Errorf("%s HTML part has the name unescaped", name)
		}
		for _, want := range []string{
			"Hello <b>Zoë & \"Co\"</b>,\n\n",
			"Unsubscribe:\n" + r.UnsubscribeURL + "\n",
			r.PreferencesURL,
			"Harbour bridge reopens to traffic\nBy Maya Lindqvist\n",
			testBase + "/articles/ferry-timetable",
		} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("%s text part lacks %q:\n%s", name, want, p.Text)
			}
		}
		checkInlined(t, name, p.HTML)
	}
	for _, want := range []string{"By Ann Ek, Bo Li and Zoë Ström", "Early boat: 6:10", `src="` + testBase + `/media/bridge.jpg"`} {
		if !strings.Contains(full.HTML, want) {
			t.Errorf("full HTML part lacks %q", want)
		}
	}
	for _, want := range []string{"The first buses crossed this morning.", "Read more", "<strong>the bridge</strong>", `href="` + testBase + `/guides/bridge"`} {
		if !strings.Contains(teaser.HTML, want) {
			t.Errorf("teaser HTML part lacks %q", want)
		}
	}
	if strings.Contains(teaser.HTML, "Early boat") || strings.Contains(teaser.Text, "Early boat") {
		t.Errorf("teaser email holds a whole article")
	}
	if !strings.Contains(teaser.Text, "Three crossings move by ten minutes.\n\nRead more: "+testBase+"/articles/ferry-timetable") {
		t.Errorf("teaser text part lacks the excerpt of an article without standfirst:\n%s", teaser.Text)
	}
}

// checkLinks holds every link and image of an email to an absolute URL.
func checkLinks(t *testing.T, name, src string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("parse %s HTML: %v", name, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for _, a := range n.Attr {
			if (a.Key == "href" || a.Key == "src") && !strings.HasPrefix(a.Val, "https://") {
				t.Errorf("%s: <%s %s=%q> is not absolute", name, n.Data, a.Key, a.Val)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// checkInlined checks that the content carries its own styles: the only
// <style> left holds media queries, which cannot be inlined.
func checkInlined(t *testing.T, name, src string) {
	t.Helper()
	for _, tag := range []string{"<p ", "<h2 ", "<td ", "<body ", "<a "} {
		for _, part := range strings.Split(src, tag)[1:] {
			attrs, _, _ := strings.Cut(part, ">")
			if !strings.Contains(attrs, "style=") {
				t.Errorf("%s: %s%s> has no inline style", name, tag, attrs)
			}
		}
	}
	_, css, _ := strings.Cut(src, "<style")
	css, _, _ = strings.Cut(css, "</style>")
	if rest := strings.TrimSpace(css[strings.Index(css, ">")+1:]); !strings.HasPrefix(rest, "@media") || strings.Count(rest, "@media") != 1 {
		t.Errorf("%s: <style> holds more than the media query:\n%s", name, css)
	}
}

func TestEmailWithoutName(t *testing.T) {
	r := testRecipient()
	r.Name = ""
	_, p := render(t, teaserCompose(), r)
	if strings.Contains(p.HTML, "Hello") || strings.Contains(p.Text, "Hello") {
		t.Errorf("email to a subscriber without a name greets someone")
	}
	if !strings.Contains(p.Text, "https://news.example.org\n\nGood morning.") {
		t.Errorf("text part does not start with the content when there is no name:\n%s", p.Text)
	}
	if p.To != "<zoe@example.org>" {
		t.Errorf("To = %q, want <zoe@example.org>", p.To)
	}
}

func TestNewEmailRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Compose)
	}{
		{"relative base URL", func(c *Compose) { c.BaseURL = "/news" }},
		{"base URL of another scheme", func(c *Compose) { c.BaseURL = "ftp://news.example.org" }},
		{"base URL with a query", func(c *Compose) { c.BaseURL = "https://news.example.org/?x=1" }},
		{"empty subject", func(c *Compose) { c.Campaign.Subject = " " }},
		{"subject with LF", func(c *Compose) { c.Campaign.Subject = "Hi\nBcc: x@example.com" }},
		{"newsletter without slug", func(c *Compose) { c.Newsletter.Slug = "" }},
		{"newsletter slug with a space", func(c *Compose) { c.Newsletter.Slug = "a b" }},
		{"invalid sender", func(c *Compose) { c.Newsletter.SenderEmail = "not an address" }},
		{"invalid site sender", func(c *Compose) { c.Newsletter.SenderEmail = ""; c.From.Email = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fullCompose()
			tc.edit(&c)
			if _, err := NewEmail(c); err == nil {
				t.Errorf("NewEmail succeeded, want an error")
			}
		})
	}
}

func TestEmailRenderRefuses(t *testing.T) {
	e, err := NewEmail(fullCompose())
	if err != nil {
		t.Fatalf("NewEmail: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Recipient)
	}{
		{"no date", func(r *Recipient) { r.Date = time.Time{} }},
		{"no message ID", func(r *Recipient) { r.MessageID = "" }},
		{"javascript unsubscribe link", func(r *Recipient) { r.UnsubscribeURL = "javascript:alert(1)" }},
		{"no preferences link", func(r *Recipient) { r.PreferencesURL = "" }},
		{"LF in unsubscribe link", func(r *Recipient) { r.UnsubscribeURL += "\r\nBcc: x@example.com" }},
		{"LF in name", func(r *Recipient) { r.Name = "Zoë\nBcc: x@example.com" }},
		{"two addresses", func(r *Recipient) { r.Email = "zoe@example.org, eve@example.com" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRecipient()
			tc.edit(&r)
			if out, err := e.Render([]byte("kept"), r); err == nil || string(out) != "kept" {
				t.Errorf("Render = %.60q, %v; want an error and dst unchanged", out, err)
			}
		})
	}
}

func BenchmarkEmailRender(b *testing.B) {
	e, err := NewEmail(fullCompose())
	if err != nil {
		b.Fatal(err)
	}
	r := testRecipient()
	r.Name = "Zoë Test"
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = e.Render(buf[:0], r); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkNewEmail(b *testing.B) {
	c := fullCompose()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewEmail(c); err != nil {
			b.Fatal(err)
		}
	}
}

// The default layout speaks the newsletter's language around the content.
func TestEmailInTheNewsletterLanguage(t *testing.T) {
	for lang, want := range map[string][]string{
		"fr":    {"Bonjour Ana,", "Lire la suite", "Vous recevez cet e-mail parce que vous êtes abonné à The Weekly de Harbour Times.", "Se désabonner:\n", `lang="fr"`},
		"de-AT": {"Guten Tag Ana,", "Weiterlesen", "weil Sie The Weekly von Harbour Times abonniert haben.", "Abonnements verwalten"},
		"es":    {"Hola Ana,", "Seguir leyendo", "Darse de baja"},
		"it":    {"Hello Ana,", "Read more", "You receive this email because you subscribed to The Weekly from Harbour Times."},
	} {
		c := teaserCompose()
		c.Newsletter.Language = lang
		r := testRecipient()
		r.Name = "Ana"
		_, p := render(t, c, r)
		// The text part is wrapped: its sentences may span lines.
		text := strings.Join(strings.Fields(p.Text), " ")
		for _, w := range want {
			if !strings.Contains(p.Text+p.HTML, w) && !strings.Contains(text, w) {
				t.Errorf("email of a newsletter in %s lacks %q", lang, w)
			}
		}
	}
}

// An article's links were written for its page on the site, so the email
// reads them as a browser there would.
func TestEmailArticleLinksLeadWhereTheSiteDoes(t *testing.T) {
	c := fullCompose()
	c.Articles[1].BodyHTML = `<p><a href="harbour-bridge-reopens">bridge</a> <a href="/guides/bridge">guide</a> ` +
		`<a href="#notes">notes</a> <a href="?page=2">next</a> <img src="../media/ferry.jpg" alt=""> ` +
		`<a href="https://maps.example.com/harbour">map</a> <a href="mailto:desk@news.example.org">desk</a> ` +
		`<a href="tel:+4612345">call</a></p>`
	c.Campaign.Markdown = "See [the notes](#notes) and [our guide](guides/bridge).\n"
	_, p := render(t, c, testRecipient())
	for _, want := range []string{
		`href="` + testBase + `/articles/harbour-bridge-reopens"`,
		`href="` + testBase + `/guides/bridge"`,
		`href="` + testBase + `/articles/ferry-timetable#notes"`,
		`href="` + testBase + `/articles/ferry-timetable?page=2"`,
		`src="` + testBase + `/media/ferry.jpg"`,
		`href="https://maps.example.com/harbour"`,
		`href="mailto:desk@news.example.org"`,
		`href="tel:+4612345"`,
		// The campaign's own text was written for the email: its anchors
		// stay in it, and its links start from the home page.
		`href="#notes"`,
	} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("full HTML part of an article with relative links lacks %s:\n%s", want, p.HTML)
		}
	}
	if strings.Contains(p.HTML, `href="`+testBase+`/harbour-bridge-reopens"`) {
		t.Errorf("full HTML part reads an article's relative link against the home page")
	}
}

// A byline speaks the newsletter's language, with the word the site's
// article pages use before the names.
func TestEmailBylineInTheNewsletterLanguage(t *testing.T) {
	for lang, want := range map[string][]string{
		"en":    {"By Maya Lindqvist", "By Ann Ek, Bo Li and Zoë Ström"},
		"fr":    {"Par Maya Lindqvist", "Par Ann Ek, Bo Li et Zoë Ström"},
		"de-AT": {"Von Maya Lindqvist", "Von Ann Ek, Bo Li und Zoë Ström"},
		"es":    {"Por Maya Lindqvist", "Por Ann Ek, Bo Li y Zoë Ström"},
		"it":    {"By Maya Lindqvist", "By Ann Ek, Bo Li and Zoë Ström"},
	} {
		c := fullCompose()
		c.Newsletter.Language = lang
		_, p := render(t, c, testRecipient())
		for _, w := range want {
			if !strings.Contains(p.HTML, w) || !strings.Contains(p.Text, w) {
				t.Errorf("email of a newsletter in %s lacks %q in its HTML or text part", lang, w)
			}
		}
	}
}

// An article in another language than the newsletter's says so, as the
// site's listings do; the layout's own words around it keep the
// newsletter's.
func TestEmailMarksAnArticleInAnotherLanguage(t *testing.T) {
	for _, mode := range []Mode{Full, Teaser} {
		c := fullCompose()
		c.Campaign.ArticleMode = mode
		c.Newsletter.Language = "fr"
		c.Articles[0].Language = "en"
		c.Articles[1].Language = "FR"
		_, p := render(t, c, testRecipient())
		doc, err := html.Parse(strings.NewReader(p.HTML))
		if err != nil {
			t.Fatalf("parse HTML part: %v", err)
		}
		var got []string
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if class := attr(n, "class"); n.Type == html.ElementNode && (class == "article" || class == "byline" || class == "more") {
				got = append(got, class+":"+attr(n, "lang"))
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		want := []string{"article:en", "byline:fr", "article:", "byline:"}
		if mode == Teaser {
			want = []string{"article:en", "byline:fr", "more:fr", "article:", "byline:", "more:"}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("mode %v: lang of the articles of a French newsletter, one English (-want +got):\n%s", mode, diff)
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// The text part is read in a fixed-width font as it comes: its headings,
// code, quotes and long lines are laid out for that when the campaign is
// compiled.
func TestEmailTextPartLayout(t *testing.T) {
	c := fullCompose()
	report := "https://gov.example/reports/2026/harbour-bridge-reopening-timetable-and-consultation-responses.pdf"
	c.Articles[0].BodyHTML = "<h2>What changes</h2>\n" +
		"<p>The first bus crossed at 6:12 this morning, and the council says cyclists may use the new lane from Monday onwards. " +
		`The <a href="` + report + `">full report</a> has the timetable.</p>` + "\n" +
		"<blockquote><p>We kept the bridge open to pedestrians all through the repairs, which took longer than anyone expected.</p></blockquote>\n" +
		"<pre><code>06:12 first bus\n06:40 second bus\n</code></pre>\n" +
		"<ul><li>Buses run every ten minutes at peak times and every twenty minutes in the evening.</li></ul>\n"
	c.Articles[1].Standfirst = "Three crossings move by ten minutes from Monday, and the late boat on Saturdays is cancelled."
	_, p := render(t, c, testRecipient())
	for _, want := range []string{
		"What changes\n------------\n\n",
		"The first bus crossed at 6:12 this morning, and the council says\ncyclists may use the new lane from Monday onwards. The full report\n(" + report + ")\nhas the timetable.\n\n",
		"> We kept the bridge open to pedestrians all through the repairs, which\n> took longer than anyone expected.\n\n",
		"    06:12 first bus\n    06:40 second bus\n\n",
		"- Buses run every ten minutes at peak times and every twenty minutes in\n  the evening.",
	} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, p.Text)
		}
	}
	c.Campaign.ArticleMode = Teaser
	_, teaser := render(t, c, testRecipient())
	for _, text := range []string{p.Text, teaser.Text} {
		for _, line := range strings.Split(text, "\n") {
			if n := len([]rune(line)); n > 72 && strings.Contains(line, " ") && !strings.HasPrefix(line, "    ") {
				t.Errorf("text part has a line of %d runes that could be wrapped: %q", n, line)
			}
		}
	}
}

// Without a name there is no greeting, and no empty element where it
// would stand: its margin would still leave a gap above the content.
func TestEmailWithoutNameLeavesOutTheGreetingElement(t *testing.T) {
	for name, tmpl := range map[string]string{
		"default layout":    "",
		"custom paragraph":  `<p class="hi">{{.Greeting}}</p><p>Body</p>` + unsubscribeLink,
		"custom div spaced": "<div style=\"margin:0 0 20px\">\n  {{.Greeting}}\n</div><p>Body</p>" + unsubscribeLink,
	} {
		t.Run(name, func(t *testing.T) {
			c := teaserCompose()
			c.Template = tmpl
			r := testRecipient()
			r.Name = ""
			_, p := render(t, c, r)
			doc, err := html.Parse(strings.NewReader(p.HTML))
			if err != nil {
				t.Fatalf("parse HTML part: %v", err)
			}
			var walk func(n *html.Node)
			walk = func(n *html.Node) {
				if n.Type == html.ElementNode && (n.Data == "p" || n.Data == "div") && blank(n) {
					var b strings.Builder
					html.Render(&b, n)
					t.Errorf("HTML part to a subscriber without a name holds an empty %s", b.String())
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c)
				}
			}
			walk(doc)

			r.Name = "Ana"
			_, p = render(t, c, r)
			if !strings.Contains(p.HTML, ">Hello Ana,</p>") && !strings.Contains(p.HTML, "\n  Hello Ana,\n</div>") {
				t.Errorf("HTML part to Ana lacks the greeting in its element:\n%s", p.HTML)
			}
		})
	}
}

// blank reports whether n holds nothing but white space.
func blank(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.TextNode || strings.TrimSpace(c.Data) != "" {
			return false
		}
	}
	return true
}

// Mail programs fill the inbox preview after the preheader with the text
// that follows it; hidden filler after the preheader leaves it alone there.
func TestEmailPreheaderFiller(t *testing.T) {
	for _, preheader := range []string{"And what the new timetable means for you", ""} {
		c := teaserCompose()
		c.Campaign.Preheader = preheader
		_, p := render(t, c, testRecipient())
		doc, err := html.Parse(strings.NewReader(p.HTML))
		if err != nil {
			t.Fatalf("parse HTML part: %v", err)
		}
		var div *html.Node
		var find func(n *html.Node)
		find = func(n *html.Node) {
			if n.Type == html.ElementNode && attr(n, "class") == "preheader" && div == nil {
				div = n
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				find(c)
			}
		}
		find(doc)
		if div == nil {
			t.Fatalf("HTML part has no preheader element:\n%s", p.HTML)
		}
		if style := attr(div, "style"); !strings.Contains(style, "display:none") || !strings.Contains(style, "mso-hide:all") {
			t.Errorf("preheader element is not hidden: style=%q", style)
		}
		var text strings.Builder
		for c := div.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				text.WriteString(c.Data)
			}
		}
		got := text.String()
		fill, ok := strings.CutPrefix(got, preheader)
		switch {
		case !ok:
			t.Errorf("preheader element holds %q, want it to start with %q", got, preheader)
		case preheader == "" && fill != "":
			t.Errorf("preheader element without a preheader holds %q, want nothing", got)
		case preheader != "" && (strings.Count(fill, "\u200c\u00a0") != max(0, 100-utf8.RuneCountInString(preheader)) || strings.Trim(fill, "\u200c\u00a0") != ""):
			t.Errorf("preheader %q is followed by %q, want pairs of U+200C U+00A0 up to 100 characters and nothing else", preheader, fill)
		}
	}
}
