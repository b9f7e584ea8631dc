package admin

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/mail"
	"herald/internal/markup"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// The tests run the real handler on a real SQLite file, through HTTP, as a
// browser without JavaScript would use it.

const (
	testBase     = "http://news.example.org"
	testPassword = "correct horse battery staple"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-test-secret")

// clock is a settable time shared by the handler and the account rules.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	path  string
	st    *sqlite.Store
	users *user.Service
	h     *Handler
	srv   *httptest.Server
	clock *clock
	pub   *article.Publisher
	staff map[user.Role]user.User
}

// newEnv starts the app with an account for every role; adjust may change
// the configuration before the handler is built.
func newEnv(t *testing.T, adjust ...func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{path: path, st: st, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}, staff: map[user.Role]user.User{}}
	e.users = user.NewService(user.Config{Store: st, Now: e.clock.Now,
		Cost: user.Cost{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}})
	render := markup.New(testBase).HTML
	e.pub = article.NewPublisher(st, render)
	cfg := Config{
		Site: Site{Name: "The Harbour Times", BaseURL: testBase}, From: mail.Address{Name: "The Harbour Times", Email: "news@news.example.org"},
		Users: e.users, Articles: st, Publisher: e.pub, Markdown: render, Newsletters: st, Campaigns: st,
		Subscribers: st, Ledger: st, Settings: st, Outbox: st, Mail: MailStatus{Transport: "built-in outbox"},
		Secret: testSecret, Erasure: subscriber.NewErasure(testSecret), Now: e.clock.Now,
	}
	for _, f := range adjust {
		f(&cfg)
	}
	if e.h, err = New(cfg); err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", e.h)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	for _, r := range user.Roles() {
		e.staff[r] = e.account(t, string(r)+"@news.example.org", r)
	}
	return e
}

func (e *env) account(t *testing.T, email string, r user.Role) user.User {
	t.Helper()
	u, err := e.users.Create(context.Background(), user.User{Email: email, Name: "Staff " + string(r), Role: r}, testPassword)
	if err != nil {
		t.Fatalf("Create(%s): %v", email, err)
	}
	return u
}

// client is one browser: it keeps cookies and never follows redirects, so
// tests see them.
type client struct {
	t    *testing.T
	e    *env
	http *http.Client
	csrf string
}

func (e *env) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// as signs in a new browser as the account of role.
func (e *env) as(t *testing.T, r user.Role) *client {
	t.Helper()
	c := e.client(t)
	resp := c.login(e.staff[r].Email, testPassword, "", "")
	if resp.status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d, want 303\n%s", r, resp.status, resp.body)
	}
	home := c.get("/admin/")
	if home.status != http.StatusOK {
		t.Fatalf("GET /admin/ as %s: %d\n%s", r, home.status, home.body)
	}
	c.csrf = csrfOf(home.body)
	return c
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(body string) string {
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

type response struct {
	status int
	body   string
	header http.Header
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{status: resp.StatusCode, body: string(b), header: resp.Header}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form with the session's CSRF token, unless the form has a
// csrf field of its own.
func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login fills in the sign-in form as a browser does: it opens the form
// first, for its token.
func (c *client) login(email, password, code, next string) response {
	c.t.Helper()
	page := c.get("/admin/login")
	if page.status != http.StatusOK {
		c.t.Fatalf("GET /admin/login: %d", page.status)
	}
	return c.post("/admin/login", url.Values{"csrf": {csrfOf(page.body)}, "email": {email}, "password": {password},
		"code": {code}, "next": {next}})
}

// mustStatus fails the test unless r has the status.
func mustStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		body := r.body
		if len(body) > 2000 {
			body = body[:2000] + "…"
		}
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, body)
	}
}

// location is where a redirect points, as a path with its query.
func location(r response) string { return r.header.Get("Location") }

// publish stores an article straight through the publisher.
func (e *env) publish(t *testing.T, a article.Article) article.Article {
	t.Helper()
	if a.Language == "" {
		a.Language = "en"
	}
	if a.Status == "" {
		a.Status = article.Published
	}
	if a.Status != article.Draft && a.PublishedAt.IsZero() {
		a.PublishedAt = e.clock.Now().Add(-time.Hour)
	}
	if _, err := e.pub.Publish(context.Background(), &a); err != nil {
		t.Fatalf("Publish(%s): %v", a.Title, err)
	}
	return a
}

// rawCount runs a counting query on the database file directly, to see what
// is stored whatever the store's methods say.
func rawCount(t *testing.T, e *env, query string, n *int, args ...any) error {
	t.Helper()
	db, err := sql.Open("sqlite", e.path)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.QueryRow(query, args...).Scan(n)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// regexpFind returns the first group of pattern in s, or "".
func regexpFind(s, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}
