package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/delivery"
	"herald/internal/user"
)

// A token that may change articles or campaigns but not read them learns
// nothing of their text from the answer to a change: a draft unpublished,
// which changes nothing, or a campaign paused would otherwise read out
// what the token may not see.
func TestWriteWithoutReadAnswersNothingOfTheObject(t *testing.T) {
	e := newEnv(t)
	ed := e.account(user.Editor)
	publisher := e.token(ed, user.ArticlePublish)
	anyWriter := e.token(ed, user.ArticleWriteOwn, user.ArticleWriteAny)
	sender := e.token(ed, user.CampaignSend)
	editor := e.tokenFor(user.Editor)
	e.addArticle("embargoed", time.Time{}, func(a *article.Article) { a.Body = "secret plans" })
	e.addArticle("second", time.Time{}, func(a *article.Article) { a.Body = "secret plans" })
	e.do(editor, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "Secret subject", "markdown": "secret plans"}).want(t, 201, nil)

	for _, c := range []struct {
		token, method, path string
		body                any
	}{
		{publisher, "POST", "/api/v1/articles/embargoed/unpublish", nil},
		{publisher, "POST", "/api/v1/articles/embargoed/publish", map[string]any{"published_at": time.Now().Add(time.Hour)}},
		{anyWriter, "PATCH", "/api/v1/articles/second", map[string]any{}},
		{sender, "POST", "/api/v1/campaigns/1/schedule", map[string]any{"send_at": time.Now().Add(time.Hour)}},
		{sender, "POST", "/api/v1/campaigns/1/cancel", nil},
	} {
		r := e.do(c.token, c.method, c.path, c.body)
		if r.status != http.StatusAccepted || strings.Contains(string(r.body), "secret") || strings.Contains(string(r.body), "Secret") || r.header.Get("ETag") != "" {
			t.Errorf("%s by a token that may not read = %d %s (ETag %q); want 202 and nothing of the object",
				r.call, r.status, r.body, r.header.Get("ETag"))
		}
	}
	// Tokens that may read get the object back.
	e.do(editor, "POST", "/api/v1/articles/embargoed/unpublish", nil).want(t, http.StatusOK, nil)
}

// A test send mails the campaign, and the articles in it, to addresses the
// caller names, so it reads them: it needs campaign:read, and article:read
// when the campaign holds articles, beside campaign:write.
func TestTestSendNeedsTheRightToRead(t *testing.T) {
	e := newEnv(t)
	ed := e.account(user.Editor)
	writer := e.token(ed, user.CampaignWrite)
	campaigns := e.token(ed, user.CampaignWrite, user.CampaignRead)
	editor := e.tokenFor(user.Editor)
	draft := e.addArticle("embargoed", time.Time{}, func(a *article.Article) { a.Body = "secret plans" })
	stored, err := e.store.ArticleBySlug(context.Background(), draft.Slug)
	if err != nil {
		t.Fatal(err)
	}
	e.do(editor, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "Text", "markdown": "secret plans"}).want(t, 201, nil)
	e.do(editor, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "Articles", "article_ids": []int64{stored.ID}}).want(t, 201, nil)
	to := map[string]any{"emails": []string{"outside@example.org"}}

	for _, c := range []struct {
		token, path string
	}{
		{writer, "/api/v1/campaigns/1/test"},
		{writer, "/api/v1/campaigns/999/test"},
		{campaigns, "/api/v1/campaigns/2/test"},
	} {
		e.do(c.token, "POST", c.path, to).wantError(t, http.StatusForbidden, "forbidden", "")
	}
	if ds, err := e.store.ClaimDeliveries(context.Background(), delivery.Claim{Owner: "test", Now: time.Now().Add(time.Minute), Lease: time.Minute, Limit: 10}); err != nil || len(ds) != 0 {
		t.Errorf("ledger after refused test sends = %+v, %v; want nothing queued", ds, err)
	}
	e.do(campaigns, "POST", "/api/v1/campaigns/1/test", to).want(t, http.StatusAccepted, nil)
	e.do(editor, "POST", "/api/v1/campaigns/2/test", to).want(t, http.StatusAccepted, nil)
}
