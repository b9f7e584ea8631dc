package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/markup"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
	"herald/internal/user"
	"herald/internal/webhook"
)

// testEnv is the real API over a real SQLite store in a temp folder,
// served by a real HTTP server.
type testEnv struct {
	t      *testing.T
	h      *Handler
	store  *sqlite.Store
	users  *user.Service
	srv    *httptest.Server
	logs   *bytes.Buffer
	queued int

	mu  sync.Mutex
	now time.Time
}

// newEnv builds the API. The clock starts near the real one because the
// store judges which articles are visible by the real clock.
func newEnv(t *testing.T, adjust ...func(*Config)) *testEnv {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("sqlite.Open(%q) = %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, store: st, users: user.NewService(user.Config{Store: st}), logs: &bytes.Buffer{},
		now: time.Now().UTC().Truncate(time.Second)}
	signups := subscriber.NewService(subscriber.Config{Store: st, Signer: subscriber.NewSigner([]byte("test secret")), Now: e.clock})
	cfg := Config{
		Store:         st,
		Erasure:       subscriber.NewErasure([]byte("test secret")),
		Users:         e.users,
		Signups:       signups,
		Publisher:     article.NewPublisher(st, markup.New("https://news.example").HTML),
		Events:        webhook.NewEmitter(webhook.EmitterConfig{Store: st, Now: e.clock}),
		Queued:        func() { e.mu.Lock(); e.queued++; e.mu.Unlock() },
		RatePerSecond: 1000,
		RateBurst:     1000,
		Now:           e.clock,
		Logger:        slog.New(slog.NewTextHandler(e.logs, nil)),
	}
	for _, f := range adjust {
		f(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New(config for %s) = %v", t.Name(), err)
	}
	e.h = h
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", h)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *testEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *testEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// account creates a staff account with the role and returns it.
func (e *testEnv) account(role user.Role) user.User {
	e.t.Helper()
	ctx := context.Background()
	u := user.User{Email: fmt.Sprintf("%s%d@example.org", role, time.Now().UnixNano()), Name: string(role), Role: role,
		PasswordHash: "unused", CreatedAt: e.clock(), PasswordChangedAt: e.clock()}
	id, err := e.store.CreateUser(ctx, u)
	if err != nil {
		e.t.Fatalf("CreateUser(%s) = %v", role, err)
	}
	u.ID = id
	return u
}

// token makes an API token for u with the scopes, or with every permission
// of its role when none are given.
func (e *testEnv) token(u user.User, scopes ...user.Permission) string {
	e.t.Helper()
	if len(scopes) == 0 {
		scopes = u.Role.Permissions()
	}
	plain, _, err := e.users.CreateToken(context.Background(), u.ID, "test", scopes)
	if err != nil {
		e.t.Fatalf("CreateToken(%d, %v) = %v", u.ID, scopes, err)
	}
	return plain
}

// tokenFor makes an account with the role and a token with all it holds.
func (e *testEnv) tokenFor(role user.Role) string {
	e.t.Helper()
	return e.token(e.account(role))
}

// response is what came back from one request.
type response struct {
	status int
	header http.Header
	body   []byte
	call   string
}

// do sends a request: body is nil, a string sent as it is, or a value sent
// as JSON; JSON bodies get their Content-Type unless headers say otherwise.
func (e *testEnv) do(token, method, path string, body any, headers ...string) response {
	e.t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		r, ctype = strings.NewReader(b), "application/json"
	case []byte:
		r, ctype = bytes.NewReader(b), "application/json"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data, call: method + " " + path}
}

// want fails the test unless the status is status, and decodes the body
// into v when v is not nil.
func (r response) want(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s = %d %s; want %d", r.call, r.status, r.body, status)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("%s: body %s does not decode: %v", r.call, r.body, err)
		}
	}
}

// wantError checks an error answer: its status, its JSON shape, its code
// and, when field is not "", the field named.
func (r response) wantError(t *testing.T, status int, code, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s = %d %s; want %d", r.call, r.status, r.body, status)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s: Content-Type %q; want application/json; charset=utf-8", r.call, ct)
	}
	var body map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil || len(body) != 1 || body["error"] == nil {
		t.Fatalf("%s: body %s is not {\"error\": {...}}", r.call, r.body)
	}
	got := body["error"]
	if got["code"] != code {
		t.Errorf("%s: error code %v; want %s (body %s)", r.call, got["code"], code, r.body)
	}
	if msg, _ := got["message"].(string); msg == "" {
		t.Errorf("%s: error without a message: %s", r.call, r.body)
	}
	if field != "" && got["field"] != field {
		t.Errorf("%s: error field %v; want %s (body %s)", r.call, got["field"], field, r.body)
	}
	for k := range got {
		if k != "code" && k != "message" && k != "field" {
			t.Errorf("%s: error has an unexpected member %q: %s", r.call, k, r.body)
		}
	}
}

// addArticle saves an article straight into the store; edit changes it
// before saving.
func (e *testEnv) addArticle(slug string, published time.Time, edit ...func(*article.Article)) article.Article {
	e.t.Helper()
	a := article.Article{Slug: slug, Title: "Title of " + slug, Body: "Body of " + slug, Status: article.Published,
		PublishedAt: published, Authors: []article.Author{{Name: "Ada Reporter"}}}
	if published.IsZero() {
		a.Status = article.Draft
	}
	for _, f := range edit {
		f(&a)
	}
	if _, err := article.NewPublisher(e.store, markup.New("").HTML).Publish(context.Background(), &a); err != nil {
		e.t.Fatalf("Publish(%s) = %v", slug, err)
	}
	return a
}

func itoa(id int64) string { return fmt.Sprint(id) }
