package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/user"
)

// hiddenFields reads the hidden inputs of the first form on a page.
func hiddenFields(t *testing.T, body string) url.Values {
	t.Helper()
	form := body[strings.Index(body, "<form method=\"post\" action=\"/admin/campaigns/"):]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		v.Add(m[1], m[2])
	}
	return v
}

// TestActionsThatCannotBeUndoneAskWithoutScript: without the page's script
// no dialog asks, so the server does: sending, cancelling and unpublishing
// answer with a question whose button posts the same form again, and
// nothing changes until it is answered.
func TestActionsThatCannotBeUndoneAskWithoutScript(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.publish(t, article.Article{Title: "Library budget"})
	e.subscribe(t, "ana@example.net")
	c := e.as(t, user.Editor)
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "article": {fmt.Sprint(a.ID)}})
	id := idFromLocation(t, r)
	state := func() campaign.State {
		cp, err := e.st.Campaign(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return cp.State
	}

	// The campaign page's form carries an unanswered field for the script.
	if page := c.get(fmt.Sprintf("/admin/campaigns/%d", id)); !strings.Contains(page.body, `<input type="hidden" name="confirmed" value="">`) {
		t.Error("the send form has no field for the script to answer")
	}
	ask := c.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"now"}})
	mustStatus(t, "send without an answer", ask, http.StatusOK)
	if !strings.Contains(ask.body, sendQuestion(1)) || !strings.Contains(ask.body, fmt.Sprintf(`href="/admin/campaigns/%d"`, id)) {
		t.Errorf("the question page does not ask or offer a way back:\n%s", ask.body)
	}
	if s := state(); s != campaign.Draft {
		t.Fatalf("asking sent the campaign: %s", s)
	}
	again := hiddenFields(t, ask.body)
	if again.Get("when") != "now" || again.Get("confirmed") != "1" || again.Get("csrf") == "" {
		t.Fatalf("the question's form posts %v; want the same fields, a CSRF token and the answer", again)
	}
	mustStatus(t, "send, answered", c.post(fmt.Sprintf("/admin/campaigns/%d/send", id), again), http.StatusSeeOther)
	if s := state(); s != campaign.Sending {
		t.Fatalf("after answering yes: %s", s)
	}

	// A refusal is told before anything is asked.
	draft := e.publish(t, article.Article{Title: "Not yet", Status: article.Draft})
	r = c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Too early"}, "article": {fmt.Sprint(draft.ID)}})
	mustStatus(t, "send with a draft article", c.post(fmt.Sprintf("/admin/campaigns/%d/send", idFromLocation(t, r)), url.Values{"when": {"now"}}), http.StatusBadRequest)

	ask = c.post(fmt.Sprintf("/admin/campaigns/%d/cancel", id), nil)
	mustStatus(t, "cancel without an answer", ask, http.StatusOK)
	if !strings.Contains(ask.body, questions["stop"]) {
		t.Errorf("cancelling a sending campaign asks something else:\n%s", ask.body)
	}
	if s := state(); s != campaign.Sending {
		t.Fatalf("asking cancelled the campaign: %s", s)
	}
	mustStatus(t, "cancel, answered", c.post(fmt.Sprintf("/admin/campaigns/%d/cancel", id), hiddenFields(t, ask.body)), http.StatusSeeOther)
	if s := state(); s != campaign.Cancelled {
		t.Fatalf("after answering yes: %s", s)
	}

	ask = c.post(fmt.Sprintf("/admin/articles/%d/unpublish", a.ID), nil)
	mustStatus(t, "unpublish without an answer", ask, http.StatusOK)
	if got, _ := e.st.ArticleByID(ctx, a.ID); !strings.Contains(ask.body, questions["unpublish"]) || got.Status != article.Published {
		t.Errorf("unpublishing without an answer: status %s, page:\n%s", got.Status, ask.body)
	}
	mustStatus(t, "unpublish, answered", c.post(fmt.Sprintf("/admin/articles/%d/unpublish", a.ID), url.Values{"confirmed": {"1"}}), http.StatusSeeOther)
	if got, _ := e.st.ArticleByID(ctx, a.ID); got.Status != article.Draft {
		t.Errorf("after answering yes: %s", got.Status)
	}
	// A scheduled article readers cannot see yet goes back to draft unasked.
	later := e.publish(t, article.Article{Title: "Tomorrow", PublishedAt: e.clock.Now().Add(24 * 60 * 60 * 1e9)})
	mustStatus(t, "back to draft", c.post(fmt.Sprintf("/admin/articles/%d/unpublish", later.ID), nil), http.StatusSeeOther)
}

// TestCampaignPageCountsItsAudience: before sending, the page says whom
// the campaign would reach, and warns when that is no one; Send now asks
// with the count.
func TestCampaignPageCountsItsAudience(t *testing.T) {
	e := newEnv(t)
	a := e.publish(t, article.Article{Title: "Library budget"})
	e.subscribe(t, "ana@example.net")
	c := e.as(t, user.Editor)
	some := idFromLocation(t, c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "article": {fmt.Sprint(a.ID)}}))
	none := idFromLocation(t, c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "article": {fmt.Sprint(a.ID)},
		"language": {"fr"}}))
	if page := c.get(fmt.Sprintf("/admin/campaigns/%d", some)); !strings.Contains(page.body, "<strong>1</strong> address now") ||
		!strings.Contains(page.body, `data-confirm="`+sendQuestion(1)+`"`) {
		t.Errorf("the campaign page does not count its audience of one:\n%s", page.body)
	}
	if page := c.get(fmt.Sprintf("/admin/campaigns/%d", none)); !strings.Contains(page.body, "No one is in this audience now") {
		t.Errorf("the page of a campaign to no one gives no warning:\n%s", page.body)
	}
	ask := c.post(fmt.Sprintf("/admin/campaigns/%d/send", none), url.Values{"when": {"now"}})
	mustStatus(t, "send to no one, unanswered", ask, http.StatusOK)
	if !strings.Contains(ask.body, sendQuestion(0)) {
		t.Errorf("Send now does not ask with the count:\n%s", ask.body)
	}
}

// The question asked before sending, cancelling or unpublishing is the
// page's one h1, and the focus starts there, as does the skip link: a
// screen reader hears the question first, and a stray Enter does not
// press the button that cannot be undone.
func TestQuestionPageStartsAtTheQuestion(t *testing.T) {
	e := newEnv(t)
	a := e.publish(t, article.Article{Title: "Library budget"})
	e.subscribe(t, "ana@example.net")
	c := e.as(t, user.Editor)
	id := idFromLocation(t, c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "article": {fmt.Sprint(a.ID)}}))
	for _, tc := range []struct{ path, question string }{
		{fmt.Sprintf("/admin/campaigns/%d/send", id), sendQuestion(1)},
		{fmt.Sprintf("/admin/campaigns/%d/cancel", id), questions["cancel"]},
		{fmt.Sprintf("/admin/articles/%d/unpublish", a.ID), questions["unpublish"]},
	} {
		what := "POST " + tc.path + " unanswered"
		doc := parsePage(t, what, c.post(tc.path, url.Values{"when": {"now"}}))
		h1 := findAll(doc, byTag("h1"))
		if len(h1) != 1 || textOf(h1[0]) != tc.question {
			t.Errorf("%s: %d h1; want one, the question %q", what, len(h1), tc.question)
			continue
		}
		id := attr(h1[0], "id")
		if _, ok := attrOK(h1[0], "autofocus"); !ok || id == "" || attr(h1[0], "tabindex") != "-1" {
			t.Errorf("%s: the question's h1 has id %q, tabindex %q; want an id, tabindex -1 and autofocus", what, id, attr(h1[0], "tabindex"))
		}
		for _, n := range findAll(doc, func(n *html.Node) bool { _, ok := attrOK(n, "autofocus"); return ok }) {
			if n != h1[0] {
				t.Errorf("%s: <%s> takes the focus too", what, n.Data)
			}
		}
		skip := findAll(doc, func(n *html.Node) bool { return attr(n, "class") == "skip" })
		if len(skip) != 1 || attr(skip[0], "href") != "#"+id {
			t.Errorf("%s: the skip link does not lead to the question #%s", what, id)
		}
	}
}
