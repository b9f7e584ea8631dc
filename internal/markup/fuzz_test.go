package markup

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzHTML checks that no input, however malformed, renders to markup that
// breaks the safety rules, and that rendering never panics.
func FuzzHTML(f *testing.F) {
	for _, p := range xssPayloads() {
		f.Add(p)
	}
	for _, md := range []string{
		"# Title\n\nText with *emphasis*, `code` and [a link](/x).",
		"| a | b |\n|---|---|\n| ![i](/i.png) | [e](https://gov.example) |",
		"> quote\n> - list\n>   ```\n>   code\n>   ```",
		"<details><summary>More</summary>\n\n![x](https://news.example.org/x.png)\n\n</details>",
	} {
		f.Add(md)
	}
	r := New(site)
	f.Fuzz(func(t *testing.T, in string) {
		got := r.HTML(in)
		for _, bad := range unsafeParts(got) {
			t.Errorf("HTML(%q) = %q\n has %s; want no unsafe markup", in, got, bad)
		}
		// The plain-text path must cope with whatever HTML produces.
		Excerpt(Text(got), 80)
		TextPart(got, 72)
	})
}

// FuzzExcerpt checks Excerpt's promises for any text: valid UTF-8 in gives
// valid UTF-8 out, the kept text is a prefix of the input within maxRunes,
// and "…" marks exactly the cut excerpts.
func FuzzExcerpt(f *testing.F) {
	f.Add("The council met on Tuesday to vote.", 12)
	f.Add("Über die Straße gehen Fußgänger", 9)
	f.Add("東京都は新しい計画を発表した", 5)
	f.Add("e\u0301e\u0301e\u0301e\u0301", 3)
	f.Add("👨\u200d👩\u200d👧 family", 2)
	f.Fuzz(func(t *testing.T, text string, maxRunes int) {
		if maxRunes > 1<<20 || maxRunes < -1 {
			maxRunes %= 1 << 20
		}
		got := Excerpt(text, maxRunes)
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatalf("Excerpt(%q, %d) = %q; want valid UTF-8", text, maxRunes, got)
		}
		kept, cut := strings.CutSuffix(got, ellipsis)
		trimmed := strings.TrimSpace(text)
		if !cut || kept == trimmed {
			kept = got
		}
		if !strings.HasPrefix(trimmed, kept) {
			t.Fatalf("Excerpt(%q, %d) = %q; want a prefix of the input (plus %q)", text, maxRunes, got, ellipsis)
		}
		if n := utf8.RuneCountInString(kept); maxRunes >= 0 && n > maxRunes {
			t.Fatalf("Excerpt(%q, %d) = %q keeps %d runes; want at most %d", text, maxRunes, got, n, maxRunes)
		}
	})
}
