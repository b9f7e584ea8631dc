// Package server composes Herald's HTTP surfaces into one handler with the
// middleware they share: security headers, request logs and a last line of
// defence against panics.
package server

import (
	"crypto/subtle"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Config lists the surfaces to serve. Nil handlers are not served.
type Config struct {
	Site    http.Handler // everything not claimed below
	Admin   http.Handler // /admin/
	API     http.Handler // /api/v1/
	Health  http.Handler // /healthz
	Ready   http.Handler // /readyz
	Metrics http.Handler // /metrics, to loopback peers or with MetricsToken
	// MetricsToken, when set, lets a scraper elsewhere read /metrics with
	// "Authorization: Bearer TOKEN".
	MetricsToken string
	Proxies      Proxies
	Logger       *slog.Logger
	// Requests, when set, hears every request's route, status and time.
	Requests RequestObserver
}

// RequestObserver is told of each request, for metrics.
type RequestObserver interface {
	ObserveRequest(route string, status int, elapsed time.Duration)
}

// New composes the surfaces into one handler with the shared middleware.
func New(cfg Config) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", cfg.Site)
	if cfg.Admin != nil {
		mux.Handle("/admin/", cfg.Admin)
		mux.Handle("/admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently))
	}
	if cfg.API != nil {
		mux.Handle("/api/v1/", cfg.API)
	}
	if cfg.Health != nil {
		mux.Handle("GET /healthz", cfg.Health)
	}
	if cfg.Ready != nil {
		mux.Handle("GET /readyz", cfg.Ready)
	}
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", guardMetrics(cfg.Metrics, cfg.MetricsToken))
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return recoverPanics(realClient(logRequests(securityHeaders(mux), logger, cfg.Requests), cfg.Proxies), logger)
}

// guardMetrics serves metrics to loopback peers that came through no proxy,
// or to a scraper presenting the token.
func guardMetrics(next http.Handler, token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+token)) == 1 {
			next.ServeHTTP(w, r)
			return
		}
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		if ip != nil && ip.IsLoopback() && !proxied(r) {
			next.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
}

// proxied reports whether the request bears any sign of having come through
// a proxy. Behind one on loopback every reader seems local, and a proxy
// may send any of these headers alone, as nginx set to add only X-Real-IP
// does.
func proxied(r *http.Request) bool {
	for _, k := range [...]string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP"} {
		if len(r.Header.Values(k)) > 0 {
			return true
		}
	}
	return false
}

// securityHeaders sets the headers every response carries. Scripts may come
// only from this site; nothing may frame the pages. A surface may replace
// the Content-Security-Policy with one of its own, and then says the same
// in its frame-ancestors as in X-Frame-Options.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"frame-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-DNS-Prefetch-Control", "off")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "interest-cohort=(), camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request at debug level, and errors at warn level.
// Paths are logged without their query, which may hold tokens.
func logRequests(next http.Handler, logger *slog.Logger, obs RequestObserver) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if obs != nil {
			obs.ObserveRequest(r.Pattern, sw.status, time.Since(start))
		}
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelWarn
		}
		if !logger.Enabled(r.Context(), level) {
			return
		}
		logger.Log(r.Context(), level, "request", "method", r.Method, "path", redactPath(r.URL.Path),
			"status", sw.status, "bytes", sw.bytes, "duration", time.Since(start))
	})
}

// redactPath hides the tokens of the signed links in emails: confirmation,
// unsubscribe and preferences. The last two never expire.
func redactPath(p string) string {
	for _, prefix := range []string{"/confirm/", "/unsubscribe/", "/preferences/"} {
		if len(p) > len(prefix) && p[:len(prefix)] == prefix {
			return prefix + "…"
		}
	}
	return p
}

func recoverPanics(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.Error("panic serving request", "path", redactPath(r.URL.Path), "panic", v)
				http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
