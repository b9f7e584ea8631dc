package user_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"herald/internal/user"
)

func TestLoginOpensSessionStoredAsHash(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.create(t, "maya@example.org", user.Editor)
	s, err := e.svc.LoginWith(ctx, user.Credentials{Email: "MAYA@example.org", Password: goodPassword, IP: "192.0.2.1", UserAgent: "Firefox"})
	if err != nil {
		t.Fatalf("LoginWith(right password): %v", err)
	}
	if len(s.Token) != 43 || s.UserID != u.ID || s.IP != "192.0.2.1" || s.UserAgent != "Firefox" {
		t.Errorf("session = %+v, want a 43-character token for user %d with IP and agent", s, u.ID)
	}
	if !s.ExpiresAt.Equal(e.clock.Now().Add(7 * 24 * time.Hour)) {
		t.Errorf("ExpiresAt = %v, want 7 days after sign-in", s.ExpiresAt)
	}
	got, gs, err := e.svc.CheckSession(ctx, s.Token)
	if err != nil || got.ID != u.ID || gs.ID != s.ID {
		t.Fatalf("CheckSession(token) = %d, %q, %v; want user %d, session %q", got.ID, gs.ID, err, u.ID, s.ID)
	}
	// Only the SHA-256 of the token is in the database.
	db := rawDB(t, e.path)
	var id string
	if err := db.QueryRow(`SELECT id FROM session`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(s.Token))
	if id != hex.EncodeToString(sum[:]) || id == s.Token {
		t.Errorf("stored session id = %q, want the hex SHA-256 of the token", id)
	}
	for _, bad := range []string{"", "short", s.Token[:42] + "!", s.ID} {
		if _, _, err := e.svc.CheckSession(ctx, bad); !errors.Is(err, user.ErrNoSession) {
			t.Errorf("CheckSession(%q) error = %v, want ErrNoSession", bad, err)
		}
	}
}

// rawDB opens the database file directly, to look at what is stored.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRefusalsLookAlike(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "maya@example.org", user.Editor)
	gone := e.create(t, "gone@example.org", user.Editor)
	if err := e.svc.SetDisabled(ctx, gone.ID, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, email, password string }{
		{"wrong password", "maya@example.org", "wrong horse battery staple"},
		{"unknown account", "nobody@example.org", goodPassword},
		{"disabled account", "gone@example.org", goodPassword},
		{"empty password", "maya@example.org", ""},
		{"overlong password", "maya@example.org", string(make([]byte, 5000))},
	}
	var msgs []string
	for i, c := range cases {
		_, err := e.svc.Login(ctx, c.email, c.password, fmt.Sprintf("192.0.2.%d", i+1))
		if !errors.Is(err, user.ErrLoginFailed) {
			t.Errorf("Login(%s) error = %v, want ErrLoginFailed", c.name, err)
			continue
		}
		msgs = append(msgs, err.Error())
	}
	if len(msgs) != len(cases) || len(slices.Compact(slices.Clone(msgs))) != 1 {
		t.Errorf("refusal messages differ: %q", msgs)
	}
}

// TestRefusalTimingLooksAlike measures, with the real hashing cost, that an
// unknown address takes as long to refuse as a wrong password: both verify
// one argon2id hash. Runs are interleaved and the fastest of each kind
// compared, since a busy machine only ever adds time; the tolerance is wide.
func TestRefusalTimingLooksAlike(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes with the production cost")
	}
	e := newEnv(t, func(c *user.Config) { c.Cost = user.Cost{}; c.MaxAccountFailures = 1000; c.MaxIPFailures = 1000 })
	ctx := context.Background()
	e.create(t, "maya@example.org", user.Editor)
	const runs = 7
	var wrong, unknown []time.Duration
	measure := func(email, pw string) time.Duration {
		start := time.Now()
		_, err := e.svc.Login(ctx, email, pw, "192.0.2.1")
		d := time.Since(start)
		if !errors.Is(err, user.ErrLoginFailed) {
			t.Fatalf("Login(%s) error = %v, want ErrLoginFailed", email, err)
		}
		return d
	}
	for range runs {
		wrong = append(wrong, measure("maya@example.org", "not the password at all"))
		unknown = append(unknown, measure("nobody@example.org", "not the password at all"))
	}
	mw, mu := slices.Min(wrong), slices.Min(unknown)
	t.Logf("fastest refusal of %d: wrong password %v, unknown account %v (argon2id 64 MiB, t=1, p=2)", runs, mw, mu)
	if ratio := float64(mu) / float64(mw); ratio < 0.5 || ratio > 2 {
		t.Errorf("unknown account refused in %v, wrong password in %v at best: ratio %.2f, want between 0.5 and 2\nwrong: %v\nunknown: %v",
			mu, mw, ratio, wrong, unknown)
	}
}

func TestThrottlePerAccountAcrossProcesses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "maya@example.org", user.Editor)
	// A second service on its own connection to the same file, as a second
	// process or node would be.
	other := e.service(openStore(t, e.path))
	svcs := []*user.Service{e.svc, other}
	for i := range 5 {
		ip := fmt.Sprintf("198.51.100.%d", i+1)
		if _, err := svcs[i%2].Login(ctx, "maya@example.org", "wrong password here", ip); !errors.Is(err, user.ErrLoginFailed) {
			t.Fatalf("failure %d: %v, want ErrLoginFailed", i+1, err)
		}
		if _, err := svcs[i%2].Login(ctx, "nobody@example.org", "wrong password here", ip); !errors.Is(err, user.ErrLoginFailed) {
			t.Fatalf("unknown account, failure %d: %v, want ErrLoginFailed", i+1, err)
		}
	}
	for i, s := range svcs {
		if _, err := s.Login(ctx, "maya@example.org", goodPassword, "203.0.113.9"); !errors.Is(err, user.ErrThrottled) {
			t.Errorf("service %d, right password after 5 failures: %v, want ErrThrottled", i, err)
		}
		if _, err := s.Login(ctx, "nobody@example.org", goodPassword, "203.0.113.9"); !errors.Is(err, user.ErrThrottled) {
			t.Errorf("service %d, unknown account after 5 failures: %v, want ErrThrottled as for a known one", i, err)
		}
	}
	e.clock.Advance(15*time.Minute + time.Millisecond)
	if _, err := other.Login(ctx, "maya@example.org", goodPassword, "203.0.113.9"); err != nil {
		t.Errorf("right password once the window passed: %v", err)
	}
	// A success forgets the address's failures.
	for range 4 {
		e.svc.Login(ctx, "maya@example.org", "wrong password here", "203.0.113.9")
	}
	if _, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "203.0.113.9"); err != nil {
		t.Fatalf("right password after 4 failures: %v", err)
	}
	for i := range 4 {
		if _, err := other.Login(ctx, "maya@example.org", "wrong password here", "203.0.113.9"); !errors.Is(err, user.ErrLoginFailed) {
			t.Errorf("failure %d after a success: %v, want ErrLoginFailed (count restarted)", i+1, err)
		}
	}
}

func TestThrottlePerIPAcrossProcesses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "maya@example.org", user.Editor)
	other := e.service(openStore(t, e.path))
	svcs := []*user.Service{e.svc, other}
	for i := range 20 {
		email := fmt.Sprintf("guess%d@example.org", i)
		if _, err := svcs[i%2].Login(ctx, email, "wrong password here", "203.0.113.7"); !errors.Is(err, user.ErrLoginFailed) {
			t.Fatalf("failure %d from one address: %v, want ErrLoginFailed", i+1, err)
		}
	}
	if _, err := other.Login(ctx, "maya@example.org", goodPassword, "203.0.113.7"); !errors.Is(err, user.ErrThrottled) {
		t.Errorf("21st attempt from the address: %v, want ErrThrottled", err)
	}
	if _, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "203.0.113.8"); err != nil {
		t.Errorf("from another address: %v, want success", err)
	}
	// IPv6 counts per /64: a machine given a /64 cannot rotate around it.
	for i := range 20 {
		ip := fmt.Sprintf("2001:db8:1:2::%x", i+1)
		svcs[i%2].Login(ctx, fmt.Sprintf("v6-%d@example.org", i), "wrong password here", ip)
	}
	if _, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "2001:db8:1:2:ffff::1"); !errors.Is(err, user.ErrThrottled) {
		t.Errorf("another address in the same /64: %v, want ErrThrottled", err)
	}
	if _, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "2001:db8:1:3::1"); err != nil {
		t.Errorf("from another /64: %v, want success", err)
	}
}

func TestSessionIdleAndLifetime(t *testing.T) {
	e := newEnv(t, func(c *user.Config) { c.IdleTimeout = 30 * time.Minute; c.Lifetime = 2 * time.Hour })
	ctx := context.Background()
	e.create(t, "maya@example.org", user.Editor)
	login := func() user.Session {
		t.Helper()
		s, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "192.0.2.1")
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		return s
	}
	idle := login()
	e.clock.Advance(29 * time.Minute)
	if _, _, err := e.svc.CheckSession(ctx, idle.Token); err != nil {
		t.Fatalf("CheckSession 29 min after sign-in: %v", err)
	}
	e.clock.Advance(29 * time.Minute) // 58 min after sign-in, 29 after last use
	if _, _, err := e.svc.CheckSession(ctx, idle.Token); err != nil {
		t.Fatalf("CheckSession 29 min after last use: %v", err)
	}
	e.clock.Advance(30 * time.Minute)
	if _, _, err := e.svc.CheckSession(ctx, idle.Token); !errors.Is(err, user.ErrNoSession) {
		t.Fatalf("CheckSession 30 min after last use: %v, want ErrNoSession", err)
	}

	busy := login()
	for elapsed := 20 * time.Minute; elapsed < 2*time.Hour; elapsed += 20 * time.Minute {
		e.clock.Advance(20 * time.Minute)
		if _, _, err := e.svc.CheckSession(ctx, busy.Token); err != nil {
			t.Fatalf("CheckSession %v after sign-in, used every 20 min: %v", elapsed, err)
		}
	}
	e.clock.Advance(20 * time.Minute)
	if _, _, err := e.svc.CheckSession(ctx, busy.Token); !errors.Is(err, user.ErrNoSession) {
		t.Errorf("CheckSession at the 2 h lifetime, though in use: %v, want ErrNoSession", err)
	}

	left := login()
	e.clock.Advance(31 * time.Minute)
	if err := e.svc.Prune(ctx); err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if _, err := e.store.SessionByID(ctx, left.ID); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("idle session after Prune: %v, want ErrNotFound", err)
	}
}

func TestLogoutEndsOnlyThatSession(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "maya@example.org", user.Editor)
	a, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "192.0.2.2")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Logout(ctx, a.Token); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if _, _, err := e.svc.CheckSession(ctx, a.Token); !errors.Is(err, user.ErrNoSession) {
		t.Errorf("CheckSession after Logout: %v, want ErrNoSession", err)
	}
	if _, _, err := e.svc.CheckSession(ctx, b.Token); err != nil {
		t.Errorf("the other session after Logout: %v, want it still signed in", err)
	}
	if err := e.svc.Logout(ctx, a.Token); err != nil {
		t.Errorf("second Logout of the same token: %v, want nil", err)
	}
}

func TestPasswordChangeEndsEverySession(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.create(t, "maya@example.org", user.Editor)
	var sessions []user.Session
	for i := range 3 {
		s, err := e.svc.Login(ctx, "maya@example.org", goodPassword, fmt.Sprintf("192.0.2.%d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s)
	}
	const next = "a brand new passphrase"
	if err := e.svc.ChangePassword(ctx, u.ID, "not my password!", next, "192.0.2.1"); !errors.Is(err, user.ErrLoginFailed) {
		t.Fatalf("ChangePassword with a wrong current password: %v, want ErrLoginFailed", err)
	}
	if _, _, err := e.svc.CheckSession(ctx, sessions[0].Token); err != nil {
		t.Fatalf("session after a refused change: %v, want still signed in", err)
	}
	e.clock.Advance(time.Second)
	if err := e.svc.ChangePassword(ctx, u.ID, goodPassword, next, "192.0.2.1"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	for i, s := range sessions {
		if _, _, err := e.svc.CheckSession(ctx, s.Token); !errors.Is(err, user.ErrNoSession) {
			t.Errorf("session %d after the password changed: %v, want ErrNoSession", i, err)
		}
	}
	if _, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "192.0.2.1"); !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("Login with the old password: %v, want ErrLoginFailed", err)
	}
	if _, err := e.svc.Login(ctx, "maya@example.org", next, "192.0.2.1"); err != nil {
		t.Errorf("Login with the new password: %v", err)
	}
}

func TestDisableEndsSessionsAndTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.create(t, "maya@example.org", user.Editor)
	s, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.svc.CreateToken(ctx, u.ID, "ci", []user.Permission{user.ArticleRead})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetDisabled(ctx, u.ID, true); err != nil {
		t.Fatalf("SetDisabled: %v", err)
	}
	if _, _, err := e.svc.CheckSession(ctx, s.Token); !errors.Is(err, user.ErrNoSession) {
		t.Errorf("session of a disabled account: %v, want ErrNoSession", err)
	}
	if _, _, err := e.svc.Authenticate(ctx, tok); !errors.Is(err, user.ErrBadToken) {
		t.Errorf("token of a disabled account: %v, want ErrBadToken", err)
	}
	if err := e.svc.SetDisabled(ctx, u.ID, false); err != nil {
		t.Fatalf("enable: %v", err)
	}
	if _, _, err := e.svc.CheckSession(ctx, s.Token); !errors.Is(err, user.ErrNoSession) {
		t.Errorf("old session once enabled again: %v, want it gone for good", err)
	}
	if _, _, err := e.svc.Authenticate(ctx, tok); err != nil {
		t.Errorf("token once enabled again: %v, want it to work", err)
	}
	if _, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "192.0.2.1"); err != nil {
		t.Errorf("Login once enabled again: %v", err)
	}
}
