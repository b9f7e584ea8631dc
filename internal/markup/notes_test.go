package markup

import (
	"regexp"
	"strings"
	"testing"
)

const notesMarkdown = "A claim[^1] and another[^n], again[^1].\n\n[^1]: The *source*.\n[^n]: Second.\n"

func TestHTMLFootnotes(t *testing.T) {
	got := New(site).HTML(notesMarkdown)
	p := notePrefix([]byte(notesMarkdown))
	want := `<p>A claim<sup id="` + p + `fnref:1"><a aria-describedby="notes:label" class="footnote-ref" href="#` + p + `fn:1" role="doc-noteref">1</a></sup>` +
		` and another<sup id="` + p + `fnref:2"><a aria-describedby="notes:label" class="footnote-ref" href="#` + p + `fn:2" role="doc-noteref">2</a></sup>` +
		`, again<sup id="` + p + `fnref1:1"><a aria-describedby="notes:label" class="footnote-ref" href="#` + p + `fn:1" role="doc-noteref">1</a></sup>.</p>` + "\n" +
		`<div class="footnotes" role="doc-endnotes" aria-labelledby="notes:label">` + "\n<hr/>\n<ol>\n" +
		`<li id="` + p + `fn:1">` + "\n" + `<p>The <em>source</em>.` + "\u00a0" + `<a class="footnote-backref" href="#` + p + `fnref:1" role="doc-backlink">↩︎</a>` +
		"\u00a0" + `<a class="footnote-backref" href="#` + p + `fnref1:1" role="doc-backlink">↩︎</a></p>` + "\n</li>\n" +
		`<li id="` + p + `fn:2">` + "\n" + `<p>Second.` + "\u00a0" + `<a class="footnote-backref" href="#` + p + `fnref:2" role="doc-backlink">↩︎</a></p>` + "\n</li>\n</ol>\n</div>\n"
	if got != want {
		t.Errorf("HTML(%q)\n got: %s\nwant: %s", notesMarkdown, got, want)
	}
}

// Ids of notes must not clash with the ids of headings (the page's own
// and the article's) nor with another article's notes on the same page.
func TestFootnoteIDsAreTheArticlesOwn(t *testing.T) {
	r := New(site)
	ids := regexp.MustCompile(`id="([^"]*)"`)
	heading := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	seen := map[string]string{}
	for _, md := range []string{
		"# Fn\n\nOne[^1]\n\n[^1]: First article.",
		"# Fnref\n\nTwo[^1]\n\n[^1]: Second article.",
	} {
		for _, m := range ids.FindAllStringSubmatch(r.HTML(md), -1) {
			id := m[1]
			if other, ok := seen[id]; ok {
				t.Errorf("id %q is in both %q and %q", id, other, md)
			}
			seen[id] = md
			if strings.Contains(id, "-fn") && heading.MatchString(id) {
				t.Errorf("note id %q could also be a heading's", id)
			}
		}
	}
	if len(seen) != 6 {
		t.Errorf("found ids %v, want two headings and four note ids", seen)
	}
}

// The sanitiser lets through what footnotes need and nothing like it.
func TestFootnoteLookalikesAreSanitised(t *testing.T) {
	r := New(site)
	for _, in := range []string{
		`<div class="footnotes x" role="button" aria-labelledby="main">x</div>`,
		`<a href="/x" class="btn" role="button" aria-describedby="main" aria-label="y">x</a>`,
		`<sup id="main">1</sup> <li id="fn:1">x</li> <span class="footnote-ref" role="doc-noteref">x</span>`,
		`<sup id="0123abcd-fnref:1" onclick="x()">1</sup>`,
	} {
		got := r.HTML(in)
		for _, bad := range []string{"class=", "role=", "aria-", `id="main"`, `id="fn:1"`, "onclick"} {
			if strings.Contains(got, bad) {
				t.Errorf("HTML(%q) = %q, which keeps %s", in, got, bad)
			}
		}
	}
}

func TestTextFootnotes(t *testing.T) {
	h := New(site).HTML(notesMarkdown)
	want := "A claim[1] and another[2], again[1].\n\n---\n\n[1] The source.\n[2] Second."
	if got := Text(h); got != want {
		t.Errorf("Text(HTML(%q))\n got: %q\nwant: %q", notesMarkdown, got, want)
	}
	if got := Text(UnlinkNotes(h)); got != want {
		t.Errorf("Text(UnlinkNotes(HTML(%q)))\n got: %q\nwant: %q", notesMarkdown, got, want)
	}
	long := "Text[^1]\n\n[^1]: " + strings.Repeat("word ", 20)
	wantPart := "Text[1]\n\n---\n\n[1] word word word word word word word word word word word word word\n    word word word word word word word"
	if got := TextPart(New(site).HTML(long), 72); got != wantPart {
		t.Errorf("TextPart(HTML(%q), 72)\n got: %q\nwant: %q", long, got, wantPart)
	}
}

func TestUnlinkNotes(t *testing.T) {
	got := UnlinkNotes(New(site).HTML(notesMarkdown))
	want := `<p>A claim<sup class="footnote-ref">1</sup> and another<sup class="footnote-ref">2</sup>, again<sup class="footnote-ref">1</sup>.</p>` + "\n" +
		`<div class="footnotes">` + "\n<hr/>\n<ol>\n<li>\n<p>The <em>source</em>.</p>\n</li>\n<li>\n<p>Second.</p>\n</li>\n</ol>\n</div>\n"
	if got != want {
		t.Errorf("UnlinkNotes(HTML(%q))\n got: %s\nwant: %s", notesMarkdown, got, want)
	}
	plain := "<p>H<sup>2</sup>O, <a href=\"#x\">x</a></p>"
	if got := UnlinkNotes(plain); got != plain {
		t.Errorf("UnlinkNotes(%q) = %q, want it unchanged", plain, got)
	}
}
