// Package server composes Herald's HTTP surfaces into one handler with the
// middleware they share: security headers, request logs and a last line of
// defence against panics.
package server

import (
	"log/slog"
	"net/http"
	"time"
)

// New wraps site (the public pages) with the shared middleware.
func New(site http.Handler, logger *slog.Logger) http.Handler {
	return recoverPanics(logRequests(securityHeaders(site), logger), logger)
}

// securityHeaders sets the headers every response carries. Scripts may come
// only from this site; nothing may frame the pages.
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
func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
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

// redactPath hides the tokens in confirmation and unsubscribe links.
func redactPath(p string) string {
	for _, prefix := range []string{"/confirm/", "/unsubscribe/"} {
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
