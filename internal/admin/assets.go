package admin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed static
var staticFiles embed.FS

// asset is one static file, served under a name that carries a hash of its
// content, so a page never runs with the script of another version.
type asset struct {
	hashed      string // admin.3f2a9c1b0d4e.js
	contentType string
	body        []byte
}

// assets are the static files by their hashed and their plain names.
type assets struct {
	byHashed map[string]*asset
	byName   map[string]*asset
}

func loadAssets() (*assets, error) {
	a := &assets{byHashed: map[string]*asset{}, byName: map[string]*asset{}}
	entries, err := fs.ReadDir(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("admin: read static files: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := staticFiles.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("admin: read static file %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		as := &asset{
			hashed:      strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:])[:12] + ext,
			contentType: contentTypeOf(ext),
			body:        body,
		}
		a.byHashed[as.hashed] = as
		a.byName[e.Name()] = as
	}
	return a, nil
}

// url is the address pages link to for the static file name.
func (a *assets) url(name string) string {
	if as, ok := a.byName[name]; ok {
		return "/admin/static/" + as.hashed
	}
	return "/admin/static/" + name
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

// static serves a static file by its hashed name. Like every answer of the
// app it is not cached: the files are small and the app is used by a few.
func (h *Handler) static(w http.ResponseWriter, r *http.Request, _ *staff) error {
	as, ok := h.assets.byHashed[r.PathValue("file")]
	if !ok {
		return errNotFound
	}
	w.Header().Set("Content-Type", as.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(as.body)))
	w.Write(as.body)
	return nil
}
