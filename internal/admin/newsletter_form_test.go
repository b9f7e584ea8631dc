package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"herald/internal/user"
)

// The newsletter form has two addresses: a refused one is named as the
// form labels it, and marked for the page's script.
func TestNewsletterFormNamesTheRefusedAddress(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	for _, tc := range []struct{ field, value, words string }{
		{"sender_email", "desk@", "The address in the From line is not valid"},
		{"reply_to", "letters", "The address replies go to is not valid"},
	} {
		form := url.Values{"name": {"News"}, "language": {"en"}, "digest_weekday": {"1"},
			"sender_email": {"desk@news.example.org"}, "reply_to": {"letters@news.example.org"}}
		form.Set(tc.field, tc.value)
		r := c.post("/admin/newsletters/1", form)
		mustStatus(t, "save with "+tc.field+" "+tc.value, r, http.StatusBadRequest)
		msg := regexpFind(r.body, `(<div id="form-error"[^\n]*)`)
		if !strings.Contains(msg, `data-field="`+tc.field+`"`) || !strings.Contains(msg, tc.words) {
			t.Errorf("saving with %s %q: the refusal is %s; want it to say %q and mark %s", tc.field, tc.value, msg, tc.words, tc.field)
		}
	}
}
