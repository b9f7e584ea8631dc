package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
)

// TestOddRequests throws malformed input at every route: none may fail
// with a 500 or a panic.
func TestOddRequests(t *testing.T) {
	e := newEnv(t)
	e.addArticle("story", "Story", e.now.Add(-time.Hour))
	for _, tt := range []struct{ method, target, body, contentType string }{
		{"GET", "/articles/%ff%fe", "", ""},
		{"GET", "/articles/" + strings.Repeat("a", 5000), "", ""},
		{"GET", "/?before=-1-1", "", ""},
		{"GET", "/?before=9223372036854775807-9223372036854775807", "", ""},
		{"GET", "/?before=-9223372036854775808-1", "", ""},
		{"GET", "/?before=1-1-1", "", ""},
		{"GET", "/?before=%00", "", ""},
		{"GET", "/tag/story?before=1-", "", ""},
		{"GET", "/section/%2e%2e", "", ""},
		{"GET", "/static/..%2fweb.go", "", ""},
		{"GET", "/outbox/-1", "", ""},
		{"POST", "/subscribe", "", ""},
		{"POST", "/subscribe", "%zz=%", "application/x-www-form-urlencoded"},
		{"POST", "/subscribe", "--x\r\n", "multipart/form-data; boundary=x"},
		{"POST", "/subscribe", "email=a@b.example&newsletter=abc", "application/x-www-form-urlencoded"},
		{"POST", "/subscribe", "email=a@b.example&newsletter=-1", "application/x-www-form-urlencoded"},
		{"POST", "/subscribe", "email=" + strings.Repeat("a", 300) + "@example.org", "application/x-www-form-urlencoded"},
		{"POST", "/subscribe", "email=\xff\xfe@example.org&name=\xff", "application/x-www-form-urlencoded"},
		{"POST", "/confirm/", "", ""},
		{"POST", "/unsubscribe/%00", "", ""},
	} {
		r := httptest.NewRequest(tt.method, "/", strings.NewReader(tt.body))
		r.URL.RawQuery = ""
		if u, err := r.URL.Parse(tt.target); err == nil {
			r.URL = u
			r.RequestURI = tt.target
		}
		if tt.contentType != "" {
			r.Header.Set("Content-Type", tt.contentType)
		}
		w := e.do(r)
		if w.Code >= 500 {
			t.Errorf("%s %s: status %d", tt.method, tt.target, w.Code)
		}
	}
	if got := e.logs.String(); got != "" {
		t.Errorf("odd requests logged errors:\n%s", got)
	}
}

// failingStore stands in for a store that is down.
type failingStore struct{}

func (failingStore) ArticleBySlug(ctx context.Context, slug string) (article.Article, error) {
	return article.Article{}, errors.New("disk on fire at /var/lib/herald")
}

func (failingStore) ListArticles(ctx context.Context, q article.Query, now time.Time) ([]article.Article, error) {
	return nil, errors.New("disk on fire at /var/lib/herald")
}

func TestStoreFailureIsA500ThatRevealsNothing(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Articles = failingStore{} })
	for _, p := range []string{"/", "/articles/story", "/feed.xml", "/sitemap.xml"} {
		w := e.get(p)
		wantStatus(t, "GET "+p, w, http.StatusInternalServerError)
		if strings.Contains(w.Body.String(), "disk on fire") {
			t.Errorf("GET %s reveals the error", p)
		}
	}
	if !strings.Contains(e.logs.String(), "disk on fire") {
		t.Error("the failure was not logged")
	}
}
