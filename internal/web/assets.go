package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFiles embed.FS

// asset is one static file, with its name carrying a hash of its content so
// it can be cached for a year and still change the day it is edited.
type asset struct {
	hashed      string // site.3f2a9c1b.css
	contentType string
	body        []byte
	gz          []byte // nil when compressing does not pay
	etag        string
}

// assets are the static files by their hashed names and by their plain ones.
type assets struct {
	byHashed map[string]*asset
	byName   map[string]*asset
}

func loadAssets() (*assets, error) {
	a := &assets{byHashed: map[string]*asset{}, byName: map[string]*asset{}}
	entries, err := fs.ReadDir(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("web: read static files: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := staticFiles.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("web: read static file %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(e.Name())
		as := &asset{
			hashed:      strings.TrimSuffix(e.Name(), ext) + "." + hash + ext,
			contentType: contentTypeOf(ext),
			body:        body,
			etag:        `"` + hash + `"`,
		}
		as.gz = gzipBody(body)
		a.byHashed[as.hashed] = as
		a.byName[e.Name()] = as
	}
	return a, nil
}

// url is the address a page links to for the static file name.
func (a *assets) url(name string) string {
	if as, ok := a.byName[name]; ok {
		return "/static/" + as.hashed
	}
	return "/static/" + name
}

func contentTypeOf(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// static serves a static file by its hashed name. Old hashes are not kept:
// a page cached elsewhere before a deploy loses its style for a minute at
// most, the life of a cached page.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) error {
	as, ok := h.assets.byHashed[r.PathValue("file")]
	if !ok {
		return errNotFound
	}
	hdr := w.Header()
	hdr.Set("Content-Type", as.contentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("Vary", "Accept-Encoding")
	body, etag := as.body, as.etag
	if as.gz != nil && acceptsGzip(r) {
		body, etag = as.gz, gzipETag(as.etag)
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", etag)
	if etagMatch(r.Header.Get("If-None-Match"), as.etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	hdr.Set("Content-Length", fmt.Sprint(len(body)))
	w.Write(body)
	return nil
}

// minGzip is the size below which compressing costs more than it saves.
const minGzip = 1024
