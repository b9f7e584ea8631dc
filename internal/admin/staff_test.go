package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/user"
)

func TestOwnerManagesStaff(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner := e.as(t, user.Owner)
	page := owner.get("/admin/staff")
	mustStatus(t, "staff page", page, http.StatusOK)
	for _, r := range user.Roles() {
		if !strings.Contains(page.body, e.staff[r].Email) {
			t.Errorf("staff page lacks %s", e.staff[r].Email)
		}
	}
	r := owner.post("/admin/staff", url.Values{"email": {"new@news.example.org"}, "name": {"New Person"}, "role": {"author"}, "password": {testPassword}})
	mustStatus(t, "add", r, http.StatusSeeOther)
	nu, err := e.users.UserByEmail(ctx, "new@news.example.org")
	if err != nil || nu.Role != user.Author {
		t.Fatalf("added account = %+v, %v", nu, err)
	}
	mustStatus(t, "add with a short password", owner.post("/admin/staff", url.Values{"email": {"x@news.example.org"}, "role": {"author"},
		"password": {"short"}}), http.StatusBadRequest)
	mustStatus(t, "add twice", owner.post("/admin/staff", url.Values{"email": {"NEW@news.example.org"}, "role": {"author"},
		"password": {testPassword}}), http.StatusConflict)
	mustStatus(t, "change role", owner.post(fmt.Sprintf("/admin/staff/%d/role", nu.ID), url.Values{"role": {"editor"}}), http.StatusSeeOther)
	if u, _ := e.users.User(ctx, nu.ID); u.Role != user.Editor {
		t.Errorf("role after change = %s", u.Role)
	}
	// Disabling ends the account's sessions at once.
	victim := e.as(t, user.Viewer)
	mustStatus(t, "disable", owner.post(fmt.Sprintf("/admin/staff/%d/access", e.staff[user.Viewer].ID), url.Values{"access": {"disable"}}), http.StatusSeeOther)
	mustStatus(t, "disabled account's next request", victim.get("/admin/"), http.StatusSeeOther)
	mustStatus(t, "enable", owner.post(fmt.Sprintf("/admin/staff/%d/access", e.staff[user.Viewer].ID), url.Values{"access": {"enable"}}), http.StatusSeeOther)
	me := e.staff[user.Owner].ID
	mustStatus(t, "demote oneself", owner.post(fmt.Sprintf("/admin/staff/%d/role", me), url.Values{"role": {"viewer"}}), http.StatusBadRequest)
	mustStatus(t, "disable oneself", owner.post(fmt.Sprintf("/admin/staff/%d/access", me), url.Values{"access": {"disable"}}), http.StatusBadRequest)
	mustStatus(t, "editor opens staff", e.as(t, user.Editor).get("/admin/staff"), http.StatusForbidden)
}

func TestSettingsAndTestEmail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner := e.as(t, user.Owner)
	page := owner.get("/admin/settings")
	mustStatus(t, "settings", page, http.StatusOK)
	if !strings.Contains(page.body, `value="The Harbour Times"`) || !strings.Contains(page.body, "built-in outbox") {
		t.Error("settings page lacks the defaults or the mail status")
	}
	form := url.Values{"name": {"Harbour Times"}, "logo_url": {"https://cdn.example.org/logo.svg"}, "languages": {"en, fr"},
		"heading_en": {"Get the brief"}, "consent_fr": {"J'accepte de recevoir la lettre."}}
	mustStatus(t, "save", owner.post("/admin/settings", form), http.StatusSeeOther)
	st, err := e.h.loadSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Name != "Harbour Times" || strings.Join(st.Languages, ",") != "en,fr" || st.Signup["en"].Heading != "Get the brief" ||
		st.Signup["fr"].Consent != "J'accepte de recevoir la lettre." {
		t.Errorf("settings = %+v", st)
	}
	for name, bad := range map[string]url.Values{
		"script logo":   {"name": {"x"}, "languages": {"en"}, "logo_url": {"javascript:alert(1)"}},
		"data logo":     {"name": {"x"}, "languages": {"en"}, "logo_url": {"data:image/svg+xml,<svg onload=alert(1)>"}},
		"other host":    {"name": {"x"}, "languages": {"en"}, "logo_url": {"//evil.example/logo.png"}},
		"no name":       {"name": {""}, "languages": {"en"}},
		"bad language":  {"name": {"x"}, "languages": {"english"}},
		"two-line name": {"name": {"a\nb"}, "languages": {"en"}},
	} {
		mustStatus(t, "save "+name, owner.post("/admin/settings", bad), http.StatusBadRequest)
	}
	if st, _ := e.h.loadSettings(ctx); st.Name != "Harbour Times" {
		t.Error("a refused form changed the settings")
	}
	mustStatus(t, "test email", owner.post("/admin/settings/test-email", url.Values{"to": {"owner@news.example.org"}}), http.StatusSeeOther)
	ds, rs, err := e.st.AddressedDeliveries(ctx, KindTestEmail, 5)
	if err != nil || len(ds) != 1 || rs[0].State != delivery.Queued || ds[0].Recipient != "owner@news.example.org" {
		t.Fatalf("queued test emails = %+v, %v", ds, err)
	}
	out, err := NewTestMail("Harbour Times", testBase, mail.Address{Email: "news@news.example.org"}, e.clock.Now).Render(ctx, ds[0])
	if err != nil {
		t.Fatal(err)
	}
	p, err := mail.Parse(out.Data)
	if err != nil || p.Subject != "Test email from Harbour Times" || out.To != "owner@news.example.org" {
		t.Errorf("test email: %q to %s (%v)", p.Subject, out.To, err)
	}
	if !strings.Contains(owner.get("/admin/settings").body, "owner@news.example.org</td>") {
		t.Error("the settings page does not list the test email")
	}
	mustStatus(t, "editor opens settings", e.as(t, user.Editor).get("/admin/settings"), http.StatusForbidden)
}

// A test email to an address the server refuses shows the settings again,
// with the reason beside the address as typed, and queues nothing.
func TestTestEmailToARefusedAddress(t *testing.T) {
	e := newEnv(t)
	owner := e.as(t, user.Owner)
	r := owner.post("/admin/settings/test-email", url.Values{"to": {"desk@localhost"}})
	mustStatus(t, "test email to desk@localhost", r, http.StatusBadRequest)
	for _, want := range []string{`name="languages"`, `value="The Harbour Times"`,
		`<input id="test-to" name="to" type="email" required value="desk@localhost" aria-invalid="true" aria-describedby="test-to-error">`,
		`<p id="test-to-error" class="form-error" role="alert">`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the refused test email's page lacks %s", want)
		}
	}
	if strings.Contains(r.body, "<strong>Not saved.</strong>") {
		t.Error("the refused test email is reported as a settings form not saved")
	}
	if ds, _, err := e.st.AddressedDeliveries(context.Background(), KindTestEmail, 5); err != nil || len(ds) != 0 {
		t.Errorf("after the refusal, queued test emails = %+v, %v; want none", ds, err)
	}
}

func TestNewslettersCreateAndEdit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(t, user.Editor)
	form := url.Values{"name": {"Morning Brief"}, "slug": {"morning-brief"}, "language": {"en"}, "sender_name": {"The Desk"},
		"sender_email": {"desk@news.example.org"}, "reply_to": {"letters@news.example.org"}, "digest": {"daily"},
		"digest_time": {"06:30"}, "digest_weekday": {"1"}, "timezone": {"Europe/Lisbon"}}
	mustStatus(t, "create", c.post("/admin/newsletters", form), http.StatusSeeOther)
	mustStatus(t, "create twice", c.post("/admin/newsletters", form), http.StatusBadRequest)
	nls, _ := e.st.Newsletters(ctx)
	if len(nls) != 2 || nls[1].SenderEmail != "desk@news.example.org" || nls[1].Digest != "daily" || nls[1].Timezone != "Europe/Lisbon" {
		t.Fatalf("newsletters = %+v", nls)
	}
	form.Set("name", "Morning Brief daily")
	form.Set("digest", "weekly")
	form.Set("digest_weekday", "5")
	mustStatus(t, "edit", c.post(fmt.Sprintf("/admin/newsletters/%d", nls[1].ID), form), http.StatusSeeOther)
	nls, _ = e.st.Newsletters(ctx)
	if nls[1].Name != "Morning Brief daily" || nls[1].Digest != "weekly" || nls[1].DigestWeekday != 5 || nls[1].Slug != "morning-brief" {
		t.Errorf("after edit = %+v", nls[1])
	}
	// A digest switched off and on again later starts from then, not
	// with everything published meanwhile.
	form.Set("digest", "")
	mustStatus(t, "digest off", c.post(fmt.Sprintf("/admin/newsletters/%d", nls[1].ID), form), http.StatusSeeOther)
	e.clock.Advance(3 * time.Hour)
	form.Set("digest", "weekly")
	mustStatus(t, "digest on again", c.post(fmt.Sprintf("/admin/newsletters/%d", nls[1].ID), form), http.StatusSeeOther)
	nls, _ = e.st.Newsletters(ctx)
	if !nls[1].LastDigestAt.Equal(e.clock.Now().Truncate(time.Millisecond)) {
		t.Errorf("digest clock after switching it on again = %v, want %v", nls[1].LastDigestAt, e.clock.Now())
	}
	form.Set("timezone", "Mars/Olympus")
	mustStatus(t, "bad time zone", c.post(fmt.Sprintf("/admin/newsletters/%d", nls[1].ID), form), http.StatusBadRequest)
	list := e.as(t, user.Viewer).get("/admin/newsletters")
	if !strings.Contains(list.body, "Morning Brief daily") || strings.Contains(list.body, "/admin/newsletters/new") {
		t.Error("a viewer's list of newsletters is wrong")
	}
	if !strings.Contains(list.body, "weekly on Fridays at 06:30") {
		t.Errorf("the list does not say on which day the weekly digest goes")
	}
}

func TestDashboard(t *testing.T) {
	e := newEnv(t)
	e.subscribe(t, "ana@example.net", "bo@example.net")
	e.signup(t, "cy@example.net", "")
	c := e.as(t, user.Editor)
	page := c.get("/admin/")
	mustStatus(t, "dashboard", page, http.StatusOK)
	for _, want := range []string{"<svg", "<polyline", "Confirmed subscriptions, last 30 days", `<td class="num">1</td><td class="num">2</td>`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// Each chart's table of numbers is headed with what it counts.
	for id, column := range map[string]string{"growth": "Confirmed", "sent": "Sent"} {
		chart := page.body[strings.Index(page.body, `id="`+id+`-heading"`):]
		chart = chart[:strings.Index(chart, "</figure>")]
		if want := `<th scope="col">Day</th><th scope="col" class="num">` + column + `</th>`; !strings.Contains(chart, want) {
			t.Errorf("the %s chart's table lacks %s", id, want)
		}
	}
	c2 := campaign.Campaign{NewsletterID: 1, Subject: "Evening edition", Markdown: "Hello", ArticleMode: campaign.Full,
		State: campaign.Draft, Kind: campaign.Manual}
	ctx := context.Background()
	id, err := e.st.CreateCampaign(ctx, &c2)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.MoveCampaign(ctx, id, campaign.Sending, e.clock.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.FreezeChunk(ctx, id, 100, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	page = c.get("/admin/")
	for _, want := range []string{"Evening edition", fmt.Sprintf(`data-progress="/admin/campaigns/%d/progress"`, id),
		`<progress max="2" value="0"`, `data-state="sending"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("dashboard while sending lacks %q", want)
		}
	}
	author := e.as(t, user.Author).get("/admin/")
	if strings.Contains(author.body, "<svg") || strings.Contains(author.body, "Sending now") {
		t.Error("an author's dashboard shows figures the role may not see")
	}
}

func TestConfirmedSeries(t *testing.T) {
	got := confirmedSeries(10, []int{0, 2, 3, 0}, []int{0, 0, 1, 1})
	want := []int{7, 9, 11, 10}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("confirmedSeries = %v, want %v", got, want)
	}
	c := newLineChart("t", "n", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), []int{0, 5, 3})
	if len(c.Points) != 3 || c.Points[1].Y >= c.Points[2].Y || c.YTicks[len(c.YTicks)-1].Text != "5" {
		t.Errorf("chart = %+v", c)
	}
}
