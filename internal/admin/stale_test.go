package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"herald/internal/article"
	"herald/internal/user"
)

// signInAgain signs c out and in again, as in another tab: the session is
// renewed and the forms c opened before carry a token of the old one. It
// returns the token of the forms opened before.
func signInAgain(t *testing.T, c *client, r user.Role) string {
	t.Helper()
	old := c.csrf
	mustStatus(t, "sign out", c.post("/admin/logout", nil), http.StatusSeeOther)
	mustStatus(t, "sign in again", c.login(c.e.staff[r].Email, testPassword, "", ""), http.StatusSeeOther)
	return old
}

// A form posted with the token of a session renewed since comes back as
// typed, with a token that works and a message to send it again; nothing
// is done.
func TestStaleFormComesBackAsTyped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	editor := e.as(t, user.Editor)
	e.publish(t, article.Article{Slug: "stored", Title: "Stored title", Body: "Stored body."})
	stored, err := e.st.ArticleBySlug(ctx, "stored")
	if err != nil {
		t.Fatal(err)
	}
	old := signInAgain(t, editor, user.Editor)

	for _, tc := range []struct {
		path  string
		form  url.Values
		typed string
	}{
		{"/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"The week"}, "mode": {"full"},
			"markdown": {"Dear <b>readers</b>, TYPED-MARKDOWN"}}, "Dear &lt;b&gt;readers&lt;/b&gt;, TYPED-MARKDOWN</textarea>"},
		{"/admin/articles", storyForm("New story", "TYPED-BODY of a new story"), "TYPED-BODY of a new story</textarea>"},
		{fmt.Sprintf("/admin/articles/%d", stored.ID), storyForm("TYPED-TITLE of the edit", "TYPED-BODY of the edit",
			"status", "published"), "TYPED-BODY of the edit</textarea>"},
		{fmt.Sprintf("/admin/articles/%d/publish", stored.ID), storyForm("TYPED-TITLE to publish", "TYPED-BODY to publish",
			"status", "draft"), "TYPED-BODY to publish</textarea>"},
	} {
		if strings.HasPrefix(tc.path, "/admin/articles/") {
			tc.form.Set("version", versionOf(t, editor, stored.ID))
		}
		tc.form.Set("csrf", old)
		r := editor.post(tc.path, tc.form)
		mustStatus(t, "POST "+tc.path+" with the old session's token", r, http.StatusForbidden)
		if !strings.Contains(r.body, tc.typed) || !strings.Contains(r.body, `id="form-error"`) ||
			!strings.Contains(r.body, "too old") {
			t.Errorf("POST %s with an old token: the form did not come back as typed with the reason:\n%s", tc.path, r.body)
		}
		if title := tc.form.Get("title"); title != "" && strings.Count(r.body, title) != 1 || strings.Contains(r.body, "<b>readers") {
			t.Errorf("POST %s with an old token shows what was typed outside its form fields", tc.path)
		}
		fresh := csrfOf(r.body)
		if fresh == "" || fresh == old {
			t.Errorf("POST %s with an old token: the form carries token %q; want the session's own", tc.path, fresh)
		}
		// Sent again with the token it now carries, it is accepted.
		tc.form.Set("csrf", fresh)
		mustStatus(t, "POST "+tc.path+" again", editor.post(tc.path, tc.form), http.StatusSeeOther)
	}

	// Nothing was done by the refused posts: each was done once, when sent again.
	var n int
	if err := rawCount(t, e, `SELECT count(*) FROM campaign`, &n); err != nil || n != 1 {
		t.Errorf("campaigns stored: %d (%v); want 1", n, err)
	}
	if list, _ := e.st.SearchArticles(ctx, "New story", "", 0, 10); len(list) != 1 {
		t.Errorf("articles titled New story: %d; want 1", len(list))
	}

	// A button with nothing typed, and a request without a session, are
	// refused as before.
	r := editor.post(fmt.Sprintf("/admin/articles/%d/unpublish", stored.ID), url.Values{"csrf": {old}, "confirmed": {"1"}})
	mustStatus(t, "unpublish with an old token", r, http.StatusForbidden)
	if got, _ := e.st.ArticleByID(ctx, stored.ID); !got.IsVisible(e.clock.Now()) {
		t.Error("an unpublish with an old token took the article down")
	}
	stranger := e.client(t)
	r = stranger.post("/admin/campaigns", url.Values{"csrf": {old}, "newsletter": {"1"}, "subject": {"x"}, "markdown": {"TYPED-MARKDOWN"}})
	mustStatus(t, "a post without a session", r, http.StatusUnauthorized)
	if strings.Contains(r.body, "TYPED-MARKDOWN") || !strings.Contains(r.body, "/admin/login") {
		t.Errorf("a post without a session does not lead to the sign-in page alone:\n%s", r.body)
	}
}
