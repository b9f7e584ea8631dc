package web

import (
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestStaticAssets(t *testing.T) {
	e := newEnv(t)
	css := e.h.assets.url("site.css")
	if !strings.HasPrefix(css, "/static/site.") || !strings.HasSuffix(css, ".css") || css == "/static/site.css" {
		t.Fatalf("stylesheet URL %q carries no hash", css)
	}
	w := e.get(css)
	wantStatus(t, "GET "+css, w, 200)
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("static Cache-Control = %q", cc)
	}
	r := httptest.NewRequest("GET", css, nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w = e.do(r)
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("stylesheet not compressed for a gzip client")
	}
	if !strings.Contains(e.get("/").Body.String(), `href="`+css+`"`) {
		t.Errorf("home page does not link %s", css)
	}
}

func TestCacheETagAndGzip(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CacheTTL = time.Minute })
	e.addArticle("story", "Story", e.now.Add(-time.Hour))
	w := e.get("/articles/story")
	wantStatus(t, "first GET", w, 200)
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on an article page")
	}
	plain := w.Body.String()

	r := httptest.NewRequest("GET", "/articles/story", nil)
	r.Header.Set("If-None-Match", etag)
	w = e.do(r)
	wantStatus(t, "GET with If-None-Match", w, http.StatusNotModified)
	if w.Body.Len() != 0 {
		t.Error("304 with a body")
	}

	r = httptest.NewRequest("GET", "/articles/story", nil)
	r.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
	w = e.do(r)
	wantStatus(t, "GET gzip", w, 200)
	if w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip answer headers = %v", w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(readAll(t, zr)); got != plain {
		t.Error("gzipped body differs from the plain one")
	}

	// A cached page is served until it expires, then rendered again.
	e.addArticle("story", "Story changed", e.now.Add(-time.Hour))
	if strings.Contains(e.get("/articles/story").Body.String(), "Story changed") {
		t.Error("cached page was rendered again before its TTL")
	}
	e.now = e.now.Add(2 * time.Minute)
	if !strings.Contains(e.get("/articles/story").Body.String(), "Story changed") {
		t.Error("page still cached after its TTL")
	}

	r = httptest.NewRequest("GET", "/articles/story", nil)
	r.Header.Set("Accept-Encoding", "gzip;q=0")
	if w := e.do(r); w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent to a client that refused it")
	}
}

func TestCacheBounded(t *testing.T) {
	c := newPageCache(time.Minute, 3)
	now := time.Now()
	for i := range 10 {
		c.put(fmt.Sprint(i), &rendered{status: 200}, now.Add(time.Duration(i)*time.Second))
	}
	if len(c.entries) != 3 {
		t.Errorf("cache holds %d entries, want at most 3", len(c.entries))
	}
	if c.get("9", now.Add(10*time.Second)) == nil {
		t.Error("the newest entry was evicted")
	}
	if c.get("9", now.Add(2*time.Minute)) != nil {
		t.Error("expired entry returned")
	}
}

func TestPageCacheKeepsErrorsOut(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CacheTTL = time.Minute })
	wantStatus(t, "GET missing", e.get("/articles/later"), 404)
	e.addArticle("later", "Later", e.now.Add(-time.Minute))
	wantStatus(t, "GET after publishing", e.get("/articles/later"), 200)
}
