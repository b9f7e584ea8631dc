package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"herald/internal/server"
)

// TestMetricsOnlyToLoopbackOrToken asks for /metrics from loopback with
// and without the headers a proxy on the same machine adds, from another
// host, and with the token. A proxy on loopback makes every reader seem
// local, so any sign of one must close the page to all but the token.
func TestMetricsOnlyToLoopbackOrToken(t *testing.T) {
	const token = "a-metrics-token-of-length"
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("herald_up 1\n")) })
	h := server.New(server.Config{Site: http.NotFoundHandler(), Metrics: metrics, MetricsToken: token})

	for _, c := range []struct {
		remote string
		header []string
		want   int
	}{
		{"127.0.0.1:5000", nil, 200},
		{"[::1]:5000", nil, 200},
		{"203.0.113.9:5000", nil, 404},
		{"203.0.113.9:5000", []string{"Authorization", "Bearer " + token}, 200},
		{"203.0.113.9:5000", []string{"Authorization", "Bearer wrong"}, 404},
		{"127.0.0.1:5000", []string{"X-Forwarded-For", "203.0.113.9"}, 404},
		{"127.0.0.1:5000", []string{"Forwarded", "for=203.0.113.9"}, 404},
		{"127.0.0.1:5000", []string{"X-Real-IP", "203.0.113.9"}, 404},
		{"127.0.0.1:5000", []string{"X-Forwarded-Host", "news.example"}, 404},
		{"127.0.0.1:5000", []string{"X-Forwarded-Proto", "https"}, 404},
		{"127.0.0.1:5000", []string{"X-Real-IP", "203.0.113.9", "Authorization", "Bearer " + token}, 200},
	} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = c.remote
		for i := 0; i+1 < len(c.header); i += 2 {
			r.Header.Set(c.header[i], c.header[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("GET /metrics from %s with %q: %d, want %d", c.remote, c.header, w.Code, c.want)
		}
	}
}
