package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// subscribe imports confirmed subscribers of the default newsletter.
func (e *env) subscribe(t *testing.T, emails ...string) {
	t.Helper()
	rows := make([]subscriber.ImportRow, len(emails))
	for i, m := range emails {
		rows[i] = subscriber.ImportRow{Line: i + 2, Email: m, Name: "Reader " + fmt.Sprint(i)}
	}
	_, err := e.st.ImportSubscribers(context.Background(), 1, rows,
		subscriber.ImportOptions{Confirmed: true, Source: "test", At: e.clock.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatalf("ImportSubscribers: %v", err)
	}
}

// deliverAll does what the scheduler and the engine would: freezes the
// audience, then records an answer for every delivery — a refusal for the
// addresses in refuse — and marks finished campaigns sent.
func (e *env) deliverAll(t *testing.T, refuse map[string]bool) {
	t.Helper()
	ctx := context.Background()
	sched := campaign.NewScheduler(campaign.SchedulerConfig{Store: e.st, Now: e.clock.Now})
	sched.Tick(ctx)
	list, err := e.st.ClaimDeliveries(ctx, delivery.Claim{Owner: "test", Now: e.clock.Now(), Lease: time.Minute, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var rs []delivery.Result
	for _, d := range list {
		r := delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: e.clock.Now(), FirstAttempt: e.clock.Now(), Attempted: true}
		if refuse[d.Recipient] {
			r.State, r.Code, r.Status, r.Text = delivery.Failed, 550, "5.1.1", "mailbox unavailable: no such user here"
		}
		rs = append(rs, r)
	}
	if _, err := e.st.RecordResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	sched.Tick(ctx)
}

func TestCampaignFromArticleToResults(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.publish(t, article.Article{Title: "Harbour bridge reopens", Body: "The first bus crossed at 6:12."})
	e.subscribe(t, "ana@example.net", "bo@example.net", "cy@example.net")
	editor := e.as(t, user.Editor)

	form := editor.get(fmt.Sprintf("/admin/campaigns/new?article=%d", a.ID))
	if !strings.Contains(form.body, `value="Harbour bridge reopens"`) || !strings.Contains(form.body, "checked") {
		t.Error("composing from an article does not start with its title and the article ticked")
	}
	r := editor.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Morning brief"}, "article": {fmt.Sprint(a.ID)},
		"mode": {"full"}, "markdown": {"Good morning, **harbour**."}, "preheader": {"The bridge is open"}})
	mustStatus(t, "create campaign", r, http.StatusSeeOther)
	id := idFromLocation(t, r)
	page := editor.get(fmt.Sprintf("/admin/campaigns/%d", id))
	mustStatus(t, "campaign page", page, http.StatusOK)
	for _, want := range []string{"Morning brief", "The Harbour Times&#34; &lt;news@news.example.org&gt;", "List-Unsubscribe",
		"The first bus crossed at 6:12.", fmt.Sprintf(`src="/admin/campaigns/%d/email"`, id), "Desktop", "Mobile", "Plain text"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("campaign page lacks %q", want)
		}
	}
	email := editor.get(fmt.Sprintf("/admin/campaigns/%d/email", id))
	mustStatus(t, "email HTML", email, http.StatusOK)
	csp := email.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'self'") || !strings.Contains(csp, "sandbox") || strings.Contains(csp, "script-src") {
		t.Errorf("email frame CSP = %q", csp)
	}
	if !strings.Contains(email.body, "<strong>harbour</strong>") || !strings.Contains(email.body, "Harbour bridge reopens") {
		t.Error("the framed email lacks the campaign's text or article")
	}

	mustStatus(t, "edit draft", editor.post(fmt.Sprintf("/admin/campaigns/%d", id), url.Values{"newsletter": {"1"},
		"subject": {"Morning brief: the bridge"}, "article": {fmt.Sprint(a.ID)}, "mode": {"teaser"}}), http.StatusSeeOther)
	mustStatus(t, "test send", editor.post(fmt.Sprintf("/admin/campaigns/%d/test", id), url.Values{"to": {"desk@example.net"}}), http.StatusSeeOther)
	ds, _, err := e.st.AddressedDeliveries(ctx, delivery.KindCampaignTest, 5)
	if err != nil || len(ds) != 1 || ds[0].Recipient != "desk@example.net" || ds[0].CampaignID != id {
		t.Errorf("test sends queued = %+v, %v; want one to desk@example.net", ds, err)
	}
	bad := editor.post(fmt.Sprintf("/admin/campaigns/%d/test", id), url.Values{"to": {"not an address"}})
	mustStatus(t, "test to a bad address", bad, http.StatusBadRequest)
	if !strings.Contains(bad.body, `<strong>Not sent.</strong>`) || !strings.Contains(bad.body, `value="not an address"`) {
		t.Error("a refused test does not show the campaign again with the reason and what was typed")
	}
	late := editor.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"later"}, "send_at": {"2001-01-01T07:00"}})
	mustStatus(t, "send at a past time", late, http.StatusBadRequest)
	if !strings.Contains(late.body, "The time to send at has passed") || !strings.Contains(late.body, `value="2001-01-01T07:00"`) {
		t.Error("a send at a past time does not show the campaign again with the reason and the time typed")
	}

	r = editor.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"now"}, "confirmed": {"1"}})
	mustStatus(t, "send", r, http.StatusSeeOther)
	if c, _ := e.st.Campaign(ctx, id); c.State != campaign.Sending || c.Subject != "Morning brief: the bridge" {
		t.Fatalf("after send: %s %q", c.State, c.Subject)
	}
	sending := editor.get(fmt.Sprintf("/admin/campaigns/%d", id))
	if !strings.Contains(sending.body, "<progress") || !strings.Contains(sending.body, ">Refresh</a>") {
		t.Error("a sending campaign's page has no progress bar or refresh link")
	}
	mustStatus(t, "edit while sending", editor.post(fmt.Sprintf("/admin/campaigns/%d", id), url.Values{"newsletter": {"1"},
		"subject": {"Changed"}, "article": {fmt.Sprint(a.ID)}}), http.StatusConflict)

	e.deliverAll(t, map[string]bool{"bo@example.net": true})
	var p progressJSON
	prog := editor.get(fmt.Sprintf("/admin/campaigns/%d/progress", id))
	if err := json.Unmarshal([]byte(prog.body), &p); err != nil {
		t.Fatalf("progress %q: %v", prog.body, err)
	}
	if want := (progressJSON{State: campaign.Sent, Total: 3, Sent: 2, Failed: 1, Done: 3, Percent: 100, Frozen: true}); p != want {
		t.Errorf("progress = %+v, want %+v", p, want)
	}
	// Someone who got it unsubscribes afterwards.
	bo, _ := e.st.SearchSubscribers(ctx, "ana@", "", 0, "", 0, 1)
	e.clock.Advance(time.Minute)
	if _, err := e.st.UnsubscribeSubscriber(ctx, bo[0].ID, 1, subscriber.Consent{SubscriberID: bo[0].ID, Action: subscriber.ConsentUnsubscribe,
		At: e.clock.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	results := editor.get(fmt.Sprintf("/admin/campaigns/%d", id))
	for _, want := range []string{"550 5.1.1", "mailbox unavailable: no such user here", "bo@example.net",
		`<dt>Unsubscribed since</dt><dd>1</dd>`, `<dt>Sent</dt><dd data-field="sent">2</dd>`, `<dt>Failed</dt><dd data-field="failed">1</dd>`} {
		if !strings.Contains(results.body, want) {
			t.Errorf("results lack %q", want)
		}
	}
	if list := editor.get("/admin/campaigns").body; !strings.Contains(list, "sent <time") {
		t.Error("the campaign list does not say when the sent campaign was sent")
	}
	// Every outcome can be listed, address by address.
	sent := editor.get(fmt.Sprintf("/admin/campaigns/%d?ledger=sent", id))
	if !strings.Contains(sent.body, "ana@example.net") || strings.Contains(sent.body, "bo@example.net") ||
		!strings.Contains(sent.body, `aria-current="page">Sent (2)</a>`) {
		t.Error("the sent list does not show who got the campaign, and only them")
	}
	all := editor.get(fmt.Sprintf("/admin/campaigns/%d?ledger=all", id))
	for _, want := range []string{"ana@example.net", "bo@example.net", "<td>sent</td>", "<td>failed</td>"} {
		if !strings.Contains(all.body, want) {
			t.Errorf("the list of every delivery lacks %q", want)
		}
	}
	mustStatus(t, "an unknown list", editor.get(fmt.Sprintf("/admin/campaigns/%d?ledger=lost", id)), http.StatusBadRequest)
	viewer := e.as(t, user.Viewer).get(fmt.Sprintf("/admin/campaigns/%d", id))
	if !strings.Contains(viewer.body, "no such user here") || strings.Contains(viewer.body, "bo@example.net") {
		t.Error("a viewer should see why mail failed but not to whom")
	}
}

func TestCampaignStateMoves(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.publish(t, article.Article{Title: "Library budget"})
	e.subscribe(t, "ana@example.net")
	c := e.as(t, user.Editor)
	mk := func() int64 {
		r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "article": {fmt.Sprint(a.ID)}})
		mustStatus(t, "create", r, http.StatusSeeOther)
		return idFromLocation(t, r)
	}
	state := func(id int64) campaign.State {
		cp, err := e.st.Campaign(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return cp.State
	}
	id := mk()
	mustStatus(t, "resume a draft", c.post(fmt.Sprintf("/admin/campaigns/%d/resume", id), nil), http.StatusConflict)
	mustStatus(t, "schedule in the past", c.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"later"},
		"send_at": {e.clock.Now().Add(-time.Hour).Format(datetimeLocal)}}), http.StatusBadRequest)
	mustStatus(t, "schedule", c.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"later"},
		"send_at": {e.clock.Now().Add(3 * time.Hour).Format(datetimeLocal)}}), http.StatusSeeOther)
	if s := state(id); s != campaign.Scheduled {
		t.Errorf("after scheduling: %s", s)
	}
	mustStatus(t, "unschedule", c.post(fmt.Sprintf("/admin/campaigns/%d/unschedule", id), nil), http.StatusSeeOther)
	if s := state(id); s != campaign.Draft {
		t.Errorf("after unscheduling: %s", s)
	}
	mustStatus(t, "send", c.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"now"}, "confirmed": {"1"}}), http.StatusSeeOther)
	mustStatus(t, "pause", c.post(fmt.Sprintf("/admin/campaigns/%d/pause", id), nil), http.StatusSeeOther)
	if s := state(id); s != campaign.Paused {
		t.Errorf("after pausing: %s", s)
	}
	mustStatus(t, "resume", c.post(fmt.Sprintf("/admin/campaigns/%d/resume", id), nil), http.StatusSeeOther)
	mustStatus(t, "cancel", c.post(fmt.Sprintf("/admin/campaigns/%d/cancel", id), url.Values{"confirmed": {"1"}}), http.StatusSeeOther)
	if s := state(id); s != campaign.Cancelled {
		t.Errorf("after cancelling: %s", s)
	}
	mustStatus(t, "pause a cancelled one", c.post(fmt.Sprintf("/admin/campaigns/%d/pause", id), nil), http.StatusConflict)

	// An article that readers cannot see yet would be a dead link.
	draft := e.publish(t, article.Article{Title: "Not yet", Status: article.Draft})
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Too early"}, "article": {fmt.Sprint(draft.ID)}})
	id = idFromLocation(t, r)
	mustStatus(t, "send with a draft article", c.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"now"}}), http.StatusBadRequest)
	mustStatus(t, "create without content", c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Empty"}}), http.StatusBadRequest)
	mustStatus(t, "create for no newsletter", c.post("/admin/campaigns", url.Values{"newsletter": {"99"}, "subject": {"x"}, "markdown": {"y"}}), http.StatusBadRequest)
	list := c.get("/admin/campaigns")
	if strings.Count(list.body, `<a href="/admin/campaigns/`) < 2 {
		t.Error("the campaign list does not list the campaigns")
	}
}

// A campaign cancelled while mail is out with a worker still moves: the
// page keeps reading its progress, and offers Refresh without the script,
// until every delivery has its answer.
func TestCancelledCampaignMovesUntilItsMailIsBack(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.publish(t, article.Article{Title: "Library budget"})
	e.subscribe(t, "ana@example.net", "bo@example.net", "cy@example.net")
	c := e.as(t, user.Editor)
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Issue"}, "article": {fmt.Sprint(a.ID)}})
	mustStatus(t, "create", r, http.StatusSeeOther)
	id := idFromLocation(t, r)
	mustStatus(t, "send", c.post(fmt.Sprintf("/admin/campaigns/%d/send", id), url.Values{"when": {"now"}, "confirmed": {"1"}}), http.StatusSeeOther)
	campaign.NewScheduler(campaign.SchedulerConfig{Store: e.st, Now: e.clock.Now}).Tick(ctx)
	out, err := e.st.ClaimDeliveries(ctx, delivery.Claim{Owner: "test", Now: e.clock.Now(), Lease: time.Minute, Limit: 2})
	if err != nil || len(out) != 2 {
		t.Fatalf("ClaimDeliveries(limit 2) = %d deliveries, %v; want 2", len(out), err)
	}
	mustStatus(t, "cancel", c.post(fmt.Sprintf("/admin/campaigns/%d/cancel", id), url.Values{"confirmed": {"1"}}), http.StatusSeeOther)

	progress := func() progressJSON {
		t.Helper()
		var p progressJSON
		r := c.get(fmt.Sprintf("/admin/campaigns/%d/progress", id))
		if err := json.Unmarshal([]byte(r.body), &p); err != nil {
			t.Fatalf("progress %q: %v", r.body, err)
		}
		return p
	}
	if p := progress(); p.State != campaign.Cancelled || p.Waiting != 2 || !p.Live {
		t.Errorf("progress while two are out = %+v; want cancelled, 2 waiting, live", p)
	}
	page := c.get(fmt.Sprintf("/admin/campaigns/%d", id)).body
	if !strings.Contains(page, `data-state="cancelled" data-live>`) || !strings.Contains(page, ">Refresh</a>") {
		t.Error("the page of a cancelled campaign with mail out neither keeps reading its progress nor offers Refresh")
	}

	var rs []delivery.Result
	for _, d := range out {
		rs = append(rs, delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: e.clock.Now(),
			FirstAttempt: e.clock.Now(), Attempted: true})
	}
	if _, err := e.st.RecordResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if p := progress(); p.Waiting != 0 || p.Live || p.Sent != 2 || p.Skipped != 1 {
		t.Errorf("progress once all is back = %+v; want 2 sent, 1 skipped, none waiting, not live", p)
	}
	page = c.get(fmt.Sprintf("/admin/campaigns/%d", id)).body
	if strings.Contains(page, "data-live") || strings.Contains(page, ">Refresh</a>") {
		t.Error("the page of a cancelled campaign with all mail back still reads its progress or offers Refresh")
	}
}

// TestPreviewCannotReachSecrets writes template actions into everything a
// campaign's email is made of. The email must show them as text: no
// template runs on content, and nothing from the server's configuration or
// the viewer's session appears.
func TestPreviewCannotReachSecrets(t *testing.T) {
	e := newEnv(t)
	tricks := `{{.}} {{printf "%v" .}} {{template "layout" .}} {{.Secret}} {{call .Users}} ${{7*7}}`
	a := e.publish(t, article.Article{Title: "Title " + tricks, Standfirst: tricks, Body: tricks})
	c := e.as(t, user.Editor)
	r := c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Subject {{.}}"}, "article": {fmt.Sprint(a.ID)},
		"markdown": {tricks}, "preheader": {"{{.Secret}}"}})
	mustStatus(t, "create", r, http.StatusSeeOther)
	id := idFromLocation(t, r)
	var session string
	for _, ck := range c.http.Jar.Cookies(mustURL(t, e.srv.URL+"/admin/")) {
		if ck.Name == "herald_session" {
			session = ck.Value
		}
	}
	for _, p := range []string{fmt.Sprintf("/admin/campaigns/%d", id), fmt.Sprintf("/admin/campaigns/%d/email", id)} {
		body := c.get(p).body
		for _, secret := range []string{string(testSecret), session, "argon2id", "$argon2"} {
			if secret != "" && strings.Contains(body, secret) {
				t.Errorf("%s shows a secret (%.12s…)", p, secret)
			}
		}
		if !strings.Contains(body, "{{.Secret}}") || strings.Contains(body, "${{7*7}}49") || strings.Contains(body, "map[") {
			t.Errorf("%s: the template actions are not shown as written", p)
		}
	}
}

// A refusal names a field by the words its form labels it with.
func TestRefusalsNameFieldsAsLabelled(t *testing.T) {
	for _, c := range []struct{ field, rule, want string }{
		{"slug", "must be 1 to 120 lowercase letters", "The address must be 1 to 120 lowercase letters."},
		{"send_at", "has passed", "The time to send at has passed."},
		{"title", "is required", "Title is required."},
	} {
		if got := fieldMessage(c.field, c.rule); got != c.want {
			t.Errorf("fieldMessage(%q, %q) = %q, want %q", c.field, c.rule, got, c.want)
		}
	}
}

// A refused form says which field the refusal is about, for the page's
// script to mark it invalid and move the focus there.
func TestRefusedFormNamesItsField(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	r := c.post("/admin/articles", url.Values{"title": {"Tide tables"}, "body": {"x"}, "slug": {"Not A Slug!"}})
	mustStatus(t, "create with a bad address", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="form-error"`) || !strings.Contains(r.body, `data-field="slug"`) {
		t.Errorf("the refusal does not name its field:\n%s", r.body)
	}
	r = c.post("/admin/campaigns", url.Values{"newsletter": {"1"}, "subject": {"Empty"}})
	mustStatus(t, "create without content", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `data-field="markdown"`) {
		t.Errorf("a campaign without content does not point at the text field:\n%s", r.body)
	}
}
