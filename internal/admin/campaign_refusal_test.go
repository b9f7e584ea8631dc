package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"herald/internal/user"
)

// A refused test or schedule on the campaign's page carries the id the
// page's script moves the focus to, and names the field it is about.
func TestCampaignPageRefusalTakesTheFocus(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"The week"}, "markdown": {"Hello."}})
	mustStatus(t, "create a campaign", r, http.StatusSeeOther)
	page := fmt.Sprintf("/admin/campaigns/%d", idFromLocation(t, r))
	for _, tc := range []struct {
		path  string
		form  url.Values
		field string
	}{
		{page + "/test", url.Values{"to": {"not an address"}}, "to"},
		{page + "/test", url.Values{"to": {""}}, "to"},
		{page + "/send", url.Values{"when": {"later"}, "send_at": {"tomorrow"}}, "send_at"},
		{page + "/send", url.Values{"when": {"later"}, "send_at": {"2001-01-01T07:00"}}, "send_at"},
	} {
		r := c.post(tc.path, tc.form)
		refusal := regexpFind(r.body, `(<div id="form-error"[^\n]*)`)
		if r.status != http.StatusBadRequest || refusal == "" || !strings.Contains(refusal, `data-field="`+tc.field+`"`) ||
			!strings.Contains(refusal, `tabindex="-1"`) {
			t.Errorf("POST %s %v: status %d, refusal %q; want 400 with id=\"form-error\" about field %s",
				tc.path, tc.form, r.status, refusal, tc.field)
		}
	}
}
