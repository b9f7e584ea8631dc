// Package assets holds a set of static files served under names that carry
// a hash of their content, so that a page always gets the files of its own
// version and a file can be cached for as long as it exists.
package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// File is one static file.
type File struct {
	Hashed      string // site.3f2a9c1b0d4e.css
	Hash        string // 3f2a9c1b0d4e
	ContentType string
	Body        []byte
}

// Set is the files of one folder, by their hashed and their plain names.
type Set struct {
	prefix   string
	byHashed map[string]*File
	byName   map[string]*File
}

// Load reads every file at the top of fsys. Their addresses start with
// prefix, such as "/static/".
func Load(fsys fs.FS, prefix string) (*Set, error) {
	s := &Set{prefix: prefix, byHashed: map[string]*File{}, byName: map[string]*File{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("assets: read static files: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("assets: read static file %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		f := &File{Hash: hex.EncodeToString(sum[:])[:12], ContentType: contentType(ext), Body: body}
		f.Hashed = strings.TrimSuffix(e.Name(), ext) + "." + f.Hash + ext
		s.byHashed[f.Hashed] = f
		s.byName[e.Name()] = f
	}
	return s, nil
}

// URL is the address pages link to for the file name.
func (s *Set) URL(name string) string {
	if f, ok := s.byName[name]; ok {
		return s.prefix + f.Hashed
	}
	return s.prefix + name
}

// Lookup finds a file by its hashed name, the last part of its address.
func (s *Set) Lookup(hashed string) (*File, bool) {
	f, ok := s.byHashed[hashed]
	return f, ok
}

// All returns every file, in no particular order.
func (s *Set) All() []*File {
	out := make([]*File, 0, len(s.byHashed))
	for _, f := range s.byHashed {
		out = append(out, f)
	}
	return out
}

func contentType(ext string) string {
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
