package admin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"herald/internal/user"
)

func TestSignInCookieAndRedirect(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	r := c.login(e.staff[user.Editor].Email, testPassword, "", "")
	mustStatus(t, "sign in", r, http.StatusSeeOther)
	if got := location(r); got != "/admin/" {
		t.Errorf("after sign-in Location = %q, want /admin/", got)
	}
	var sess *http.Cookie
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == "herald_session" {
			sess = ck
		}
	}
	if sess == nil {
		t.Fatalf("no herald_session cookie in %q", r.header.Values("Set-Cookie"))
	}
	if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/admin" || sess.Secure {
		t.Errorf("session cookie = %+v; want HttpOnly, SameSite=Lax, Path=/admin, not Secure over http", sess)
	}
	if home := c.get("/admin/"); home.status != http.StatusOK || !strings.Contains(home.body, "Dashboard") {
		t.Errorf("GET /admin/ after sign-in: %d", home.status)
	}
}

// TestSecureCookieOverHTTPS checks that a site served over https gets
// Secure cookies, for the session and the sign-in form alike.
func TestSecureCookieOverHTTPS(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Site.BaseURL = "https://news.example.org" })
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://news.example.org/admin/login", nil))
	form := rec.Result()
	var token string
	for _, ck := range form.Cookies() {
		if !ck.Secure {
			t.Errorf("cookie %s is not Secure on an https site", ck.Name)
		}
		token = ck.Value
	}
	body := url.Values{"csrf": {csrfOf(rec.Body.String())}, "email": {e.staff[user.Owner].Email}, "password": {testPassword}}
	req := httptest.NewRequest(http.MethodPost, "https://news.example.org/admin/login", strings.NewReader(body.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "herald_login", Value: token})
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in over https: %d\n%s", rec.Code, rec.Body)
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "herald_session" && (!ck.Secure || !ck.HttpOnly) {
			t.Errorf("session cookie over https = %+v, want Secure and HttpOnly", ck)
		}
	}
}

func TestSignInRefusalsLookAlike(t *testing.T) {
	e := newEnv(t)
	unknown := e.client(t).login("nobody@news.example.org", testPassword, "", "")
	wrong := e.client(t).login(e.staff[user.Editor].Email, "not the password at all", "", "")
	for name, r := range map[string]response{"unknown account": unknown, "wrong password": wrong} {
		mustStatus(t, name, r, http.StatusUnauthorized)
		if !strings.Contains(r.body, "The email address, password or code is not right") {
			t.Errorf("%s: the page does not say the common refusal", name)
		}
		if strings.Contains(r.body, "herald_session") {
			t.Errorf("%s: a session was set", name)
		}
	}
	strip := func(s string) string { return csrfField.ReplaceAllString(s, "") }
	if strip(unknown.body) != strings.Replace(strip(wrong.body), e.staff[user.Editor].Email, "nobody@news.example.org", 1) {
		t.Error("the refusal pages for an unknown account and a wrong password differ")
	}
}

func TestSignInNeedsTheFormsToken(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	r := c.post("/admin/login", url.Values{"csrf": {"forged"}, "email": {e.staff[user.Owner].Email}, "password": {testPassword}})
	mustStatus(t, "sign in without the form's cookie", r, http.StatusForbidden)
	if strings.Contains(strings.Join(r.header.Values("Set-Cookie"), ";"), "herald_session=") {
		t.Error("a forged sign-in got a session")
	}
}

func TestSignInWithSecondFactor(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.staff[user.Editor]
	en, err := e.users.EnrollTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := user.TOTPCode(en.Secret, e.clock.Now())
	if err := e.users.EnableTOTP(ctx, u.ID, en.Secret, code); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute) // the enrolment's code is spent
	page := e.client(t).get("/admin/login")
	if !strings.Contains(page.body, `name="code"`) {
		t.Error("the sign-in form has no field for the one-time code")
	}
	mustStatus(t, "sign in without the code", e.client(t).login(u.Email, testPassword, "", ""), http.StatusUnauthorized)
	code, _ = user.TOTPCode(en.Secret, e.clock.Now())
	mustStatus(t, "sign in with the code", e.client(t).login(u.Email, testPassword, code, ""), http.StatusSeeOther)
}

func TestSignInIsThrottled(t *testing.T) {
	e := newEnv(t)
	var last response
	for range 6 {
		last = e.client(t).login(e.staff[user.Viewer].Email, "wrong wrong wrong wrong", "", "")
	}
	mustStatus(t, "sixth wrong password", last, http.StatusTooManyRequests)
	mustStatus(t, "right password while throttled", e.client(t).login(e.staff[user.Viewer].Email, testPassword, "", ""),
		http.StatusTooManyRequests)
}

// TestNextIsLocalOnly tries addresses that would take a browser elsewhere
// after signing in.
func TestNextIsLocalOnly(t *testing.T) {
	e := newEnv(t)
	for next, want := range map[string]string{
		"/admin/articles?status=draft": "/admin/articles?status=draft",
		"/admin/subscribers/3":         "/admin/subscribers/3",
		"/admin":                       "/admin",
		"":                             "/admin/",
		"//evil.example.org":           "/admin/",
		"//evil.example.org/admin/":    "/admin/",
		`/\evil.example.org`:           "/admin/",
		`/admin/\..\evil`:              "/admin/",
		"https://evil.example.org/":    "/admin/",
		"http:evil.example.org":        "/admin/",
		"javascript:alert(1)":          "/admin/",
		"/admin/../evil":               "/admin/",
		"/admin/%2e%2e/evil":           "/admin/",
		"/%2F%2Fevil.example.org":      "/admin/",
		"/evil":                        "/admin/",
		"/admin/\t/evil":               "/admin/",
		" //evil.example.org":          "/admin/",
		"/admin/login?next=//evil":     "/admin/",
	} {
		r := e.client(t).login(e.staff[user.Author].Email, testPassword, "", next)
		mustStatus(t, "sign in with next="+next, r, http.StatusSeeOther)
		if got := location(r); got != want {
			t.Errorf("sign in with next=%q: Location %q, want %q", next, got, want)
		}
	}
}

func TestAnonymousGoesToSignIn(t *testing.T) {
	e := newEnv(t)
	r := e.client(t).get("/admin/articles?status=draft")
	mustStatus(t, "GET /admin/articles anonymously", r, http.StatusSeeOther)
	if got, want := location(r), "/admin/login?next=%2Fadmin%2Farticles%3Fstatus%3Ddraft"; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	mustStatus(t, "POST anonymously", e.client(t).post("/admin/articles", url.Values{"title": {"x"}}), http.StatusUnauthorized)
}

func TestLogoutEndsSession(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	mustStatus(t, "logout without the token", c.post("/admin/logout", url.Values{"csrf": {"nope"}}), http.StatusForbidden)
	mustStatus(t, "still signed in", c.get("/admin/"), http.StatusOK)
	r := c.post("/admin/logout", nil)
	mustStatus(t, "logout", r, http.StatusSeeOther)
	if !strings.HasPrefix(location(r), "/admin/login") {
		t.Errorf("after logout Location = %q", location(r))
	}
	// The session is gone from the store, not only from this browser.
	for _, ck := range c.http.Jar.Cookies(mustURL(t, e.srv.URL+"/admin/")) {
		if ck.Name == "herald_session" {
			t.Errorf("the browser still holds the session cookie")
		}
	}
	sessions := 0
	if err := rawCount(t, e, `SELECT count(*) FROM session`, &sessions); err != nil {
		t.Fatal(err)
	}
	if sessions != 0 {
		t.Errorf("%d sessions left after logout, want 0", sessions)
	}
	mustStatus(t, "GET /admin/ after logout", c.get("/admin/"), http.StatusSeeOther)
}

func TestStateChangesNeedCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	other := e.as(t, user.Owner)
	for name, tok := range map[string]string{"no token": "", "another session's token": other.csrf, "junk": "AAAA"} {
		r := c.post("/admin/articles", url.Values{"csrf": {tok}, "title": {"Forged"}, "body": {"x"}, "language": {"en"}})
		mustStatus(t, "create article with "+name, r, http.StatusForbidden)
	}
	list, _ := e.st.SearchArticles(context.Background(), "Forged", "", 0, 10)
	if len(list) != 0 {
		t.Errorf("a forged request created %d articles", len(list))
	}
	// The scripts send the token in a header instead.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/articles/preview", strings.NewReader("body=%2A%2Ahi%2A%2A"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	if r := c.do(req); r.status != http.StatusOK || !strings.Contains(r.body, "<strong>hi</strong>") {
		t.Errorf("preview with the header token: %d %q", r.status, r.body)
	}
}

func TestBodiesAreCapped(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	big := url.Values{"csrf": {c.csrf}, "body": {strings.Repeat("a", 3<<20)}}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/articles/preview", strings.NewReader(big.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	mustStatus(t, "3 MiB form", c.do(req), http.StatusRequestEntityTooLarge)
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/admin/articles/preview", strings.NewReader(big.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	mustStatus(t, "3 MiB form with the token in a header", c.do(req), http.StatusRequestEntityTooLarge)
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Owner)
	anon := e.client(t)
	home := c.get("/admin/")
	css := regexpFind(home.body, `href="(/admin/static/admin\.[0-9a-f]+\.css)"`)
	for name, r := range map[string]response{
		"sign-in page":  anon.get("/admin/login"),
		"redirect":      anon.get("/admin/"),
		"dashboard":     home,
		"not found":     c.get("/admin/no-such-page"),
		"wrong method":  c.post("/admin/", nil),
		"forbidden":     e.as(t, user.Author).get("/admin/subscribers"),
		"static file":   c.get(css),
		"bad CSRF":      c.post("/admin/settings", url.Values{"csrf": {"x"}}),
		"JSON progress": c.get("/admin/campaigns/999/progress"),
	} {
		h := r.header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy = %q", name, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", name, k, got, want)
			}
		}
	}
}

// A form posted after the session ended is refused with a way to sign in
// that leads back to the page it was posted from, never to another site.
func TestSignInAgainLeadsBackToTheForm(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	post := func(referer string) response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/articles", strings.NewReader("title=Draft"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", referer)
		return c.do(req)
	}
	r := post(e.srv.URL + "/admin/articles/new?translation_of=x")
	mustStatus(t, "post without a session", r, http.StatusUnauthorized)
	if !strings.Contains(r.body, `href="/admin/login?next=%2fadmin%2farticles%2fnew%3ftranslation_of%3dx"`) {
		t.Errorf("the sign-in link does not lead back to the form:\n%s", r.body)
	}
	r = post("https://elsewhere.example/admin/articles/new")
	if !strings.Contains(r.body, `href="/admin/login?next=%2fadmin%2f"`) {
		t.Errorf("the sign-in link leads to another site's page:\n%s", r.body)
	}
}
