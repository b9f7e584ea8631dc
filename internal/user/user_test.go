package user_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/store/sqlite"
	"herald/internal/user"
)

// clock is a settable time shared by the services of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

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

// cheap keeps tests quick; the timing test uses the real cost.
var cheap = user.Cost{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}

// env is a database on disk with a service on it.
type env struct {
	path  string
	store *sqlite.Store
	clock *clock
	svc   *user.Service
}

func newEnv(t *testing.T, adjust ...func(*user.Config)) *env {
	t.Helper()
	e := &env{path: filepath.Join(t.TempDir(), "herald.db"), clock: newClock()}
	e.store = openStore(t, e.path)
	e.svc = e.service(e.store, adjust...)
	return e
}

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlite.Open(%s): %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func (e *env) service(st *sqlite.Store, adjust ...func(*user.Config)) *user.Service {
	cfg := user.Config{Store: st, Now: e.clock.Now, Cost: cheap}
	for _, f := range adjust {
		f(&cfg)
	}
	return user.NewService(cfg)
}

const goodPassword = "correct horse battery staple"

func (e *env) create(t *testing.T, email string, r user.Role) user.User {
	t.Helper()
	u, err := e.svc.Create(context.Background(), user.User{Email: email, Name: "Staff " + string(r), Role: r}, goodPassword)
	if err != nil {
		t.Fatalf("Create(%s, %s): %v", email, r, err)
	}
	return u
}

func TestRoleTable(t *testing.T) {
	want := map[user.Role][]user.Permission{
		user.Owner: user.Permissions(),
		user.Editor: {user.ArticleRead, user.ArticleWriteOwn, user.ArticleWriteAny, user.ArticlePublish,
			user.CampaignRead, user.CampaignWrite, user.CampaignSend, user.NewsletterManage,
			user.SubscriberRead, user.SubscriberWrite, user.StatsRead},
		user.Author: {user.ArticleRead, user.ArticleWriteOwn},
		user.Viewer: {user.ArticleRead, user.CampaignRead, user.StatsRead},
	}
	for _, r := range user.Roles() {
		if diff := cmp.Diff(want[r], r.Permissions()); diff != "" {
			t.Errorf("%s.Permissions() (-want +got):\n%s", r, diff)
		}
		for _, p := range user.Permissions() {
			held := false
			for _, w := range want[r] {
				held = held || w == p
			}
			if got := r.Can(p); got != held {
				t.Errorf("%s.Can(%s) = %v, want %v", r, p, got, held)
			}
		}
		if r.Can("article:delete-everything") {
			t.Errorf("%s.Can(unknown permission) = true, want false", r)
		}
	}
	if user.Role("admin").Can(user.ArticleRead) {
		t.Error(`Role("admin").Can(ArticleRead) = true, want false for an unknown role`)
	}
	if (user.User{Role: user.Owner, Disabled: true}).Can(user.ArticleRead) {
		t.Error("a disabled owner Can(ArticleRead) = true, want false")
	}
	if r, err := user.ParseRole(" Editor "); err != nil || r != user.Editor {
		t.Errorf(`ParseRole(" Editor ") = %q, %v; want editor`, r, err)
	}
	if _, err := user.ParseRole("admin"); !errors.Is(err, user.ErrInvalid) {
		t.Errorf(`ParseRole("admin") error = %v, want ErrInvalid`, err)
	}
	if _, err := user.ParsePermission("campaign:send"); err != nil {
		t.Errorf(`ParsePermission("campaign:send"): %v`, err)
	}
	if _, err := user.ParsePermission("campaign:burn"); !errors.Is(err, user.ErrInvalid) {
		t.Errorf(`ParsePermission("campaign:burn") error = %v, want ErrInvalid`, err)
	}
}

func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"11 characters", "abcdefghijk", user.ErrPasswordTooShort},
		{"12 characters", "abcdefghijkl", nil},
		{"11 two-byte characters", strings.Repeat("é", 11), user.ErrPasswordTooShort},
		{"12 two-byte characters", strings.Repeat("é", 12), nil},
		{"1024 bytes", strings.Repeat("a", 1024), nil},
		{"1025 bytes", strings.Repeat("a", 1025), user.ErrPasswordTooLong},
		{"invalid UTF-8", "abcdefghijkl\xff", user.ErrPasswordEncoding},
	}
	for _, tt := range tests {
		if got := user.CheckPassword(tt.pw); !errors.Is(got, tt.want) {
			t.Errorf("CheckPassword(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Create(ctx, user.User{Email: "short@example.org", Role: user.Author}, "tooshort"); !errors.Is(err, user.ErrPasswordTooShort) {
		t.Errorf("Create with an 8-character password: error %v, want ErrPasswordTooShort", err)
	}
	u := e.create(t, "nfkc@example.org", user.Author)
	// "ﬁ" (U+FB01) is "fi" under NFKC: the same passphrase typed another way.
	if err := e.svc.SetPassword(ctx, u.ID, "the ﬁrst password"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if _, err := e.svc.Login(ctx, "nfkc@example.org", "the first password", "192.0.2.1"); err != nil {
		t.Errorf("Login with the NFKC-equal password: %v, want success", err)
	}
	if _, err := e.svc.Login(ctx, "nfkc@example.org", "the first passworD", "192.0.2.1"); !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("Login with a different password: %v, want ErrLoginFailed", err)
	}
}

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.create(t, "Maya@Example.org", user.Editor)
	if u.ID == 0 || u.PasswordHash == "" || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("Create returned %+v, want an ID and an argon2id hash", u)
	}
	got, err := e.svc.UserByEmail(ctx, "maya@EXAMPLE.org")
	if err != nil {
		t.Fatalf("UserByEmail in another case: %v", err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("stored account differs (-created +read):\n%s", diff)
	}
	if _, err := e.svc.Create(ctx, user.User{Email: "maya@example.ORG", Role: user.Author}, goodPassword); !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("Create with the same address in another case: %v, want ErrEmailTaken", err)
	}
	for _, bad := range []user.User{
		{Email: "not an address", Role: user.Author},
		{Email: "Maya <m@example.org>", Role: user.Author},
		{Email: "ok@example.org", Role: "admin"},
		{Email: "ok@example.org", Role: user.Author, Name: "two\nlines"},
	} {
		if _, err := e.svc.Create(ctx, bad, goodPassword); !errors.Is(err, user.ErrInvalid) {
			t.Errorf("Create(%+v) error = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := e.svc.User(ctx, 9999); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("User(9999) error = %v, want ErrNotFound", err)
	}
	if err := e.svc.SetRole(ctx, 9999, user.Author); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("SetRole(9999) error = %v, want ErrNotFound", err)
	}
	if err := e.svc.SetRole(ctx, u.ID, user.Viewer); err != nil {
		t.Fatalf("SetRole: %v", err)
	}
	list, err := e.svc.Users(ctx, 0, 10)
	if err != nil || len(list) != 1 || list[0].Role != user.Viewer {
		t.Errorf("Users after SetRole(viewer) = %+v, %v; want one viewer", list, err)
	}
}
