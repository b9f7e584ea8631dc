package api

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/user"
)

// inputTypes pairs each request schema of openapi.json with the type its
// route decodes the body into.
var inputTypes = map[string]reflect.Type{
	"ArticleInput":     reflect.TypeFor[articleInput](),
	"PublishInput":     reflect.TypeFor[publishInput](),
	"NewsletterInput":  reflect.TypeFor[newsletterInput](),
	"CampaignInput":    reflect.TypeFor[campaignInput](),
	"SendInput":        reflect.TypeFor[sendInput](),
	"ScheduleInput":    reflect.TypeFor[sendInput](),
	"TestSendInput":    reflect.TypeFor[testSendInput](),
	"SubscriberInput":  reflect.TypeFor[subscriberInput](),
	"SubscriberPatch":  reflect.TypeFor[subscriberPatch](),
	"UnsubscribeInput": reflect.TypeFor[unsubscribeInput](),
	"WebhookInput":     reflect.TypeFor[webhookInput](),
}

// TestRequestSchemasMatchInputs compares the fields each request schema
// describes with the fields its route reads: a field the route reads that
// is not described would be refused by a client that checks its requests;
// one described that the route does not read is refused by the route as
// unknown.
func TestRequestSchemasMatchInputs(t *testing.T) {
	e := newEnv(t)
	doc := loadOpenAPI(t, e.h.openapi)
	schemas := obj(obj(doc["components"])["schemas"])
	for name, typ := range inputTypes {
		schema := obj(schemas[name])
		if schema == nil {
			t.Errorf("openapi.json has no schema %s", name)
			continue
		}
		var described []string
		for k := range obj(schema["properties"]) {
			described = append(described, k)
		}
		var read []string
		for k := range jsonNames(typ) {
			read = append(read, k)
		}
		sort.Strings(described)
		sort.Strings(read)
		if diff := cmp.Diff(read, described); diff != "" {
			t.Errorf("schema %s (+) and the fields of %v (-) differ:\n%s", name, typ, diff)
		}
		if schema["additionalProperties"] != false {
			t.Errorf("schema %s does not say additionalProperties: false, yet unknown fields are refused", name)
		}
	}
	// Every request schema is one of those.
	for path, item := range obj(doc["paths"]) {
		for _, m := range methods {
			schema := obj(obj(obj(obj(obj(obj(item)[m])["requestBody"])["content"])["application/json"])["schema"])
			ref, _ := schema["$ref"].(string)
			if name := strings.TrimPrefix(ref, "#/components/schemas/"); ref != "" && inputTypes[name] == nil {
				t.Errorf("%s %s takes %s, which no route's input type is paired with here", strings.ToUpper(m), path, name)
			}
		}
	}
}

// TestRequestRefusalsAreDescribed sends each route that takes a JSON body
// the bodies every such route refuses, a body of another type, one over
// the size limit and one with an unknown field, and checks that the
// refusal is one openapi.json describes for the route. A body without a
// field the schema requires must not succeed.
func TestRequestRefusalsAreDescribed(t *testing.T) {
	e := newEnv(t)
	doc := loadOpenAPI(t, e.h.openapi)
	tok := e.tokenFor(user.Owner)
	e.addArticle("draft", time.Time{})
	e.signup("reader@example.com")
	e.do(tok, "POST", "/api/v1/campaigns", map[string]any{"newsletter_id": 1, "subject": "S", "markdown": "M"}).want(t, 201, nil)
	big := `{"x": "` + strings.Repeat("a", maxJSON) + `"}`

	for path, item := range obj(doc["paths"]) {
		for _, m := range methods {
			op := obj(obj(item)[m])
			content := obj(obj(op["requestBody"])["content"])
			if content["application/json"] == nil {
				continue
			}
			schema := doc.flatten(obj(obj(content["application/json"])["schema"]))
			method := strings.ToUpper(m)
			real := strings.NewReplacer("{slug}", "draft", "{id}", "1").Replace(path)
			for _, c := range []struct {
				body    string
				headers []string
				status  int
			}{
				{`{}`, []string{"Content-Type", "text/plain"}, 415},
				{big, nil, 413},
				{`{"no_such_field": 1}`, nil, 400},
			} {
				r := e.do(tok, method, real, c.body, c.headers...)
				if r.status != c.status {
					t.Errorf("%s with %.40s… = %d %s; want %d", r.call, c.body, r.status, r.body, c.status)
				}
				if _, ok := doc.responseSchema(path, m, r.status); !ok {
					t.Errorf("%s answered %d, which openapi.json does not describe for %s %s", r.call, r.status, method, path)
				}
			}
			if req, _ := schema["required"].([]any); len(req) > 0 {
				if r := e.do(tok, method, real, `{}`); r.status < 300 {
					t.Errorf("%s with {} = %d; want a refusal, as %s requires %v", r.call, r.status, path, req)
				}
			}
		}
	}
}
