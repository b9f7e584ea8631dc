package admin

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"herald/internal/user"
)

// An author's editor has no publication time: saving their draft, or
// submitting it, keeps the time an editor gave it.
func TestAuthorSaveKeepsThePublicationTime(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author, editor := e.as(t, user.Author), e.as(t, user.Editor)
	r := author.post("/admin/articles", storyForm("Ferry timetable", "Old body."))
	mustStatus(t, "author creates a draft", r, http.StatusSeeOther)
	id := idFromLocation(t, r)
	path := fmt.Sprintf("/admin/articles/%d", id)
	at := e.clock.Now().Add(48 * time.Hour).Truncate(time.Minute)
	mustStatus(t, "editor gives the draft a time", editor.post(path, storyForm("Ferry timetable", "Old body.",
		"status", "draft", "published", at.Format(datetimeLocal), "version", versionOf(t, editor, id))), http.StatusSeeOther)

	for _, to := range []string{path, path + "/submit"} {
		form := storyForm("Ferry timetable", "Body typed by the author.", "status", "draft", "version", versionOf(t, author, id))
		mustStatus(t, "author posts to "+to, author.post(to, form), http.StatusSeeOther)
		got, err := e.st.ArticleByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !got.PublishedAt.Equal(at) || got.Body != "Body typed by the author." {
			t.Errorf("after the author's form went to %s: body %q, publication time %v; want the body typed and %v",
				to, got.Body, got.PublishedAt, at)
		}
	}
}
