package web

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/article"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

const testBase = "https://news.example"

// testEnv is the real handler over a real SQLite store in a temp folder.
type testEnv struct {
	t      *testing.T
	h      *Handler
	store  *sqlite.Store
	dbPath string
	signer *subscriber.Signer
	now    time.Time
	logs   *bytes.Buffer
}

// newEnv builds the site. The clock is close to the real one because the
// store decides which translations are visible by the real clock.
func newEnv(t *testing.T, adjust ...func(*Config)) *testEnv {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("sqlite.Open(%q) = %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, store: st, dbPath: path, signer: subscriber.NewSigner([]byte("test secret")),
		now: time.Now().UTC().Truncate(time.Second), logs: &bytes.Buffer{}}
	clock := func() time.Time { return e.now }
	svc := subscriber.NewService(subscriber.Config{Store: st, Signer: e.signer, Now: clock})
	cfg := Config{
		Site:          Site{Name: "The Test Herald", BaseURL: testBase, Language: "en", Description: "News for testing."},
		Articles:      st,
		Subscriptions: svc,
		Outbox:        st,
		Logger:        slog.New(slog.NewTextHandler(e.logs, nil)),
		Now:           clock,
	}
	for _, f := range adjust {
		f(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New(config for %s) = %v", t.Name(), err)
	}
	e.h = h
	return e
}

// addArticle saves a published article; edit changes it before saving.
func (e *testEnv) addArticle(slug, title string, published time.Time, edit ...func(*article.Article)) article.Article {
	e.t.Helper()
	a := article.Article{
		Slug:        slug,
		Title:       title,
		Standfirst:  "What happened to " + title + ".",
		Body:        "Body of " + title,
		Authors:     []article.Author{{Name: "Ada Reporter"}},
		Section:     "World",
		Tags:        []article.Tag{{Name: "Diplomacy"}},
		Language:    "en",
		Status:      article.Published,
		PublishedAt: published,
	}
	for _, f := range edit {
		f(&a)
	}
	if err := a.Normalize(); err != nil {
		e.t.Fatalf("Normalize(%q) = %v", slug, err)
	}
	if a.BodyHTML == "" {
		a.BodyHTML = "<p>Body of " + html.EscapeString(a.Title) + `. <a href="/articles/other">Related</a></p>`
	}
	id, err := e.store.SaveArticle(context.Background(), &a)
	if err != nil {
		e.t.Fatalf("SaveArticle(%q) = %v", slug, err)
	}
	a.ID = id
	return a
}

// addNewsletter inserts a newsletter straight into the database: the schema
// brings the first one and the store offers no way to add more.
func (e *testEnv) addNewsletter(slug, name string) {
	e.t.Helper()
	db, err := sql.Open("sqlite", e.dbPath)
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec(`INSERT INTO newsletter (slug, name, description, language, created_at) VALUES (?, ?, '', 'en', 1)`, slug, name)
	if err != nil {
		e.t.Fatalf("insert newsletter %s: %v", slug, err)
	}
}

// do sends r through the handler and returns the recorded answer.
func (e *testEnv) do(r *http.Request) *httptest.ResponseRecorder {
	e.t.Helper()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *testEnv) get(target string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(httptest.NewRequest(http.MethodGet, target, nil))
}

// postForm posts urlencoded values as a browser without JavaScript does.
func (e *testEnv) postForm(target string, v url.Values, accept string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	return e.do(r)
}

// subscribers lists everyone recorded.
func (e *testEnv) subscribers() []subscriber.Subscriber {
	e.t.Helper()
	list, err := e.store.ListSubscribers(context.Background(), 0, 1000)
	if err != nil {
		e.t.Fatalf("ListSubscribers = %v", err)
	}
	return list
}

func wantStatus(t *testing.T, what string, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		body := w.Body.String()
		if len(body) > 600 {
			body = body[:600] + "..."
		}
		t.Fatalf("%s: status %d, want %d; body:\n%s", what, w.Code, status, body)
	}
}

// parseHTML parses a page, failing the test when it cannot.
func parseHTML(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("html.Parse = %v", err)
	}
	return doc
}

// findAll returns the elements for which match is true, in document order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := range n.Descendants() {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
	}
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
