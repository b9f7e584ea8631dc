package web

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"

	"herald/internal/assets"
)

//go:embed static
var staticFiles embed.FS

// siteAssets are the site's static files, under names carrying a hash of
// their content so they can be cached for a year and still change the day
// they are edited, each compressed once when that pays.
type siteAssets struct {
	*assets.Set
	gz map[string][]byte // by hashed name
}

func loadAssets() (*siteAssets, error) {
	dir, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	set, err := assets.Load(dir, "/static/")
	if err != nil {
		return nil, err
	}
	a := &siteAssets{Set: set, gz: map[string][]byte{}}
	for _, f := range set.All() {
		if gz := gzipBody(f.Body); gz != nil {
			a.gz[f.Hashed] = gz
		}
	}
	return a, nil
}

// url is the address a page links to for the static file name.
func (a *siteAssets) url(name string) string { return a.URL(name) }

// static serves a static file by its hashed name. Old hashes are not kept:
// a page cached elsewhere before a deploy loses its style for a minute at
// most, the life of a cached page.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) error {
	f, ok := h.assets.Lookup(r.PathValue("file"))
	if !ok {
		return errNotFound
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.ContentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("Vary", "Accept-Encoding")
	plainETag := `"` + f.Hash + `"`
	body, etag := f.Body, plainETag
	if gz := h.assets.gz[f.Hashed]; gz != nil && acceptsGzip(r) {
		body, etag = gz, gzipETag(plainETag)
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", etag)
	if etagMatch(r.Header.Get("If-None-Match"), plainETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	hdr.Set("Content-Length", fmt.Sprint(len(body)))
	w.Write(body)
	return nil
}

// minGzip is the size below which compressing costs more than it saves.
const minGzip = 1024
