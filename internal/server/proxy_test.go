package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRealClient(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 192.168.1.5")
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	h := realClient(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }), proxies)
	for _, c := range []struct{ peer, xff, want string }{
		{"10.1.2.3:5000", "203.0.113.9", "203.0.113.9:0"},
		{"10.1.2.3:5000", "198.51.100.1, 203.0.113.9, 10.4.4.4", "203.0.113.9:0"}, // spoofed left part ignored
		{"192.168.1.5:1", "203.0.113.7", "203.0.113.7:0"},
		{"203.0.113.50:1", "1.2.3.4", "203.0.113.50:1"}, // not a proxy: its claim is ignored
		{"10.1.2.3:5000", "", "10.1.2.3:5000"},
		{"10.1.2.3:5000", "not-an-ip", "10.1.2.3:5000"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != c.want {
			t.Errorf("peer %s X-Forwarded-For %q: RemoteAddr %s, want %s", c.peer, c.xff, seen, c.want)
		}
	}
	if _, err := ParseProxies("10.0.0.0/33"); err == nil {
		t.Error("ParseProxies accepted a bad range")
	}
}
