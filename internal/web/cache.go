package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rendered is one finished answer: what a cache keeps and replays.
type rendered struct {
	status  int
	header  http.Header
	body    []byte
	gz      []byte // the body compressed, when that pays
	etag    string // strong, of the uncompressed body
	expires time.Time
}

// pageCache keeps rendered pages for a short time so a story that is being
// read by many costs one render. It is bounded so that made-up addresses
// cannot grow it.
type pageCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[string]*rendered
}

func newPageCache(ttl time.Duration, max int) *pageCache {
	return &pageCache{ttl: ttl, max: max, entries: make(map[string]*rendered)}
}

func (c *pageCache) get(key string, now time.Time) *rendered {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.entries[key]
	if !ok {
		return nil
	}
	if !now.Before(p.expires) {
		delete(c.entries, key)
		return nil
	}
	return p
}

// put stores p. When full it drops expired pages, then the one closest to
// expiring; with a few hundred entries the scan costs less than a render.
func (c *pageCache) put(key string, p *rendered, now time.Time) {
	p.expires = now.Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		var oldest string
		var oldestAt time.Time
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
				continue
			}
			if oldest == "" || e.expires.Before(oldestAt) {
				oldest, oldestAt = k, e.expires
			}
		}
		if len(c.entries) >= c.max {
			delete(c.entries, oldest)
		}
	}
	c.entries[key] = p
}

// cacheable reports whether the request may be answered from, and stored
// in, the page cache.
func (h *Handler) cacheable(r *http.Request, pattern string) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && cachedRoute(pattern)
}

// serveCached answers a cacheable route from the cache or by rendering it
// into memory. Either way the answer carries an ETag and is compressed
// when the client can take it.
func (h *Handler) serveCached(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Path + "?" + r.URL.RawQuery
	if h.cache.ttl > 0 {
		if p := h.cache.get(key, h.now()); p != nil {
			writeRendered(w, r, p)
			return
		}
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h.mux.ServeHTTP(rec, r)
	p := &rendered{status: rec.status, header: rec.header, body: rec.body.Bytes()}
	if p.status == http.StatusOK {
		sum := sha256.Sum256(p.body)
		p.etag = `"` + hex.EncodeToString(sum[:16]) + `"`
		if compressible(p.header.Get("Content-Type")) {
			p.gz = gzipBody(p.body)
		}
		if h.cache.ttl > 0 {
			h.cache.put(key, p, h.now())
		}
	}
	writeRendered(w, r, p)
}

// writeRendered sends p, or 304 when the client already has it.
func writeRendered(w http.ResponseWriter, r *http.Request, p *rendered) {
	hdr := w.Header()
	for k, v := range p.header {
		hdr[k] = append([]string(nil), v...)
	}
	if p.status != http.StatusOK {
		w.WriteHeader(p.status)
		w.Write(p.body)
		return
	}
	body, etag := p.body, p.etag
	if p.gz != nil {
		hdr.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = p.gz, gzipETag(p.etag)
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", etag)
	if etagMatch(r.Header.Get("If-None-Match"), p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// recorder keeps a handler's answer in memory.
type recorder struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(status int) {
	if !rec.wroteHeader {
		rec.status, rec.wroteHeader = status, true
	}
}

func (rec *recorder) Write(b []byte) (int, error) {
	rec.wroteHeader = true
	return rec.body.Write(b)
}

func compressible(contentType string) bool {
	return strings.Contains(contentType, "html") || strings.Contains(contentType, "xml") ||
		strings.Contains(contentType, "json") || strings.HasPrefix(contentType, "text/")
}

// gzipBody compresses a page worth compressing, or returns nil.
func gzipBody(body []byte) []byte {
	if len(body) < minGzip {
		return nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(body)
	if zw.Close() != nil || buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reads Accept-Encoding, honouring an explicit q=0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			return false
		}
		return true
	}
	return false
}

// gzipETag names the compressed variant; a strong ETag must differ between
// representations.
func gzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gz"` }

// etagMatch reports whether an If-None-Match header names etag, in either
// its plain or compressed form (a weak comparison, as RFC 9110 asks).
func etagMatch(header, etag string) bool {
	if header == "" || etag == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag || t == gzipETag(etag) {
			return true
		}
	}
	return false
}
