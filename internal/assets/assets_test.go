package assets

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadNamesFilesByTheirContent(t *testing.T) {
	fsys := fstest.MapFS{
		"site.css":  {Data: []byte("body{}")},
		"site.js":   {Data: []byte("1")},
		"other.bin": {Data: []byte("x")},
		"dir/x.css": {Data: []byte("ignored")},
	}
	s, err := Load(fsys, "/static/")
	if err != nil {
		t.Fatal(err)
	}
	url := s.URL("site.css")
	hashed, ok := strings.CutPrefix(url, "/static/site.")
	if !ok || !strings.HasSuffix(hashed, ".css") || len(hashed) != 12+len(".css") {
		t.Fatalf("URL(site.css) = %q, want /static/site.<12 hex>.css", url)
	}
	f, ok := s.Lookup(strings.TrimPrefix(url, "/static/"))
	if !ok || string(f.Body) != "body{}" || f.ContentType != "text/css; charset=utf-8" {
		t.Errorf("Lookup(%s) = %+v, %v", url, f, ok)
	}
	if f, _ := s.Lookup(strings.TrimPrefix(s.URL("other.bin"), "/static/")); f == nil || f.ContentType != "application/octet-stream" {
		t.Errorf("other.bin = %+v, want application/octet-stream", f)
	}
	if _, ok := s.Lookup("site.css"); ok {
		t.Error("a file was found by its plain name; only hashed names are served")
	}
	if got := s.URL("missing.css"); got != "/static/missing.css" {
		t.Errorf("URL(missing.css) = %q", got)
	}
	if n := len(s.All()); n != 3 {
		t.Errorf("All() has %d files, want the 3 at the top", n)
	}
	// Another content, another name.
	other, _ := Load(fstest.MapFS{"site.css": {Data: []byte("p{}")}}, "/static/")
	if other.URL("site.css") == url {
		t.Error("two contents got the same hashed name")
	}
}
