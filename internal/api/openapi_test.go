package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/user"
)

// openAPI is the parsed description, for the tests to read.
type openAPI map[string]any

func loadOpenAPI(t *testing.T, data []byte) openAPI {
	t.Helper()
	var doc openAPI
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	return doc
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

var methods = []string{"get", "post", "put", "patch", "delete"}

// TestOpenAPIMatchesRoutes compares the routes registered with the paths
// and methods described, both ways, and the permission each one names.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	doc := loadOpenAPI(t, e.h.openapi)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi version %v; want 3.1.0", doc["openapi"])
	}
	described := map[string]string{}
	for path, item := range obj(doc["paths"]) {
		for _, m := range methods {
			if op := obj(obj(item)[m]); op != nil {
				perm, ok := op["x-permission"].(string)
				if !ok {
					t.Errorf("%s %s has no x-permission", strings.ToUpper(m), path)
				}
				described[strings.ToUpper(m)+" "+path] = perm
			}
		}
	}
	registered := map[string]string{}
	for _, rt := range e.h.routes() {
		registered[rt.method+" "+rt.path] = string(rt.perm)
	}
	if diff := cmp.Diff(registered, described); diff != "" {
		t.Errorf("routes() (-) and openapi.json (+) differ:\n%s", diff)
	}

	// And the server answers what the description promises: no route is
	// described that the mux would not reach.
	tok := e.tokenFor(user.Owner)
	for key := range described {
		method, path, _ := strings.Cut(key, " ")
		path = strings.NewReplacer("{slug}", "no-such-slug", "{id}", "999999").Replace(path)
		r := e.do(tok, method, path, nil)
		if r.status == 404 && bytes.Contains(r.body, []byte("there is nothing at this path")) || r.status == 405 {
			t.Errorf("%s %s, described, answered %d %s", method, path, r.status, r.body)
		}
	}
}

// check returns what in v does not fit schema: required properties that
// are missing, properties that are not described, and values of another
// type or format.
func (doc openAPI) check(at string, schema map[string]any, v any) []string {
	schema = doc.flatten(schema)
	var bad []string
	switch schema["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return []string{at + ": not an object"}
		}
		props := obj(schema["properties"])
		for _, r := range schema["required"].([]any) {
			if _, ok := m[r.(string)]; !ok {
				bad = append(bad, fmt.Sprintf("%s: required %q is missing", at, r))
			}
		}
		if props == nil {
			return bad
		}
		for k, x := range m {
			p := obj(props[k])
			if p == nil {
				bad = append(bad, fmt.Sprintf("%s: %q is not described", at, k))
				continue
			}
			bad = append(bad, doc.check(at+"."+k, p, x)...)
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			return []string{at + ": not an array"}
		}
		for i, x := range list {
			bad = append(bad, doc.check(fmt.Sprintf("%s[%d]", at, i), obj(schema["items"]), x)...)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			return []string{at + ": not a string"}
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				bad = append(bad, fmt.Sprintf("%s: %q is not RFC 3339", at, s))
			}
		}
		if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, any(s)) {
			bad = append(bad, fmt.Sprintf("%s: %q is not one of %v", at, s, enum))
		}
	case "integer":
		if n, ok := v.(json.Number); !ok || strings.ContainsAny(n.String(), ".eE") {
			bad = append(bad, fmt.Sprintf("%s: %v is not an integer", at, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad = append(bad, fmt.Sprintf("%s: %v is not a boolean", at, v))
		}
	}
	return bad
}

// flatten follows $ref and merges allOf into one schema.
func (doc openAPI) flatten(schema map[string]any) map[string]any {
	if ref, ok := schema["$ref"].(string); ok {
		node := map[string]any(doc)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			node = obj(node[part])
		}
		return doc.flatten(node)
	}
	parts, ok := schema["allOf"].([]any)
	if !ok {
		if schema["type"] == "object" && schema["required"] == nil {
			schema["required"] = []any{}
		}
		return schema
	}
	out := map[string]any{"type": "object", "properties": map[string]any{}, "required": []any{}}
	for _, p := range parts {
		f := doc.flatten(obj(p))
		for k, v := range obj(f["properties"]) {
			out["properties"].(map[string]any)[k] = v
		}
		out["required"] = append(out["required"].([]any), f["required"].([]any)...)
	}
	return out
}

// responseSchema finds the schema of one documented answer.
func (doc openAPI) responseSchema(path, method string, status int) (map[string]any, bool) {
	resp := obj(obj(obj(obj(obj(doc["paths"])[path])[method])["responses"])[fmt.Sprint(status)])
	if resp == nil {
		return nil, false
	}
	resp = doc.flatten(resp)
	return obj(obj(obj(resp["content"])["application/json"])["schema"]), true
}

// TestResponsesFitOpenAPI makes real requests and checks each answer
// against the schema described for its path, method and status.
func TestResponsesFitOpenAPI(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowPrivateWebhooks = true })
	doc := loadOpenAPI(t, e.h.openapi)
	tok := e.tokenFor(user.Owner)
	e.addArticle("harbour", time.Now().Add(-time.Hour))
	e.addArticle("draft", time.Time{})
	e.signup("reader@example.com")

	type call struct {
		method, template, path string
		body                   any
		headers                []string
	}
	calls := []call{
		{"GET", "/api/v1/articles", "/api/v1/articles?limit=1", nil, nil},
		{"GET", "/api/v1/articles/{slug}", "/api/v1/articles/harbour", nil, nil},
		{"GET", "/api/v1/articles/{slug}", "/api/v1/articles/none", nil, nil},
		{"POST", "/api/v1/articles", "/api/v1/articles", map[string]any{"title": "New", "tags": []string{"A"}}, nil},
		{"POST", "/api/v1/articles", "/api/v1/articles", map[string]any{"title": ""}, nil},
		{"POST", "/api/v1/articles/{slug}/publish", "/api/v1/articles/draft/publish", nil, nil},
		{"GET", "/api/v1/newsletters", "/api/v1/newsletters", nil, nil},
		{"POST", "/api/v1/newsletters", "/api/v1/newsletters", map[string]any{"slug": "weekly", "name": "Weekly", "digest": "weekly"}, nil},
		{"POST", "/api/v1/campaigns", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "S", "markdown": "M"}, nil},
		{"GET", "/api/v1/campaigns", "/api/v1/campaigns", nil, nil},
		{"GET", "/api/v1/campaigns/{id}", "/api/v1/campaigns/1", nil, nil},
		{"POST", "/api/v1/campaigns/{id}/send", "/api/v1/campaigns/1/send", nil, nil},
		{"POST", "/api/v1/campaigns/{id}/resume", "/api/v1/campaigns/1/resume", nil, nil},
		{"POST", "/api/v1/campaigns/{id}/test", "/api/v1/campaigns/1/test", map[string]any{"emails": []string{"a@example.org"}}, nil},
		{"GET", "/api/v1/subscribers", "/api/v1/subscribers", nil, nil},
		{"GET", "/api/v1/subscribers/{id}", "/api/v1/subscribers/1", nil, nil},
		{"POST", "/api/v1/subscribers", "/api/v1/subscribers", map[string]any{"email": "new@example.com", "newsletter_ids": []int64{1}}, nil},
		{"PATCH", "/api/v1/subscribers/{id}", "/api/v1/subscribers/1", map[string]any{"tags": []string{"x"}}, nil},
		{"POST", "/api/v1/subscribers/import", "/api/v1/subscribers/import?newsletter_id=1", "email\nnope\n", []string{"Content-Type", "text/csv"}},
		{"POST", "/api/v1/webhooks", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com/in", "events": []string{"campaign.sent"}}, nil},
		{"GET", "/api/v1/webhooks", "/api/v1/webhooks", nil, nil},
		{"DELETE", "/api/v1/webhooks/{id}", "/api/v1/webhooks/1", nil, nil},
		{"GET", "/api/v1/webhooks", "/api/v1/webhooks", nil, []string{"Authorization", "Bearer nope"}},
	}
	seen := map[string]bool{}
	for _, c := range calls {
		r := e.do(tok, c.method, c.path, c.body, c.headers...)
		schema, ok := doc.responseSchema(c.template, strings.ToLower(c.method), r.status)
		if !ok {
			t.Errorf("%s answered %d, which openapi.json does not describe for %s %s", r.call, r.status, c.method, c.template)
			continue
		}
		seen[fmt.Sprintf("%s %d", c.template, r.status)] = true
		if schema == nil {
			if len(r.body) != 0 {
				t.Errorf("%s answered %d with a body %s where none is described", r.call, r.status, r.body)
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(r.body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Errorf("%s answered %d with %s, not JSON: %v", r.call, r.status, r.body, err)
			continue
		}
		if bad := doc.check("body", schema, v); len(bad) > 0 {
			sort.Strings(bad)
			t.Errorf("%s answered %d %s, which does not fit openapi.json:\n  %s", r.call, r.status, r.body, strings.Join(bad, "\n  "))
		}
	}
	for _, want := range []string{"/api/v1/articles/{slug} 404", "/api/v1/articles 422", "/api/v1/subscribers 201",
		"/api/v1/campaigns/{id}/resume 409", "/api/v1/webhooks 401", "/api/v1/webhooks/{id} 204"} {
		if !seen[want] {
			t.Errorf("no call answered %s; the sample meant to cover it", want)
		}
	}
}
