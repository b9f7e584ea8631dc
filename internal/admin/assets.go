package admin

import (
	"embed"
	"io/fs"
	"net/http"
	"strconv"

	"herald/internal/assets"
)

//go:embed static
var staticFiles embed.FS

// loadAssets reads the app's static files, served under /admin/static/ by
// hashed names, so a page never runs with the script of another version.
func loadAssets() (*assets.Set, error) {
	dir, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	return assets.Load(dir, "/admin/static/")
}

// static serves a static file by its hashed name. Like every answer of the
// app it is not cached: the files are small and the app is used by a few.
func (h *Handler) static(w http.ResponseWriter, r *http.Request, _ *staff) error {
	f, ok := h.assets.Lookup(r.PathValue("file"))
	if !ok {
		return errNotFound
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
	w.Write(f.Body)
	return nil
}
