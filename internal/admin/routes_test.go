package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"herald/internal/user"
)

// publicRoutes are the only routes that may be used without signing in.
var publicRoutes = map[string]bool{
	"GET /admin/login":         true,
	"POST /admin/login":        true,
	"POST /admin/logout":       true,
	"GET /admin/static/{file}": true,
}

// TestEveryRouteNamesAPermission goes through every route the handler
// registered and fails for one without a permission, unless it is one of
// the few public ones.
func TestEveryRouteNamesAPermission(t *testing.T) {
	e := newEnv(t)
	if len(e.h.table) < 40 {
		t.Fatalf("only %d routes registered; the table is incomplete", len(e.h.table))
	}
	seen := map[string]bool{}
	for _, rt := range e.h.table {
		if seen[rt.pattern] {
			t.Errorf("route %s is listed twice", rt.pattern)
		}
		seen[rt.pattern] = true
		if rt.public != publicRoutes[rt.pattern] {
			t.Errorf("route %s: public = %v; only sign-in, sign-out and static files may be public", rt.pattern, rt.public)
		}
		if !rt.public {
			if _, err := user.ParsePermission(string(rt.perm)); err != nil {
				t.Errorf("route %s has no valid permission (%q)", rt.pattern, rt.perm)
			}
		}
		// The mux routes the address to this very entry, so nothing
		// reaches a handler around the table.
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = strings.NewReplacer("{id}", "7", "{file}", "x.css", "{$}", "").Replace(path)
		if _, pattern := e.h.mux.Handler(httptest.NewRequest(method, path, nil)); pattern != rt.pattern {
			t.Errorf("%s %s is routed to %q, want %q", method, path, pattern, rt.pattern)
		}
	}
	for p := range publicRoutes {
		if !seen[p] {
			t.Errorf("public route %s is missing", p)
		}
	}
}

// routePath is a request path for a route's pattern; id stands for {id}.
func routePath(pattern, id string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	return method, strings.NewReplacer("{id}", id, "{file}", "x.css", "{$}", "").Replace(path)
}

// TestRolesAreRefusedWhatTheyLack signs in as every role and tries every
// route: whatever the role does not hold is refused with 403, before any
// handler looks at the request.
func TestRolesAreRefusedWhatTheyLack(t *testing.T) {
	e := newEnv(t)
	clients := map[user.Role]*client{}
	for _, r := range user.Roles() {
		clients[r] = e.as(t, r)
	}
	for _, rt := range e.h.table {
		if rt.public {
			continue
		}
		method, path := routePath(rt.pattern, "1")
		for _, role := range user.Roles() {
			c := clients[role]
			var r response
			if method == http.MethodGet {
				r = c.get(path)
			} else {
				r = c.post(path, nil)
			}
			switch {
			case !role.Can(rt.perm) && r.status != http.StatusForbidden:
				t.Errorf("%s as %s (lacks %s): status %d, want 403", rt.pattern, role, rt.perm, r.status)
			case role.Can(rt.perm) && (r.status == http.StatusUnauthorized || r.status == http.StatusSeeOther && strings.HasPrefix(location(r), "/admin/login")):
				t.Errorf("%s as %s: sent to sign in again (%d)", rt.pattern, role, r.status)
			}
		}
	}
}

// TestOwnerIsNeverRefused checks the other side: the owner holds every
// permission, so no route answers an owner 403 for a missing object.
func TestOwnerIsNeverRefused(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Owner)
	for _, rt := range e.h.table {
		method, path := routePath(rt.pattern, "999999")
		var r response
		if method == http.MethodGet {
			r = c.get(path)
		} else if rt.pattern == "POST /admin/logout" || rt.pattern == "POST /admin/login" {
			continue
		} else {
			r = c.post(path, nil)
		}
		if r.status == http.StatusForbidden || r.status == http.StatusUnauthorized || r.status >= 500 {
			t.Errorf("%s %s as owner: status %d\n%.500s", method, path, r.status, r.body)
		}
	}
}

func TestAuthorIsKeptFromSubscribersAndPublishing(t *testing.T) {
	e := newEnv(t)
	author := e.as(t, user.Author)
	for _, p := range []string{"/admin/subscribers", "/admin/subscribers/1", "/admin/subscribers/export.csv?newsletter=1",
		"/admin/subscribers/1/data.json", "/admin/subscribers/import", "/admin/outbox"} {
		mustStatus(t, "author GET "+p, author.get(p), http.StatusForbidden)
	}
	for _, p := range []string{"/admin/articles/1/publish", "/admin/articles/1/unpublish", "/admin/campaigns/1/send",
		"/admin/subscribers/1/erase", "/admin/subscribers/1/tags"} {
		mustStatus(t, "author POST "+p, author.post(p, nil), http.StatusForbidden)
	}
	home := author.get("/admin/")
	if strings.Contains(home.body, `href="/admin/subscribers"`) {
		t.Error("an author's menu links to the subscribers")
	}
}

func TestViewerChangesNothing(t *testing.T) {
	e := newEnv(t)
	viewer := e.as(t, user.Viewer)
	n := 0
	for _, rt := range e.h.table {
		method, path := routePath(rt.pattern, "1")
		if method != http.MethodPost || rt.public {
			continue
		}
		n++
		mustStatus(t, "viewer POST "+path, viewer.post(path, nil), http.StatusForbidden)
	}
	if n < 20 {
		t.Errorf("only %d POST routes tried", n)
	}
}
