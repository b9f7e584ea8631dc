package api

import (
	"fmt"
	"testing"

	"herald/internal/user"
)

// Each refusal names the field that caused it, in the API's names: a
// client shows the message beside that field.
func TestRefusalsNameTheirField(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Owner)
	tags := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("t%d", i)
		}
		return s
	}
	for _, c := range []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"/api/v1/articles", map[string]any{"title": "Tags", "tags": tags(1000)}, "tags"},
		{"/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "S", "markdown": "m", "audience_tags": tags(51)}, "audience_tags"},
		{"/api/v1/newsletters", map[string]any{"slug": "d1", "name": "D", "digest": "daily", "timezone": "Mars/Olympus"}, "timezone"},
		// Refused whether a digest is on or not.
		{"/api/v1/newsletters", map[string]any{"slug": "d2", "name": "D", "timezone": "Mars/Olympus"}, "timezone"},
		{"/api/v1/newsletters", map[string]any{"slug": "d3", "name": "D", "digest_time": "99:99"}, "digest_time"},
	} {
		e.do(tok, "POST", c.path, c.body).wantError(t, 422, "validation_failed", c.field)
	}
}
