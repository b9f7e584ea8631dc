package api

import (
	"testing"
	"time"

	"herald/internal/user"
)

// An article's status is what readers see: a scheduled article whose time
// came reads as published, and a published one moved to the future as
// scheduled. Times before 1970 are refused: they cannot be stored.
func TestArticleStatusIsWhatReadersSee(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	e.do(tok, "POST", "/api/v1/articles", map[string]any{"title": "Tide tables"}).want(t, 201, nil)
	var got articleJSON
	e.do(tok, "POST", "/api/v1/articles/tide-tables/publish", map[string]any{"published_at": e.clock().Add(time.Hour)}).want(t, 200, &got)
	if got.Status != "scheduled" {
		t.Fatalf("published an hour ahead: status %q, want scheduled", got.Status)
	}
	e.advance(2 * time.Hour)
	e.do(tok, "GET", "/api/v1/articles/tide-tables", nil).want(t, 200, &got)
	if got.Status != "published" {
		t.Errorf("a scheduled article past its time: status %q, want published", got.Status)
	}
	e.do(tok, "PATCH", "/api/v1/articles/tide-tables", map[string]any{"published_at": e.clock().Add(48 * time.Hour)}).want(t, 200, &got)
	if got.Status != "scheduled" {
		t.Errorf("a published article moved two days ahead: status %q, want scheduled", got.Status)
	}
	for _, at := range []string{"1970-01-01T00:00:00Z", "1969-07-20T20:17:00Z"} {
		e.do(tok, "POST", "/api/v1/articles/tide-tables/publish", map[string]any{"published_at": at}).
			wantError(t, 422, "validation_failed", "published_at")
	}
}
