package web

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"

	"herald/internal/article"
	"herald/internal/lang"
)

// wantDirs checks that the page's <html> runs in the direction of want's
// language and that every element marked with another language says the
// direction of that language too, so mixed pages read right.
func wantDirs(t *testing.T, target, body, wantLang string) {
	t.Helper()
	doc := parseHTML(t, body)
	root := findAll(doc, func(n *html.Node) bool { return n.Data == "html" })[0]
	if l, d := attrOr(root, "lang"), attrOr(root, "dir"); l != wantLang || d != lang.Dir(wantLang) {
		t.Errorf("GET %s: <html lang=%q dir=%q>, want lang %q dir %q", target, l, d, wantLang, lang.Dir(wantLang))
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "lang"); return ok }) {
		l := attrOr(n, "lang")
		if d, ok := attr(n, "dir"); !ok || d != lang.Dir(l) {
			t.Errorf("GET %s: <%s class=%q lang=%q> has dir %q, want %q", target, n.Data, attrOr(n, "class"), l, d, lang.Dir(l))
		}
	}
}

// marked returns the lang and dir of the first element match finds.
func marked(t *testing.T, body string, match func(*html.Node) bool) string {
	t.Helper()
	found := findAll(parseHTML(t, body), match)
	if len(found) == 0 {
		return "nothing"
	}
	return attrOr(found[0], "lang") + " " + attrOr(found[0], "dir")
}

func TestRightToLeftPagesSayTheirDirection(t *testing.T) {
	e := newEnv(t)
	e.addArticle("bridge", "Harbour bridge reopens", e.now.Add(-2*time.Hour))
	e.addArticle("jisr", "إعادة فتح جسر الميناء", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Language, a.TranslationOf = "ar", "bridge"
		a.Standfirst = "عبرت أولى الحافلات هذا الصباح."
	})
	link := func(href string) func(*html.Node) bool {
		return func(n *html.Node) bool { return n.Data == "a" && attrOr(n, "href") == href }
	}

	body := e.get("/articles/jisr").Body.String()
	wantDirs(t, "/articles/jisr", body, "ar")
	if got := marked(t, body, link("/articles/bridge")); got != "en ltr" {
		t.Errorf("GET /articles/jisr: the link to the English version has lang and dir %q, want \"en ltr\"", got)
	}
	body = e.get("/articles/bridge").Body.String()
	wantDirs(t, "/articles/bridge", body, "en")
	if got := marked(t, body, link("/articles/jisr")); got != "ar rtl" {
		t.Errorf("GET /articles/bridge: the link to the Arabic version has lang and dir %q, want \"ar rtl\"", got)
	}
	body = e.get("/").Body.String()
	wantDirs(t, "/", body, "en")
	title := func(n *html.Node) bool { return n.Data == "h2" && strings.Contains(textOf(n), "جسر") }
	if got := marked(t, body, title); got != "ar rtl" {
		t.Errorf("GET /: the Arabic article's title has lang and dir %q, want \"ar rtl\"", got)
	}

	for _, site := range []string{"he", "fa", "ur", "ar"} {
		e := newEnv(t, func(c *Config) { c.Site.Language = site })
		e.addArticle("story", "סיפור", e.now.Add(-time.Hour), func(a *article.Article) { a.Language = site })
		for _, target := range []string{"/", "/articles/story", "/section/world"} {
			wantDirs(t, target+" on a site in "+site, e.get(target).Body.String(), site)
		}
		// Herald has no words in these languages for pages of its own.
		for _, target := range []string{"/subscribe", "/nope"} {
			wantDirs(t, target+" on a site in "+site, e.get(target).Body.String(), "en")
		}
	}
}

// physical finds CSS that places things left or right whatever the
// direction of the text, where margin-inline-start and friends mirror;
// fourSides finds a shorthand whose right and left differ.
var (
	physical  = regexp.MustCompile(`(^|[\s;{])((margin|padding|border)-(left|right)|left|right)\s*:|(text-align|float|clear)\s*:\s*(left|right)`)
	fourSides = regexp.MustCompile(`(^|[\s;{])(margin|padding|inset)\s*:\s*([^\s;}]+)\s+([^\s;}]+)\s+([^\s;}]+)\s+([^\s;}]+)`)
)

func TestStylesMirrorForRightToLeft(t *testing.T) {
	css, err := os.ReadFile("static/site.css")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(css), "\n") {
		m := fourSides.FindStringSubmatch(line)
		if physical.MatchString(line) || m != nil && m[4] != m[6] {
			t.Errorf("site.css:%d: %q places things left or right; use a logical property (margin-inline-start, inset-inline-start, text-align: start)", i+1, line)
		}
	}
}

// TestRightToLeftLayoutInBrowser looks at an Arabic article in Chromium:
// the quote's rule and the skip link stand on the right, where the text
// starts.
func TestRightToLeftLayoutInBrowser(t *testing.T) {
	e := newEnv(t)
	e.addArticle("jisr", "إعادة فتح جسر الميناء", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Language = "ar"
		a.BodyHTML = "<p>عبرت أول حافلة الجسر.</p><blockquote><p>يوم عظيم للمدينة.</p></blockquote>"
	})
	ctx, base := browser(t, e)
	const js = `(() => {
		const q = getComputedStyle(document.querySelector('.story-body blockquote'));
		const s = getComputedStyle(document.querySelector('.skip-link'));
		return [document.dir, q.borderRightWidth, q.borderLeftWidth, s.right].join(' ');
	})()`
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/articles/jisr")); err != nil {
		t.Fatalf("open /articles/jisr in Chromium: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("open /articles/jisr in Chromium: %v", err)
	}
	if want := "rtl 4px 0px 8px"; got != want {
		t.Errorf("/articles/jisr in Chromium: dir, quote's right and left border, skip link's right = %q, want %q", got, want)
	}
}
