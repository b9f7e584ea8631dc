package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"herald/internal/user"
)

// An audience's tags and language that could reach no subscriber are
// refused, named as the form labels them, and nothing is stored.
func TestCampaignAudienceIsChecked(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	for _, tc := range []struct {
		tags, language, want, field string
	}{
		{"harbour, news\x00desk", "", `The audience&#39;s tags include &#34;news\x00desk&#34;`, "tags"},
		{"tab\there", "", `The audience&#39;s tags include &#34;tab\there&#34;`, "tags"},
		{"bell\a", "", `The audience&#39;s tags include &#34;bell\a&#34;`, "tags"},
		{"", "zz-zz-zz", `The audience&#39;s language &#34;zz-zz-zz&#34; is not a language tag`, "language"},
		{"", "en_us", `The audience&#39;s language &#34;en_us&#34; is not a language tag`, "language"},
	} {
		r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"The week"}, "markdown": {"Hello."},
			"tags": {tc.tags}, "language": {tc.language}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) ||
			!strings.Contains(r.body, `data-field="`+tc.field+`"`) {
			t.Errorf("a campaign with tags %q and language %q: status %d, refusal %s; want 400 saying %s about field %s",
				tc.tags, tc.language, r.status, regexpFind(r.body, `(<div id="form-error"[^\n]*)`), tc.want, tc.field)
		}
	}
	var n int
	if err := rawCount(t, e, `SELECT count(*) FROM campaign`, &n); err != nil || n != 0 {
		t.Errorf("campaigns stored after refusals: %d (%v); want 0", n, err)
	}
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"The week"}, "markdown": {"Hello."},
		"tags": {"harbour, ferry"}, "language": {"pt-BR"}})
	mustStatus(t, "a campaign with a good audience", r, http.StatusSeeOther)
}
