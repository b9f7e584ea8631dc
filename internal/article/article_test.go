package article

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Harbour bridge reopens!":        "harbour-bridge-reopens",
		"  Élections à Zürich  ":         "elections-a-zurich",
		"Les marchés de nuit — été 2026": "les-marches-de-nuit-ete-2026",
		"---":                            "",
		"C++ & Go: 10 tips":              "c-go-10-tips",
		strings.Repeat("word ", 100):     strings.TrimSuffix(strings.Repeat("word-", 24), "-"),
	} {
		got := Slugify(in)
		if got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got != "" && !ValidSlug(got) {
			t.Errorf("Slugify(%q) = %q, which ValidSlug refuses", in, got)
		}
	}
}

func TestParseFile(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	src := "\ufeff---\r\ntitle: Tide tables change\r\nstandfirst: New survey.\r\nauthors: [Ines Duarte, Bo Li]\r\nsection: Local news\r\ntags: [Harbour, Sea]\r\nlanguage: PT-br\r\npublished: 2026-11-28T06:00:00Z\r\ntranslation_of: tide-tables\r\nslug: tabelas-de-mare\r\n---\r\nThe **body**.\r\n"
	a, err := ParseFile(strings.NewReader(src), now)
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	want := Article{
		Slug: "tabelas-de-mare", Language: "pt-br", Title: "Tide tables change", Standfirst: "New survey.",
		Body: "The **body**.\n", Authors: []Author{{"Ines Duarte", "ines-duarte"}, {"Bo Li", "bo-li"}},
		Section: "Local news", SectionSlug: "local-news", Tags: []Tag{{"Harbour", "harbour"}, {"Sea", "sea"}},
		Status: Published, PublishedAt: time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC), TranslationOf: "tide-tables",
	}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("ParseFile (-want +got):\n%s", diff)
	}

	future, err := ParseFile(strings.NewReader("---\ntitle: Later\npublished: 2027-01-01T00:00:00Z\n---\nx\n"), now)
	if err != nil || future.Status != Scheduled {
		t.Errorf("a future time without a status: %v, %v; want scheduled", future.Status, err)
	}
	future, err = ParseFile(strings.NewReader("---\ntitle: Later\nstatus: published\npublished: 2027-01-01T00:00:00Z\n---\nx\n"), now)
	if err != nil || future.Status != Scheduled {
		t.Errorf("status: published with a future time: %v, %v; want scheduled", future.Status, err)
	}
	draft, err := ParseFile(strings.NewReader("---\ntitle: Draft\nstatus: draft\n---\n"), now)
	if err != nil || draft.Status != Draft || !draft.PublishedAt.IsZero() {
		t.Errorf("draft = %v at %v, %v", draft.Status, draft.PublishedAt, err)
	}
}

func TestParseFileRefusesBadInput(t *testing.T) {
	now := time.Now()
	for name, src := range map[string]string{
		"no front matter":    "title: x\n",
		"unclosed":           "---\ntitle: x\n",
		"unknown field":      "---\ntitle: x\ncolour: red\n---\n",
		"no title":           "---\nslug: x\n---\n",
		"bad slug":           "---\ntitle: x\nslug: Not A Slug\n---\n",
		"bad time":           "---\ntitle: x\npublished: yesterday\n---\n",
		"bad status":         "---\ntitle: x\nstatus: live\n---\n",
		"bad language":       "---\ntitle: x\nlanguage: english!\n---\n",
		"newline in title":   "---\ntitle: \"a\\nb\"\n---\n",
		"translates itself":  "---\ntitle: x\nslug: x\ntranslation_of: x\n---\n",
		"too long title":     "---\ntitle: " + strings.Repeat("x", MaxTitle+1) + "\n---\n",
		"yaml not a mapping": "---\n- a\n- b\n---\n",
	} {
		_, err := ParseFile(strings.NewReader(src), now)
		var v *ValidationError
		if !errors.As(err, &v) {
			t.Errorf("%s: ParseFile error = %v, want a *ValidationError", name, err)
		}
	}
	huge := "---\ntitle: x\n---\n" + strings.Repeat("a", MaxBody+100<<10)
	if _, err := ParseFile(strings.NewReader(huge), now); err == nil {
		t.Error("a body over the limit was accepted")
	}
}
