package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/store/sqlite"
)

// TestArticlePublishSchedulesFutureTime: a file that says published with a
// time to come is scheduled, since its page answers only from then on.
func TestArticlePublishSchedulesFutureTime(t *testing.T) {
	data := t.TempDir()
	later := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	story := writeFile(t, "story.md", "---\ntitle: Tomorrow\nslug: tomorrow\nstatus: published\npublished: "+
		later.Format(time.RFC3339)+"\n---\nText.\n")
	out, _ := mustHerald(t, data, "article", "publish", story)
	if want := "scheduled tomorrow for " + later.Local().Format(time.RFC1123); !strings.HasPrefix(out, want) {
		t.Errorf("article publish of a future article printed %q; want it to start %q", out, want)
	}
	if out, _ := mustHerald(t, data, "article", "list", "--json"); !strings.Contains(out, `"status":"scheduled"`) {
		t.Errorf("article list --json = %s; want the article scheduled", out)
	}

	now := writeFile(t, "now.md", "---\ntitle: Today\nslug: today\nstatus: published\n---\nText.\n")
	if out, _ := mustHerald(t, data, "article", "publish", now); !strings.HasPrefix(out, "published today: http://") {
		t.Errorf("article publish of a current article printed %q; want published with its link", out)
	}
	// A link a terminal can open: an address in another script, encoded.
	bridge := writeFile(t, "bridge.md", "---\ntitle: Мост\nstatus: published\n---\nText.\n")
	if out, _ := mustHerald(t, data, "article", "publish", bridge); !strings.HasSuffix(strings.TrimSpace(out), "/articles/%D0%BC%D0%BE%D1%81%D1%82") {
		t.Errorf("article publish of a Cyrillic title printed %q; want its link percent-encoded", out)
	}
}

// TestListsShowEveryRow: the list commands page through the store rather
// than stopping at one page, drafts among published articles included.
func TestListsShowEveryRow(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(data, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	const articles, campaigns = 1003, 103
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for i := range articles {
		a := article.Article{Title: fmt.Sprintf("Story %d", i), Body: "Text.\n", Status: article.Draft}
		if i%3 != 0 {
			// Pairs share a time, so the listing's pages break ties by ID.
			a.Status, a.PublishedAt = article.Published, t0.Add(-time.Duration(i/2)*time.Minute)
		}
		if err := a.Normalize(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SaveArticle(ctx, &a); err != nil {
			t.Fatalf("SaveArticle(%s) = %v", a.Slug, err)
		}
	}
	for i := range campaigns {
		c := campaign.Campaign{NewsletterID: 1, Subject: fmt.Sprintf("Issue %d", i), Markdown: "Hello.", ArticleMode: campaign.Full,
			State: campaign.Draft, Kind: campaign.Manual}
		if _, err := st.CreateCampaign(ctx, &c); err != nil {
			t.Fatalf("CreateCampaign(%s) = %v", c.Subject, err)
		}
	}
	st.Close()

	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"article", "list", "--json"}, articles},
		{[]string{"article", "list"}, articles + 1},
		{[]string{"campaign", "list", "--json"}, campaigns},
		{[]string{"campaign", "list"}, campaigns + 1},
	} {
		out, _ := mustHerald(t, data, tc.args...)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		seen := map[string]bool{}
		for _, l := range lines {
			seen[l] = true
		}
		if len(lines) != tc.want || len(seen) != tc.want {
			t.Errorf("herald %v printed %d lines, %d different; want %d", tc.args, len(lines), len(seen), tc.want)
		}
	}
}
