package main

import (
	"strings"
	"testing"
	"time"
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
}
