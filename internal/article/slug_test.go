package article

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestSlugifyOtherScripts(t *testing.T) {
	for in, want := range map[string]string{
		"李小龍":                   "李小龍",
		"Владимир Путин":        "владимир-путин",
		"محمد عبد الله":         "محمد-عبد-الله",
		"كـتاب":                 "كتاب", // the tatweel only stretches the word
		"דוד בן־גוריון":         "דוד-בן-גוריון",
		"हिन्दी समाचार":         "हिन्दी-समाचार", // vowel signs and virama kept
		"がっこう":                  "がっこう",          // the dakuten stays on が
		"서울 뉴스":                 "서울-뉴스",
		"ｶﾀｶﾅ":                  "カタカナ",
		"Ελλάδα":                "ελλάδα",
		"２０２６年の選挙":              "2026年の選挙",
		"Bo Li (李波)":            "bo-li-李波",
		"٢٠٢٦ انتخابات":         "٢٠٢٦-انتخابات",
		"🎉 🎉":                   "",
		strings.Repeat("龍", 60): strings.Repeat("龍", 40), // 120 bytes
	} {
		got := Slugify(in)
		if got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got != "" && !ValidPathSlug(got) {
			t.Errorf("Slugify(%q) = %q, which ValidPathSlug refuses", in, got)
		}
	}
}

func TestValidPathSlug(t *testing.T) {
	for s, want := range map[string]bool{
		"harbour-bridge":        true,
		"李小龍":                   true,
		"владимир-путин":        true,
		"Владимир":              false, // capitals
		"stra\u00dfe":           false, // ß is Latin, and Slugify makes a hyphen of it
		"e\u0301":               false, // an accent on a Latin letter
		"\u0301a":               false, // a mark with no letter
		norm.NFD.String("ёлка"): false,
		"a b":                   false,
		"-李":                    false,
		"李--龍":                  false,
		strings.Repeat("龍", 41): false,
	} {
		if got := ValidPathSlug(s); got != want {
			t.Errorf("ValidPathSlug(%q) = %v, want %v", s, got, want)
		}
	}
	if ValidSlug("李小龍") {
		t.Error("ValidSlug(李小龍) = true; newsletter slugs go into mail headers and must stay ASCII")
	}
}

// TestSlugifyLatinUnchanged holds every name without letters of other
// scripts to the slug it had before those were kept, so no address
// changes.
func TestSlugifyLatinUnchanged(t *testing.T) {
	alphabet := []rune("aZé É-ß øł Ǆ ﬁ2²  ,.!'&q\u0303Å\u212b\u0308ǅ\u1e9e\u00aa\u2167\u3384")
	seed := uint32(1)
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		n := int(seed % 12)
		for j := 0; j < n; j++ {
			seed = seed*1664525 + 1013904223
			b.WriteRune(alphabet[int(seed>>8)%len(alphabet)])
		}
		s := b.String()
		if got, want := Slugify(s), legacySlugify(s); got != want {
			t.Fatalf("Slugify(%q) = %q, before it was %q", s, got, want)
		}
	}
	long := strings.Repeat("Élections à Zürich ", 20)
	if got, want := Slugify(long), legacySlugify(long); got != want {
		t.Errorf("Slugify(%q) = %q, before it was %q", long, got, want)
	}
}

// legacySlugify is Slugify as it was when it kept only a to z and digits.
func legacySlugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= MaxSlug-1 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"李小龍", "Élections à Zürich", "هِنْد", "서울", "क़", "\u0640\u064e", "ϒ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Slugify(s)
		if got != "" && !ValidPathSlug(got) {
			t.Fatalf("Slugify(%q) = %q, which ValidPathSlug refuses", s, got)
		}
		if again := Slugify(got); again != got {
			t.Fatalf("Slugify(%q) = %q, but Slugify(%q) = %q", s, got, got, again)
		}
	})
}

func TestNormalizeOtherScripts(t *testing.T) {
	a := Article{
		Title:    "Выборы в городе",
		Authors:  []Author{{Name: "李小龍"}, {Name: "محمد عبد الله"}},
		Tags:     []Tag{{Name: "Политика"}},
		Section:  "أخبار",
		Language: "ru", PublishedAt: time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC),
	}
	if err := a.Normalize(); err != nil {
		t.Fatalf("Normalize of an article in Cyrillic by 李小龍: %v, want no error", err)
	}
	got := []string{a.Slug, a.Authors[0].Slug, a.Authors[1].Slug, a.Tags[0].Slug, a.SectionSlug}
	want := []string{"выборы-в-городе", "李小龍", "محمد-عبد-الله", "политика", "أخبار"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("slugs after Normalize = %q, want %q", got, want)
			break
		}
	}

	b := Article{Title: "x", Slug: norm.NFD.String("ёлка"), PublishedAt: a.PublishedAt}
	if err := b.Normalize(); err != nil || b.Slug != "ёлка" {
		t.Errorf("Normalize of slug %q = %q, %v; want ёлка composed", norm.NFD.String("ёлка"), b.Slug, err)
	}
}

func TestNumberedSlugStaysWhole(t *testing.T) {
	long := strings.Repeat("李", 50) // 150 bytes, three a character
	for _, tc := range []struct {
		base string
		n    int
	}{
		{"harbour-bridge", 2},
		{long, 2},
		{long, 12},
		{strings.Repeat("a", 115) + "-b", 3},
		{strings.Repeat("ж", 70), 9},
	} {
		got := NumberedSlug(tc.base, tc.n)
		if len(got) > MaxSlug || !utf8.ValidString(got) || !ValidPathSlug(got) || !strings.HasSuffix(got, "-"+strconv.Itoa(tc.n)) {
			t.Errorf("NumberedSlug(%q, %d) = %q (%d bytes); want a valid slug of at most %d bytes ending in -%d", tc.base, tc.n, got, len(got), MaxSlug, tc.n)
		}
	}
	if got := NumberedSlug("harbour-bridge", 2); got != "harbour-bridge-2" {
		t.Errorf("NumberedSlug(harbour-bridge, 2) = %q", got)
	}
}
