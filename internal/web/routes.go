package web

import (
	"net/http"
)

// routes lists every address the public site answers. Pages rendered from
// the store alone are listed in cachedRoute too.
func (h *Handler) routes() {
	h.handle("GET /{$}", h.home)
	h.handle("GET /articles/{slug}", h.articlePage)
	h.handle("GET /section/{slug}", h.sectionPage)
	h.handle("GET /tag/{slug}", h.tagPage)
	h.handle("GET /author/{slug}", h.authorPage)

	h.handle("GET /feed.xml", h.atomFeed)
	h.handle("GET /rss.xml", h.rssFeed)
	h.handle("GET /feed.json", h.jsonFeed)
	h.handle("GET /sitemap.xml", h.sitemap)
	h.handle("GET /news-sitemap.xml", h.newsSitemap)
	h.handle("GET /robots.txt", h.robots)
	h.handle("GET /static/{file}", h.static)

	h.handle("GET /subscribe", private(h.signupPage))
	h.handle("POST /subscribe", private(h.subscribe))
	h.handle("GET /confirm/{token}", private(h.confirmForm))
	h.handle("POST /confirm/{token}", private(h.confirm))
	h.handle("GET /unsubscribe/{token}", private(h.unsubscribeForm))
	h.handle("POST /unsubscribe/{token}", private(h.unsubscribe))
	h.handle("GET /preferences/{token}", private(h.preferencesForm))
	h.handle("POST /preferences/{token}", private(h.savePreferences))

	h.handle("GET /outbox", private(h.outboxList))
	h.handle("GET /outbox/{id}", private(h.outboxMessage))
}

// cachedRoute reports whether the answer on pattern depends only on the
// address and the store, so one rendered copy can serve every reader.
func cachedRoute(pattern string) bool {
	switch pattern {
	case "GET /{$}", "GET /articles/{slug}", "GET /section/{slug}", "GET /tag/{slug}", "GET /author/{slug}",
		"GET /feed.xml", "GET /rss.xml", "GET /feed.json", "GET /sitemap.xml", "GET /news-sitemap.xml", "GET /robots.txt":
		return true
	}
	return false
}

// handlerFunc is a handler that reports failure instead of writing it, so
// that fail decides every error status in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (h *Handler) handle(pattern string, fn handlerFunc) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// private marks answers that concern one reader, or carry a token in their
// address: no cache may keep them and no other site learns the address.
func private(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		return fn(w, r)
	}
}

// siteCSP lets pages load only this site's own styles, scripts and fonts.
// Images may come from elsewhere because articles may embed them; the
// site's own pages never do. No other page may frame the site's, which
// X-Frame-Options repeats for browsers that predate frame-ancestors.
const siteCSP = "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func setSecurityHeaders(hdr http.Header) {
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", siteCSP)
	hdr.Set("X-Frame-Options", "DENY")
}
