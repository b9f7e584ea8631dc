package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"herald/internal/user"
)

// Erasing a person twice, by a double click or a reload, leads both times
// to the list saying they were erased, not to a page saying they were
// never there.
func TestErasePressedTwice(t *testing.T) {
	e := newEnv(t)
	e.subscribe(t, "ana@example.net", "bo@example.net")
	c := e.as(t, user.Editor)
	confirmed := url.Values{"confirm": {"yes"}}
	for i := range 2 {
		r := c.post("/admin/subscribers/1/erase", confirmed)
		if r.status != http.StatusSeeOther || location(r) != "/admin/subscribers?done=erased" {
			t.Errorf("erase pressed %d times: status %d to %q; want 303 to /admin/subscribers?done=erased", i+1, r.status, location(r))
		}
	}
	if list := c.get("/admin/subscribers?done=erased"); !strings.Contains(list.body, "data was erased") {
		t.Error("the list the second press leads to does not say the person was erased")
	}
	path := "/admin/subscribers/2/erase"
	got := postsAtOnce([]*client{c, c}, []string{path, path}, []url.Values{confirmed, {"confirm": {"yes"}}})
	if got[0] != http.StatusSeeOther || got[1] != http.StatusSeeOther {
		t.Errorf("erase pressed twice at once answered %v; want 303 for both", got)
	}
	var n int
	if err := rawCount(t, e, `SELECT count(*) FROM subscriber`, &n); err != nil || n != 0 {
		t.Errorf("subscribers left: %d (%v); want 0", n, err)
	}
	// Without the box ticked, nothing is claimed about a person not there.
	mustStatus(t, "erase unconfirmed", c.post(fmt.Sprintf("/admin/subscribers/%d/erase", 1), nil), http.StatusNotFound)
}
