package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestAPIThroughServer makes a token with the CLI and uses it against the
// running server, as a script of the newsroom's would.
func TestAPIThroughServer(t *testing.T) {
	h := startHerald(t)
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"user", "add", "ed@example.org", "--role", "editor", "--password-stdin", "--data", h.data},
		env(nil), strings.NewReader("a long enough passphrase\n"), &out, &errOut); err != nil {
		t.Fatalf("user add: %v\n%s", err, errOut.String())
	}
	token := strings.TrimSpace(h.cli("user", "token", "ed@example.org", "--name", "script"))
	if !strings.HasPrefix(token, "hrld_") {
		t.Fatalf("user token printed %q", token)
	}
	get := func(path, auth string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", h.base+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, body := get("/api/v1/articles", token); code != 200 || body["items"] == nil && body["articles"] == nil && body["data"] == nil {
		t.Errorf("GET /api/v1/articles with a token: %d %v", code, body)
	}
	if code, body := get("/api/v1/articles", ""); code != 401 || body["error"] == nil {
		t.Errorf("GET /api/v1/articles without a token: %d %v; want 401 with an error object", code, body)
	}
	if code, _ := get("/api/v1/openapi.json", ""); code != 200 {
		t.Errorf("GET /api/v1/openapi.json: %d", code)
	}
}
