package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/user"
)

// A button pressed twice, as by a double click or a form posted again,
// asks for a move the first press made already: the second answer leads
// to the campaign as the first did, not to an error page.
func TestCampaignButtonPressedTwice(t *testing.T) {
	e := newEnv(t)
	a := e.publish(t, article.Article{Title: "Library budget"})
	e.subscribe(t, "ana@example.net", "bo@example.net")
	c := e.as(t, user.Editor)
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "article": {fmt.Sprint(a.ID)}})
	mustStatus(t, "create", r, http.StatusSeeOther)
	id := idFromLocation(t, r)
	page := fmt.Sprintf("/admin/campaigns/%d", id)
	for _, step := range []struct {
		action string
		form   url.Values
		done   string
	}{
		{"send", url.Values{"when": {"later"}, "send_at": {e.clock.Now().Add(3 * time.Hour).Format(datetimeLocal)}}, "scheduled"},
		{"unschedule", nil, "unscheduled"},
		{"send", url.Values{"when": {"now"}, "confirmed": {"1"}}, "sending"},
		{"pause", nil, "paused"},
		{"resume", nil, "resumed"},
		{"cancel", url.Values{"confirmed": {"1"}}, "cancelled"},
	} {
		for press := 1; press <= 2; press++ {
			r := c.post(page+"/"+step.action, step.form)
			if r.status != http.StatusSeeOther || location(r) != page+"?done="+step.done {
				t.Fatalf("press %d of %s: status %d, location %q; want 303 to %s?done=%s\n%s",
					press, step.action, r.status, location(r), page, step.done, strings.TrimSpace(r.body))
			}
		}
	}
}
