package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/user"
)

// parsePage parses a page the way a browser and a screen reader get it.
func parsePage(t *testing.T, what string, r response) *html.Node {
	t.Helper()
	mustStatus(t, what, r, http.StatusOK)
	doc, err := html.Parse(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("parse %s: %v", what, err)
	}
	return doc
}

// findAll returns the elements under n for which match holds, in order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// byTag matches elements by tag name.
func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

// textOf is the text inside n, spaces collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// langOf is the language a screen reader speaks n in: the nearest lang.
func langOf(n *html.Node) string {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode {
			if l, ok := attrOK(n, "lang"); ok {
				return l
			}
		}
	}
	return ""
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// The wording of the signup box in each language is marked as that
// language; the labels around it are the app's English, and a screen
// reader must not read them with a French voice.
func TestSettingsMarkTheLanguageOfTheWordingNotOfTheLabels(t *testing.T) {
	e := newEnv(t)
	if err := e.st.SetSetting(context.Background(), settingLanguages, "en,fr"); err != nil {
		t.Fatal(err)
	}
	doc := parsePage(t, "GET /admin/settings", e.as(t, user.Owner).get("/admin/settings"))
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Data == "label" || n.Data == "legend" || n.Data == "h2" }) {
		if l := langOf(n); l != "en" {
			t.Errorf("GET /admin/settings: <%s>%s</%s> is in language %q; want en", n.Data, textOf(n), n.Data, l)
		}
	}
	for _, name := range []string{"heading_fr", "intro_fr", "button_fr", "consent_fr"} {
		fields := findAll(doc, func(n *html.Node) bool { return attr(n, "name") == name })
		if len(fields) != 1 || langOf(fields[0]) != "fr" {
			t.Errorf("GET /admin/settings: field %s is not marked French (found %d)", name, len(fields))
		}
	}
}

// The original shown beside a translation is marked as its language, and
// the English heading above it is not.
func TestTranslationShowsTheOriginalInItsLanguage(t *testing.T) {
	e := newEnv(t)
	if err := e.st.SetSetting(context.Background(), settingLanguages, "en,fr"); err != nil {
		t.Fatal(err)
	}
	e.publish(t, article.Article{Title: "Les marchés de nuit", Slug: "marches-de-nuit", Language: "fr", Body: "Les étals sont de retour."})
	path := "/admin/articles/new?language=en&translation_of=marches-de-nuit"
	doc := parsePage(t, "GET "+path, e.as(t, user.Editor).get(path))
	heading := findAll(doc, func(n *html.Node) bool { return attr(n, "id") == "compare-title" })
	if len(heading) != 1 {
		t.Fatalf("GET %s: no heading over the original", path)
	}
	if l := langOf(heading[0]); l != "en" {
		t.Errorf("GET %s: heading %q is in language %q; want en", path, textOf(heading[0]), l)
	}
	title := findAll(doc, func(n *html.Node) bool { return n.Data == "h3" && textOf(n) == "Les marchés de nuit" })
	if len(title) != 1 || langOf(title[0]) != "fr" {
		t.Errorf("GET %s: the original's title is not marked French", path)
	}
}

// Each row's buttons on the staff page say whose account they change: a
// screen reader's list of buttons shows them without their table row.
func TestStaffButtonsNameTheAccount(t *testing.T) {
	e := newEnv(t)
	owner := e.as(t, user.Owner)
	if r := owner.post(fmt.Sprintf("/admin/staff/%d/access", e.staff[user.Viewer].ID), url.Values{"access": {"disable"}}); r.status != http.StatusSeeOther {
		t.Fatalf("disable the viewer: status %d", r.status)
	}
	doc := parsePage(t, "GET /admin/staff", owner.get("/admin/staff"))
	seen := map[string]int{}
	for _, b := range findAll(doc, byTag("button")) {
		seen[textOf(b)]++
	}
	for name, n := range seen {
		if n > 1 {
			t.Errorf("GET /admin/staff: %d buttons are named %q; want each to name its account", n, name)
		}
	}
	for _, want := range []string{"Enable " + e.staff[user.Viewer].Email, "Disable " + e.staff[user.Editor].Email,
		"Change the role of " + e.staff[user.Author].Email} {
		if seen[want] != 1 {
			t.Errorf("GET /admin/staff: no button named %q", want)
		}
	}
}

// With two campaigns going, the dashboard's progress bars are told apart
// by name, carry their figures as text, and have a polite status line for
// the script's news; the figures that move every second are not live.
func TestProgressBarsAreNamedAndQuiet(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.publish(t, article.Article{Title: "Library budget"})
	e.subscribe(t, "ana@example.net", "bo@example.net")
	c := e.as(t, user.Editor)
	for _, subject := range []string{"Morning brief", "Evening brief"} {
		r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {subject}, "article": {fmt.Sprint(a.ID)}})
		mustStatus(t, "create "+subject, r, http.StatusSeeOther)
		id := idFromLocation(t, r)
		mustStatus(t, "send "+subject, c.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"now"}, "confirmed": {"1"}}),
			http.StatusSeeOther)
	}
	campaign.NewScheduler(campaign.SchedulerConfig{Store: e.st, Now: e.clock.Now}).Tick(ctx)

	doc := parsePage(t, "GET /admin/", c.get("/admin/"))
	bars := findAll(doc, byTag("progress"))
	if len(bars) != 2 {
		t.Fatalf("GET /admin/ with two campaigns sending: %d progress bars; want 2", len(bars))
	}
	names := map[string]bool{}
	for _, bar := range bars {
		name := attr(bar, "aria-label")
		if !strings.Contains(name, "brief") || names[name] {
			t.Errorf("GET /admin/: progress bar named %q; want a name of its own, with its campaign's subject", name)
		}
		names[name] = true
		id := attr(bar, "aria-describedby")
		text := findAll(doc, func(n *html.Node) bool { return id != "" && attr(n, "id") == id })
		if len(text) != 1 || !strings.Contains(textOf(text[0]), "% done") {
			t.Errorf("GET /admin/: progress bar %q is described by %q, which is not its figures", name, id)
		}
	}
	for _, box := range findAll(doc, func(n *html.Node) bool { return attr(n, "class") == "progress" }) {
		if status := findAll(box, func(n *html.Node) bool { return attr(n, "role") == "status" }); len(status) != 1 {
			t.Errorf("GET /admin/: a progress box has %d status lines; want 1", len(status))
		}
		if live := findAll(box, func(n *html.Node) bool { return attr(n, "aria-live") != "" }); len(live) != 0 {
			t.Errorf("GET /admin/: a progress box has a live region on its moving figures")
		}
	}
}

// The fields the campaign page refuses to act on when empty say they are
// required, before a screen reader user sends the form to find out.
func TestCampaignPageMarksItsRequiredFields(t *testing.T) {
	e := newEnv(t)
	a := e.publish(t, article.Article{Title: "Library budget"})
	c := e.as(t, user.Editor)
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "article": {fmt.Sprint(a.ID)}})
	mustStatus(t, "create", r, http.StatusSeeOther)
	path := fmt.Sprintf("/admin/campaigns/%d", idFromLocation(t, r))
	for name, form := range map[string]url.Values{
		"to":      {"to": {""}},
		"send_at": {"when": {"later"}, "send_at": {""}},
	} {
		action := path + "/test"
		if name == "send_at" {
			action = path + "/send"
		}
		mustStatus(t, "POST "+action+" with "+name+" empty", c.post(action, form), http.StatusBadRequest)
		doc := parsePage(t, "GET "+path, c.get(path))
		fields := findAll(doc, func(n *html.Node) bool { return attr(n, "name") == name })
		if len(fields) != 1 {
			t.Fatalf("GET %s: %d fields named %s; want 1", path, len(fields), name)
		}
		if _, ok := attrOK(fields[0], "required"); !ok {
			t.Errorf("GET %s: field %s, refused when empty, is not marked required", path, name)
		}
	}
}

// What a draft's audience figure means is in the cell's text, where a
// keyboard or screen reader user meets it, not only in a tooltip.
func TestCampaignListSaysADraftsAudienceIsOfNow(t *testing.T) {
	e := newEnv(t)
	e.subscribe(t, "ana@example.net")
	c := e.as(t, user.Editor)
	mustStatus(t, "create", c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "markdown": {"Hello."}}),
		http.StatusSeeOther)
	doc := parsePage(t, "GET /admin/campaigns", c.get("/admin/campaigns"))
	for _, td := range findAll(doc, byTag("td")) {
		if title := attr(td, "title"); title != "" {
			t.Errorf("GET /admin/campaigns: cell %q says %q only in its title", textOf(td), title)
		}
	}
	if cells := findAll(doc, func(n *html.Node) bool { return n.Data == "td" && textOf(n) == "1 if sent now" }); len(cells) != 1 {
		t.Errorf("GET /admin/campaigns: no audience cell reads \"1 if sent now\" for a draft")
	}
}

// A refused form marks the field the refusal is about, and ties the
// message to it, in the page the server sends: without the script a
// screen reader still hears why on reaching the field. The message is
// described once, after what already described the field.
func TestRefusalIsTiedToItsFieldWithoutScript(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"The week"}, "markdown": {"Hello."}})
	mustStatus(t, "create a campaign", r, http.StatusSeeOther)
	page := fmt.Sprintf("/admin/campaigns/%d", idFromLocation(t, r))
	for _, tc := range []struct {
		path      string
		form      url.Values
		field     string
		described string // the field's aria-describedby, wanted
	}{
		{"/admin/articles", url.Values{"title": {"Tide tables"}, "body": {"x"}, "slug": {"Not A Slug!"}}, "slug", "slug-help form-error"},
		{"/admin/articles", url.Values{"title": {""}, "body": {"x"}}, "title", "form-error"},
		{"/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Empty"}}, "markdown", "form-error"},
		{"/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"The week"}, "markdown": {"Hello."}, "language": {"en_us"}}, "language", "form-error"},
		{"/admin/newsletters/1", url.Values{"name": {"News"}, "language": {"en"}, "digest_weekday": {"1"}, "reply_to": {"letters"}}, "reply_to", "form-error"},
		{page + "/test", url.Values{"to": {"not an address"}}, "to", "form-error"},
		{page + "/send", url.Values{"when": {"later"}, "send_at": {"tomorrow"}}, "send_at", "form-error"},
	} {
		what := fmt.Sprintf("POST %s %v", tc.path, tc.form)
		r := c.post(tc.path, tc.form)
		mustStatus(t, what, r, http.StatusBadRequest)
		doc, err := html.Parse(strings.NewReader(r.body))
		if err != nil {
			t.Fatalf("parse %s: %v", what, err)
		}
		if msgs := findAll(doc, func(n *html.Node) bool { return attr(n, "id") == "form-error" }); len(msgs) != 1 {
			t.Errorf("%s: %d elements with id form-error; want the message alone", what, len(msgs))
		}
		fields := findAll(doc, func(n *html.Node) bool { return attr(n, "name") == tc.field })
		if len(fields) != 1 {
			t.Fatalf("%s: %d fields named %s; want 1", what, len(fields), tc.field)
		}
		if got := attr(fields[0], "aria-invalid"); got != "true" {
			t.Errorf("%s: field %s has aria-invalid %q; want \"true\"", what, tc.field, got)
		}
		if got := attr(fields[0], "aria-describedby"); got != tc.described {
			t.Errorf("%s: field %s has aria-describedby %q; want %q", what, tc.field, got, tc.described)
		}
		for _, n := range findAll(doc, func(n *html.Node) bool { return attr(n, "aria-invalid") != "" }) {
			if n != fields[0] {
				t.Errorf("%s: field %s is marked invalid too; want only %s", what, attr(n, "name"), tc.field)
			}
		}
	}
}

// A refused form's title says so, which is the first thing a screen reader
// reads of the page shown again; the same page unrefused does not.
func TestRefusedFormTitleSaysError(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Owner)
	titleOf := func(what string, r response) string {
		doc, err := html.Parse(strings.NewReader(r.body))
		if err != nil {
			t.Fatalf("parse %s: %v", what, err)
		}
		titles := findAll(doc, byTag("title"))
		if len(titles) != 1 {
			t.Fatalf("%s: %d titles; want 1", what, len(titles))
		}
		return textOf(titles[0])
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/admin/articles", url.Values{"title": {""}, "body": {"x"}}},
		{"/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Empty"}}},
		{"/admin/staff", url.Values{"email": {"new@news.example.org"}, "role": {"author"}, "password": {"short"}}},
		{"/admin/settings/test-email", url.Values{"to": {"desk"}}},
	} {
		what := fmt.Sprintf("POST %s %v", tc.path, tc.form)
		r := c.post(tc.path, tc.form)
		if r.status < 400 {
			t.Fatalf("%s: status %d; want a refusal", what, r.status)
		}
		if got := titleOf(what, r); !strings.HasPrefix(got, "Error: ") {
			t.Errorf("%s: title %q; want it to start with \"Error: \"", what, got)
		}
	}
	if got := titleOf("GET /admin/staff", c.get("/admin/staff")); strings.Contains(got, "Error") {
		t.Errorf("GET /admin/staff: title %q speaks of an error", got)
	}
}

// Every data table says what it holds in a caption, which a screen reader
// announces on entering it and lists among the page's tables.
func TestDataTablesHaveCaptions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.publish(t, article.Article{Title: "Library budget"})
	e.subscribe(t, "ana@example.net")
	c := e.as(t, user.Owner)
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "article": {fmt.Sprint(a.ID)}})
	mustStatus(t, "create a campaign", r, http.StatusSeeOther)
	id := idFromLocation(t, r)
	mustStatus(t, "send it", c.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"now"}, "confirmed": {"1"}}), http.StatusSeeOther)
	e.deliverAll(t, nil)
	mustStatus(t, "send a test email", c.post("/admin/settings/test-email", url.Values{"to": {"desk@news.example.org"}}), http.StatusSeeOther)
	subs, err := e.st.SearchSubscribers(ctx, "ana@", "", 0, "", 0, 1)
	if err != nil || len(subs) != 1 {
		t.Fatalf("SearchSubscribers(ana@) = %v, %v; want ana", subs, err)
	}
	pages := map[string]response{
		"import with rows left out": upload(t, c, "1", "list.csv", "email\nnot-an-address\n"),
	}
	for _, path := range []string{"/admin/", "/admin/articles", "/admin/campaigns", fmt.Sprintf("/admin/campaigns/%d?ledger=all", id),
		"/admin/newsletters", "/admin/subscribers", fmt.Sprintf("/admin/subscribers/%d", subs[0].ID), "/admin/outbox",
		"/admin/staff", "/admin/settings"} {
		pages["GET "+path] = c.get(path)
	}
	for what, r := range pages {
		tables := findAll(parsePage(t, what, r), byTag("table"))
		if len(tables) == 0 {
			t.Errorf("%s: no table to check", what)
		}
		for i, table := range tables {
			first := table.FirstChild
			for first != nil && first.Type != html.ElementNode {
				first = first.NextSibling
			}
			if first == nil || first.Data != "caption" || textOf(first) == "" {
				t.Errorf("%s: table %d has no caption before its rows", what, i+1)
			}
		}
	}
}
