package api

import (
	"context"
	"testing"

	"herald/internal/user"
)

// Field names are matched exactly, as the OpenAPI document spells them:
// a body with "Title" or "CONFIRMED" is refused, not read as if it said
// "title" or "confirmed", which would let one body carry two values for a
// field and the last one win.
func TestFieldNamesMatchExactly(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Owner)
	for _, c := range []struct{ path, body, field string }{
		{"/api/v1/articles", `{"Title": "Case"}`, "Title"},
		{"/api/v1/articles", `{"title": "Case", "BODY": "x"}`, "BODY"},
		{"/api/v1/subscribers", `{"email": "a@example.com", "newsletter_ids": [1], "Confirmed": true}`, "Confirmed"},
		{"/api/v1/webhooks", `{"URL": "https://hooks.example.com/", "events": ["campaign.sent"]}`, "URL"},
	} {
		e.do(tok, "POST", c.path, c.body).wantError(t, 400, "bad_request", c.field)
	}
	if _, err := e.store.ArticleBySlug(context.Background(), "case"); err == nil {
		t.Error("an article was created from a body whose field names were not the API's")
	}
	if _, err := e.store.SubscriberByEmail(context.Background(), "a@example.com"); err == nil {
		t.Error("a subscriber was added from a body with \"Confirmed\"")
	}
	e.do(tok, "POST", "/api/v1/articles", `{"title": "Exact", "body": "x"}`).want(t, 201, nil)
}
