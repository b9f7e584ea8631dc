package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"herald/internal/user"
)

// The new-campaign form posted twice, as by a double click on Create or a
// form sent again, makes one draft: the second answer leads to it.
func TestNewCampaignPostedTwiceIsCreatedOnce(t *testing.T) {
	e := newEnv(t)
	editor := e.as(t, user.Editor)
	form := func(text string) url.Values {
		return url.Values{"newsletter": {"1"}, "subject": {"The week"}, "markdown": {text}, "mode": {"full"},
			"tags": {"Harbour, ferry"}, "language": {"en"}}
	}
	count := func(what string, want int) {
		t.Helper()
		var n int
		if err := rawCount(t, e, `SELECT count(*) FROM campaign`, &n); err != nil || n != want {
			t.Errorf("%s: %d campaigns stored (%v); want %d", what, n, err, want)
		}
	}
	first := editor.post("/admin/campaigns", form("Hello."))
	mustStatus(t, "create", first, http.StatusSeeOther)
	second := editor.post("/admin/campaigns", form("Hello."))
	if second.status != http.StatusSeeOther || location(second) != location(first) {
		t.Errorf("the same form posted again: status %d to %q; want 303 to %q, the campaign made by the first",
			second.status, location(second), location(first))
	}
	count("after one form was posted twice", 1)

	// At the same moment, and with no audience narrowed: still one.
	plain := func() url.Values {
		f := form("At once.")
		f.Del("tags")
		f.Del("language")
		return f
	}
	got := postsAtOnce([]*client{editor, editor}, []string{"/admin/campaigns", "/admin/campaigns"},
		[]url.Values{plain(), plain()})
	if got[0] != http.StatusSeeOther || got[1] != http.StatusSeeOther {
		t.Fatalf("one form posted twice at once answered %v; want 303 for both", got)
	}
	count("after one form was posted twice at once", 2)

	// Other words are another campaign; so are the same words once the
	// first was saved since, or a while later.
	mustStatus(t, "another text", editor.post("/admin/campaigns", form("Other words.")), http.StatusSeeOther)
	count("after another text", 3)
	id := idFromLocation(t, first)
	mustStatus(t, "save the first", editor.post(fmt.Sprintf("/admin/campaigns/%d", id), form("Hello.")), http.StatusSeeOther)
	mustStatus(t, "the first's words after a save", editor.post("/admin/campaigns", form("Hello.")), http.StatusSeeOther)
	count("after the words of a campaign saved since", 4)
	e.clock.Advance(2 * time.Minute)
	mustStatus(t, "the same words later", editor.post("/admin/campaigns", form("Other words.")), http.StatusSeeOther)
	count("after the same words two minutes later", 5)
}
