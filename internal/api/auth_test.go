package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/internal/subscriber"
	"herald/internal/user"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	owner := e.account(user.Owner)
	good := e.token(owner)
	revoked := e.token(owner)
	toks, err := e.users.Tokens(context.Background(), owner.ID)
	if err != nil || len(toks) != 2 {
		t.Fatalf("Tokens(%d) = %v, %v", owner.ID, toks, err)
	}
	if err := e.users.RevokeToken(context.Background(), owner.ID, toks[1].ID); err != nil {
		t.Fatal(err)
	}
	disabledUser := e.account(user.Editor)
	disabled := e.token(disabledUser)
	if err := e.users.SetDisabled(context.Background(), disabledUser.ID, true); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, auth string
	}{
		{"no header", ""},
		{"not bearer", "Basic " + good},
		{"bearer without token", "Bearer "},
		{"malformed", "Bearer hrld_short"},
		{"unknown", "Bearer hrld_" + strings.Repeat("A", 43)},
		{"revoked", "Bearer " + revoked},
		{"disabled account", "Bearer " + disabled},
	} {
		r := e.do("", "GET", "/api/v1/articles", nil, "Authorization", tc.auth)
		r.wantError(t, http.StatusUnauthorized, "unauthorized", "")
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q; want a Bearer challenge", tc.name, r.header.Get("WWW-Authenticate"))
		}
	}
	e.do(good, "GET", "/api/v1/articles", nil).want(t, http.StatusOK, nil)
	e.do("", "GET", "/api/v1/openapi.json", nil).want(t, http.StatusOK, nil)
}

// TestPermissions holds each role and scope to the role table: a token
// needs the scope and its account's role must still hold it.
func TestPermissions(t *testing.T) {
	e := newEnv(t)
	author := e.tokenFor(user.Author)
	viewer := e.tokenFor(user.Viewer)
	editor := e.tokenFor(user.Editor)
	owner := e.tokenFor(user.Owner)
	ed := e.account(user.Editor)
	narrow := e.token(ed, user.ArticleRead)
	e.addArticle("harbour", time.Now().Add(-time.Hour))

	for _, tc := range []struct {
		token, method, path string
		body                any
		status              int
	}{
		{author, "GET", "/api/v1/subscribers", nil, 403},
		{author, "GET", "/api/v1/subscribers/1", nil, 403},
		{author, "POST", "/api/v1/articles/harbour/publish", nil, 403},
		{author, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1}, 403},
		{author, "GET", "/api/v1/campaigns", nil, 403},
		{author, "GET", "/api/v1/articles", nil, 200},
		{viewer, "GET", "/api/v1/campaigns", nil, 200},
		{viewer, "POST", "/api/v1/articles", map[string]any{"title": "x"}, 403},
		{viewer, "GET", "/api/v1/subscribers", nil, 403},
		{editor, "GET", "/api/v1/subscribers", nil, 200},
		{editor, "GET", "/api/v1/webhooks", nil, 403},
		{owner, "GET", "/api/v1/webhooks", nil, 200},
		{narrow, "GET", "/api/v1/articles", nil, 200},
		{narrow, "GET", "/api/v1/subscribers", nil, 403},
		{narrow, "POST", "/api/v1/articles/harbour/unpublish", nil, 403},
	} {
		r := e.do(tc.token, tc.method, tc.path, tc.body)
		if r.status != tc.status {
			t.Errorf("%s = %d %s; want %d", r.call, r.status, r.body, tc.status)
		}
		if tc.status == 403 {
			r.wantError(t, 403, "forbidden", "")
		}
	}

	// A token shrinks with its account's role.
	demoted := e.account(user.Editor)
	tok := e.token(demoted, user.SubscriberRead)
	e.do(tok, "GET", "/api/v1/subscribers", nil).want(t, 200, nil)
	if err := e.users.SetRole(context.Background(), demoted.ID, user.Author); err != nil {
		t.Fatal(err)
	}
	e.do(tok, "GET", "/api/v1/subscribers", nil).wantError(t, 403, "forbidden", "")
}

// TestNoObjectBeforePermission checks that a caller without the permission
// learns nothing about an object, not even whether it exists.
func TestNoObjectBeforePermission(t *testing.T) {
	e := newEnv(t)
	if err := e.store.RecordSignups(context.Background(), []subscriber.Signup{{Email: "reader@example.com", Newsletters: []int64{1}, At: e.clock()}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	author := e.tokenFor(user.Author)
	exists := e.do(author, "GET", "/api/v1/subscribers/1", nil)
	missing := e.do(author, "GET", "/api/v1/subscribers/999", nil)
	if exists.status != 403 || missing.status != 403 || string(exists.body) != string(missing.body) {
		t.Errorf("an author asking for subscriber 1 got %d %s and for 999 got %d %s; want the same 403",
			exists.status, exists.body, missing.status, missing.body)
	}
	viewer := e.tokenFor(user.Viewer)
	for _, path := range []string{"/api/v1/campaigns/1/send", "/api/v1/campaigns/999/send"} {
		e.do(viewer, "POST", path, nil).wantError(t, 403, "forbidden", "")
	}
}

func TestErrorShapes(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Owner)
	e.addArticle("taken", time.Now().Add(-time.Hour))
	e.do(tok, "GET", "/api/v1/articles/nope", nil).wantError(t, 404, "not_found", "")
	e.do(tok, "GET", "/api/v1/nothing-here", nil).wantError(t, 404, "not_found", "")
	e.do(tok, "GET", "/api/v1/campaigns/abc", nil).wantError(t, 404, "not_found", "")

	r := e.do(tok, "DELETE", "/api/v1/articles", nil)
	r.wantError(t, 405, "method_not_allowed", "")
	if got := r.header.Get("Allow"); got != "GET, POST, HEAD" {
		t.Errorf("DELETE /api/v1/articles: Allow %q; want GET, POST, HEAD", got)
	}

	e.do(tok, "POST", "/api/v1/articles", `{"title": "x"`).wantError(t, 400, "bad_request", "")
	e.do(tok, "POST", "/api/v1/articles", `{"title": "x", "colour": "red"}`).wantError(t, 400, "bad_request", "colour")
	e.do(tok, "POST", "/api/v1/articles", `{"title": 5}`).wantError(t, 400, "bad_request", "title")
	e.do(tok, "POST", "/api/v1/articles", `{"title": "x"} {}`).wantError(t, 400, "bad_request", "")
	e.do(tok, "POST", "/api/v1/articles", `[]`).wantError(t, 400, "bad_request", "")
	e.do(tok, "POST", "/api/v1/articles", ` null `).wantError(t, 400, "bad_request", "")
	e.do(tok, "POST", "/api/v1/articles", `"x"`).wantError(t, 400, "bad_request", "")
	e.do(tok, "POST", "/api/v1/articles", "").wantError(t, 400, "bad_request", "")
	e.do(tok, "GET", "/api/v1/articles?limit=101", nil).wantError(t, 400, "bad_request", "limit")
	e.do(tok, "GET", "/api/v1/articles?cursor=bm9wZQ", nil).wantError(t, 400, "bad_request", "cursor")

	e.do(tok, "POST", "/api/v1/articles", map[string]any{"title": "Taken", "slug": "taken"}).wantError(t, 409, "conflict", "slug")
	e.do(tok, "POST", "/api/v1/campaigns/1/pause", nil).wantError(t, 404, "not_found", "")

	e.do(tok, "POST", "/api/v1/articles", map[string]any{"title": ""}).wantError(t, 422, "validation_failed", "title")
	e.do(tok, "POST", "/api/v1/articles", map[string]any{"title": "x", "language": "English"}).wantError(t, 422, "validation_failed", "language")
	e.do(tok, "POST", "/api/v1/webhooks", map[string]any{"url": "ftp://x.example", "events": []string{"campaign.sent"}}).
		wantError(t, 422, "validation_failed", "url")

	e.do(tok, "POST", "/api/v1/articles", `{"title": "x"}`, "Content-Type", "text/plain").wantError(t, 415, "unsupported_media_type", "")
	e.do(tok, "POST", "/api/v1/articles", `{"title": "x"}`, "Content-Type", "").wantError(t, 415, "unsupported_media_type", "")
	e.do(tok, "POST", "/api/v1/subscribers/import?newsletter_id=1", "email\na@example.com\n").
		wantError(t, 415, "unsupported_media_type", "")
	e.do(tok, "POST", "/api/v1/articles", `{"title": "Charset"}`, "Content-Type", "application/json; charset=utf-8").want(t, 201, nil)
}

func TestBodyLimits(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Owner)
	big := `{"title": "Big", "body": "` + strings.Repeat("a", 1<<20) + `"}`
	e.do(tok, "POST", "/api/v1/articles", big).wantError(t, 413, "payload_too_large", "")
	if _, err := e.store.ArticleBySlug(context.Background(), "big"); err == nil {
		t.Error("an article over the body limit was saved")
	}

	// A CSV body that announces more than 50 MiB is refused unread.
	req := httptest.NewRequest("POST", "/api/v1/subscribers/import?newsletter_id=1", strings.NewReader("email\n"))
	req.ContentLength = 51 << 20
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "text/csv")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes(), call: "POST import of 51 MiB announced"}.
		wantError(t, 413, "payload_too_large", "")

	// One sent in chunks is stopped at 50 MiB. Its rows are all addresses
	// too long to take, so that the store has nothing to do.
	row := strings.Repeat("a", 1023) + "\n"
	csv := "email\n" + strings.Repeat(row, 50<<10+10)
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/subscribers/import?newsletter_id=1", struct{ io.Reader }{strings.NewReader(csv)})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("chunked import over 50 MiB: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	response{status: resp.StatusCode, header: resp.Header, body: body, call: "POST chunked import over 50 MiB"}.
		wantError(t, 413, "payload_too_large", "")
	if !strings.Contains(string(body), "after 51199 rows") {
		t.Errorf("chunked import over 50 MiB answered %s; want it to say how far it got: 51199 whole rows", body)
	}
}

func TestRateLimitPerToken(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RatePerSecond, c.RateBurst = 1, 2 })
	a := e.tokenFor(user.Viewer)
	b := e.tokenFor(user.Viewer)
	e.do(a, "GET", "/api/v1/articles", nil).want(t, 200, nil)
	e.do(a, "GET", "/api/v1/articles", nil).want(t, 200, nil)
	r := e.do(a, "GET", "/api/v1/articles", nil)
	r.wantError(t, 429, "rate_limited", "")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("429 Retry-After %q; want 1", r.header.Get("Retry-After"))
	}
	e.do(b, "GET", "/api/v1/articles", nil).want(t, 200, nil)
	e.advance(time.Second)
	e.do(a, "GET", "/api/v1/articles", nil).want(t, 200, nil)
}

func TestTokenLimitsStayBounded(t *testing.T) {
	l := newTokenLimits(1, 1, 3)
	now := time.Now()
	for id := int64(1); id <= 10; id++ {
		if d := l.wait(id, now.Add(time.Duration(id)*time.Millisecond)); d != 0 {
			t.Fatalf("first request of token %d waits %v", id, d)
		}
	}
	if len(l.m) != 3 {
		t.Errorf("after 10 tokens the map holds %d; want 3", len(l.m))
	}
	for _, id := range []int64{8, 9, 10} {
		if l.m[id] == nil {
			t.Errorf("token %d, among the latest, was forgotten", id)
		}
	}
}
