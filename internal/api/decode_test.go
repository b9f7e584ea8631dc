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

// No text the API stores may hold NUL (\u0000): PostgreSQL cannot store
// it, so the same request would be taken on SQLite and fail with 500 on
// PostgreSQL. It is refused on both, naming the field.
func TestNULRefused(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Owner)
	for _, c := range []struct{ path, body, field string }{
		{"/api/v1/articles", `{"title": "Nul", "body": "a\u0000b"}`, "body"},
		{"/api/v1/campaigns", `{"newsletter_id": 1, "subject": "S", "markdown": "a\u0000b"}`, "markdown"},
		{"/api/v1/campaigns", `{"newsletter_id": 1, "subject": "S", "markdown": "m", "audience_tags": ["a\u0000"]}`, "audience_tags"},
	} {
		e.do(tok, "POST", c.path, c.body).wantError(t, 422, "validation_failed", c.field)
	}
	if _, err := e.store.ArticleBySlug(context.Background(), "nul"); err == nil {
		t.Error("an article whose body holds NUL was stored")
	}
	// A backslash followed by u0000 is text like any other.
	e.do(tok, "POST", "/api/v1/articles", `{"title": "Escaped", "body": "write \\u0000 for NUL"}`).want(t, 201, nil)
}
