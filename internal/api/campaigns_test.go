package api

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/user"
)

func TestCampaignLifecycle(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	a := e.addArticle("harbour", time.Now().Add(-time.Hour))
	stored, err := e.store.ArticleBySlug(context.Background(), a.Slug)
	if err != nil {
		t.Fatal(err)
	}

	var c campaignJSON
	r := e.do(tok, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": " Morning briefing ",
		"article_ids": []int64{stored.ID}, "audience_tags": []string{"Local"}, "markdown": "Hello."})
	r.want(t, 201, &c)
	if c.State != "draft" || c.Subject != "Morning briefing" || c.ArticleMode != "full" || !cmp.Equal(c.AudienceTags, []string{"local"}) ||
		c.Markdown != "Hello." || r.header.Get("Location") != "/api/v1/campaigns/"+itoa(c.ID) {
		t.Errorf("created %+v (Location %q); want a trimmed draft with its tags in lowercase", c, r.header.Get("Location"))
	}
	path := "/api/v1/campaigns/" + itoa(c.ID)

	e.do(tok, "POST", path+"/resume", nil).wantError(t, 409, "conflict", "")
	e.do(tok, "POST", path+"/schedule", map[string]any{}).wantError(t, 422, "validation_failed", "send_at")
	// A time gone by is refused rather than taken as "now".
	e.do(tok, "POST", path+"/send", map[string]any{"send_at": e.clock().Add(-time.Minute)}).wantError(t, 422, "validation_failed", "send_at")
	if got, err := e.store.Campaign(context.Background(), c.ID); err != nil || got.State != campaign.Draft {
		t.Errorf("after a send at a past time: %s, %v; want draft", got.State, err)
	}
	at := e.clock().Add(2 * time.Hour)
	e.do(tok, "POST", path+"/schedule", map[string]any{"send_at": at}).want(t, 200, &c)
	if c.State != "scheduled" || !c.SendAt.Equal(at) {
		t.Errorf("after schedule: %s at %v; want scheduled at %v", c.State, c.SendAt, at)
	}
	// A scheduled campaign can be moved to another time.
	at = e.clock().Add(5 * time.Hour)
	e.do(tok, "POST", path+"/schedule", map[string]any{"send_at": at}).want(t, 200, &c)
	if c.State != "scheduled" || !c.SendAt.Equal(at) {
		t.Errorf("after scheduling again: %s at %v; want scheduled at %v", c.State, c.SendAt, at)
	}
	for _, step := range []struct{ action, state string }{{"send", "sending"}, {"pause", "paused"}, {"resume", "sending"}, {"cancel", "cancelled"}} {
		e.do(tok, "POST", path+"/"+step.action, nil).want(t, 200, &c)
		if c.State != step.state {
			t.Errorf("after %s: state %s; want %s", step.action, c.State, step.state)
		}
	}
	e.do(tok, "POST", path+"/send", nil).wantError(t, 409, "conflict", "")
	got, err := e.store.Campaign(context.Background(), c.ID)
	if err != nil || got.State != campaign.Cancelled {
		t.Errorf("stored campaign = %s, %v; want cancelled", got.State, err)
	}

	var counts campaignJSON
	e.do(tok, "GET", path, nil).want(t, 200, &counts)
	if counts.Counts != (campaignCounts{}) || counts.FinishedAt.IsZero() {
		t.Errorf("GET %s: counts %+v finished %v; want zero counts and a finish time", path, counts.Counts, counts.FinishedAt)
	}

	e.do(tok, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "x"}).wantError(t, 422, "validation_failed", "markdown")
	e.do(tok, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 7, "subject": "x", "markdown": "y"}).wantError(t, 422, "validation_failed", "newsletter_id")
	e.do(tok, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "x", "article_ids": []int64{999}}).wantError(t, 422, "validation_failed", "article_ids")

	// An article that is not public when the mail goes out is refused.
	later := e.addArticle("embargoed", e.clock().Add(3*time.Hour))
	embargoed, err := e.store.ArticleBySlug(context.Background(), later.Slug)
	if err != nil {
		t.Fatal(err)
	}
	e.do(tok, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "Soon", "article_ids": []int64{embargoed.ID}}).want(t, 201, &c)
	path = "/api/v1/campaigns/" + itoa(c.ID)
	e.do(tok, "POST", path+"/send", nil).wantError(t, 422, "validation_failed", "article_ids")
	e.do(tok, "POST", path+"/schedule", map[string]any{"send_at": e.clock().Add(time.Hour)}).wantError(t, 422, "validation_failed", "article_ids")
	e.do(tok, "POST", path+"/schedule", map[string]any{"send_at": e.clock().Add(4 * time.Hour)}).want(t, 200, &c)
	if c.State != "scheduled" {
		t.Errorf("scheduled after the article's time: %s; want scheduled", c.State)
	}
}

func TestCampaignListAndTestSend(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	var ids []int64
	for range 5 {
		var c campaignJSON
		e.do(tok, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "Issue", "markdown": "Text."}).want(t, 201, &c)
		ids = append([]int64{c.ID}, ids...)
	}
	var got []int64
	path := "/api/v1/campaigns?limit=2"
	for n := 0; n < 5; n++ {
		var p page[campaignSummary]
		e.do(tok, "GET", path, nil).want(t, 200, &p)
		for _, c := range p.Items {
			got = append(got, c.ID)
		}
		if p.NextCursor == "" {
			break
		}
		path = "/api/v1/campaigns?limit=2&cursor=" + p.NextCursor
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("campaign IDs over all pages, newest first (-want +got):\n%s", diff)
	}

	var res struct {
		Queued []string `json:"queued"`
	}
	e.do(tok, "POST", "/api/v1/campaigns/"+itoa(ids[0])+"/test", map[string]any{"emails": []string{"Proof@Example.ORG"}}).want(t, 202, &res)
	e.mu.Lock()
	woken := e.queued
	e.mu.Unlock()
	if !cmp.Equal(res.Queued, []string{"Proof@example.org"}) || woken != 1 {
		t.Errorf("test send queued %v (engine woken %d times); want Proof@example.org and one wake-up", res.Queued, woken)
	}
	ds, err := e.store.ClaimDeliveries(context.Background(), delivery.Claim{Owner: "test", Now: time.Now().Add(time.Minute), Lease: time.Minute, Limit: 10})
	if err != nil || len(ds) != 1 || ds[0].Kind != delivery.KindCampaignTest || ds[0].CampaignID != ids[0] {
		t.Errorf("ledger after a test send = %+v, %v; want one campaign_test delivery of campaign %d", ds, err, ids[0])
	}
	e.do(tok, "POST", "/api/v1/campaigns/999/test", map[string]any{"emails": []string{"a@example.org"}}).wantError(t, 404, "not_found", "")
	e.do(tok, "POST", "/api/v1/campaigns/"+itoa(ids[0])+"/test", map[string]any{"emails": []string{}}).wantError(t, 422, "validation_failed", "emails")
}

// An article listed twice would be in the email twice: the list is
// refused, not stored.
func TestCampaignArticleListedTwice(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	e.addArticle("harbour", time.Now().Add(-time.Hour))
	stored, err := e.store.ArticleBySlug(context.Background(), "harbour")
	if err != nil {
		t.Fatal(err)
	}
	e.do(tok, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "Twice",
		"article_ids": []int64{stored.ID, stored.ID}}).wantError(t, 422, "validation_failed", "article_ids")
	if list, err := e.store.ListCampaigns(context.Background(), 0, 10); err != nil || len(list) != 0 {
		t.Errorf("campaigns after a refused create = %d, %v; want none", len(list), err)
	}
}
