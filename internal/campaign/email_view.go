package campaign

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"herald/internal/article"
	"herald/internal/lang"
	"herald/internal/markup"
)

// view is all an email template may read: the campaign, its articles and
// its newsletter, already made safe. The subscriber's greeting and links
// are markers that later become slots, so that a template runs once for
// everyone and never sees one subscriber's data while writing another's.
type view struct {
	Language    string
	Dir         string // "rtl" or "ltr": the direction of Language
	Site        string
	SiteURL     string
	Newsletter  string
	Description string
	Subject     string
	Preheader   string
	// PreheaderFiller goes right after the preheader, hidden with it:
	// without it mail programs fill the inbox preview with the text that
	// follows. It is empty when there is no preheader, so that the preview
	// shows the start of the content instead.
	PreheaderFiller string
	Intro           template.HTML // the campaign's Markdown, rendered and sanitised
	Articles        []articleView

	Greeting       string // "Hello NAME," or nothing
	UnsubscribeURL string
	PreferencesURL string

	T Words // the layout's own words, in the newsletter's language

	markers markers
}

type articleView struct {
	Title      string
	URL        string
	Byline     string
	Section    string
	Standfirst string
	// Body is the whole sanitised article in Full mode and empty in
	// Teaser mode, where the standfirst and a link stand for it.
	Body      template.HTML
	Published time.Time
	// Lang is the article's language when it differs from the
	// newsletter's, so that a screen reader pronounces it in its own;
	// Dir is then its direction, which may differ too.
	Lang, Dir string
}

// previewLength is about how many characters mail programs show of a
// message in their lists. The preheader and its filler (pairs of a
// zero-width non-joiner and a no-break space, which mail programs count
// as text of the preview but show as nothing) make up that many and no
// more: every pair goes out in every message, 15 bytes once encoded.
const previewLength = 100

// preheaderFiller is the filler after preheader, none without one.
func preheaderFiller(preheader string) string {
	if strings.TrimSpace(preheader) == "" {
		return ""
	}
	return strings.Repeat("\u200c\u00a0", max(0, previewLength-utf8.RuneCountInString(preheader)))
}

// markers are the placeholders for the slots in rendered templates. They
// start with a hash of everything the campaign contains, so that no
// content can contain one by accident or on purpose.
type markers struct {
	prefix string
}

// The marker codes, one letter after the prefix.
const (
	markGreeting    = 'g'
	markUnsubscribe = 'u'
	markPreferences = 'p'
)

func markerPrefix(c *Compose) markers {
	sum := sha256.Sum256(fmt.Appendf(nil, "%#v", *c))
	return markers{prefix: "hs" + hex.EncodeToString(sum[:10])}
}

func (m markers) of(code byte) string { return m.prefix + string(code) }

func newView(c *Compose, base *url.URL, m markers) *view {
	site := base.String()
	render := markup.New(site)
	v := &view{
		Language:       c.Newsletter.Language,
		Site:           c.SiteName,
		SiteURL:        site,
		Newsletter:     c.Newsletter.Name,
		Description:    c.Newsletter.Description,
		Subject:        c.Campaign.Subject,
		Preheader:      c.Campaign.Preheader,
		Greeting:       m.of(markGreeting),
		UnsubscribeURL: m.of(markUnsubscribe),
		PreferencesURL: m.of(markPreferences),
		markers:        m,
	}
	v.PreheaderFiller = preheaderFiller(v.Preheader)
	if v.Language == "" {
		v.Language = "en"
	}
	v.Dir = lang.Dir(v.Language)
	v.T = wordsFor(v.Language)
	if v.Newsletter == "" {
		v.Newsletter = c.SiteName
	}
	if strings.TrimSpace(c.Campaign.Markdown) != "" {
		// The renderer's output is sanitised; only relative links and
		// footnotes (see the articles' below) change.
		v.Intro = template.HTML(absolutize(markup.UnlinkNotes(render.HTML(c.Campaign.Markdown)), siteRoot(base), true))
	}
	for _, a := range c.Articles {
		page := base.JoinPath("articles", a.Slug)
		av := articleView{
			Title:      a.Title,
			URL:        page.String(),
			Byline:     byline(a.Authors, v.T),
			Section:    a.Section,
			Standfirst: a.Standfirst,
			Published:  a.PublishedAt,
		}
		if a.Language != "" && !strings.EqualFold(a.Language, v.Language) {
			av.Lang, av.Dir = a.Language, lang.Dir(a.Language)
		}
		if c.Campaign.ArticleMode == Teaser {
			if av.Standfirst == "" {
				// The opening paragraph stands in for a missing standfirst.
				av.Standfirst = markup.Excerpt(leadParagraph(a.BodyHTML), 300)
			}
		} else {
			// BodyHTML is stored sanitised by the article's renderer. Its
			// links were written for the article's page, so they are read
			// against it, and an anchor leads to its place on that page:
			// the email holds other articles whose headings share names.
			// Footnotes are the exception: mail programs follow links
			// within a message unreliably, so they become plain numbers
			// and a list, which read without following anything.
			av.Body = template.HTML(absolutize(markup.UnlinkNotes(a.BodyHTML), page, false))
		}
		v.Articles = append(v.Articles, av)
	}
	return v
}

// byline is "By A, B and C" in the words w, or nothing without authors.
func byline(authors []article.Author, w Words) string {
	names := make([]string, 0, len(authors))
	for _, a := range authors {
		if a.Name != "" {
			names = append(names, a.Name)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return w.By + " " + names[0]
	default:
		return w.By + " " + strings.Join(names[:len(names)-1], ", ") + " " + w.And + " " + names[len(names)-1]
	}
}

// textView is the view in plain text, for the text part's layout.
type textView struct {
	Site, SiteURL, Newsletter string
	Intro                     string
	Articles                  []textArticle

	Greeting, UnsubscribeURL, PreferencesURL string
	T                                        Words
}

type textArticle struct {
	Title, URL, Byline, Standfirst, Body string
}

func (v *view) text() textView {
	t := textView{
		Site:           v.Site,
		SiteURL:        v.SiteURL,
		Newsletter:     v.Newsletter,
		Intro:          markup.TextPart(string(v.Intro), textWidth),
		Greeting:       v.Greeting,
		UnsubscribeURL: v.UnsubscribeURL,
		PreferencesURL: v.PreferencesURL,
		T:              v.T,
	}
	for _, a := range v.Articles {
		t.Articles = append(t.Articles, textArticle{
			Title:      a.Title,
			URL:        a.URL,
			Byline:     a.Byline,
			Standfirst: a.Standfirst,
			Body:       markup.TextPart(string(a.Body), textWidth),
		})
	}
	return t
}
