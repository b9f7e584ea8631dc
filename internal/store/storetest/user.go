package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/user"
)

func createUser(t *testing.T, st Store, u user.User) user.User {
	t.Helper()
	id, err := st.CreateUser(context.Background(), u)
	if err != nil {
		t.Fatalf("CreateUser(%s) = %v", u.Email, err)
	}
	u.ID = id
	return u
}

func testUsers(t *testing.T, st Store) {
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Millisecond)
	var want []user.User
	for i, r := range user.Roles() {
		want = append(want, createUser(t, st, user.User{Email: fmt.Sprintf("Staff%d@Example.org", i), Name: "Staff", Role: r,
			PasswordHash: "$argon2id$x", CreatedAt: at, PasswordChangedAt: at.Add(time.Second)}))
	}
	if _, err := st.CreateUser(ctx, user.User{Email: "staff0@example.ORG", Role: user.Viewer, CreatedAt: at}); !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("CreateUser(an address taken in another case) error = %v, want user.ErrEmailTaken", err)
	}
	got, err := st.UserByEmail(ctx, "STAFF2@example.org")
	if diff := cmp.Diff(want[2], got); err != nil || diff != "" {
		t.Errorf("UserByEmail(STAFF2@example.org) = %v (-want +got):\n%s", err, diff)
	}
	first, err := st.ListUsers(ctx, 0, 3)
	if err != nil || len(first) != 3 {
		t.Fatalf("ListUsers(0, 3) = %d users, %v", len(first), err)
	}
	rest, err := st.ListUsers(ctx, first[2].ID, 3)
	if err != nil {
		t.Fatalf("ListUsers(%d, 3) = %v", first[2].ID, err)
	}
	if diff := cmp.Diff(want, append(first, rest...)); diff != "" {
		t.Errorf("ListUsers in two pages (-want +got):\n%s", diff)
	}
	id := want[0].ID
	for name, err := range map[string]error{
		"SetUserTOTP":     st.SetUserTOTP(ctx, id, "SECRET"),
		"SetUserDisabled": st.SetUserDisabled(ctx, id, true),
		"SetUserRole":     st.SetUserRole(ctx, id, user.Author),
		"SetUserPassword": st.SetUserPassword(ctx, id, "$argon2id$y", at.Add(time.Hour)),
	} {
		if err != nil {
			t.Errorf("%s(%d) = %v", name, id, err)
		}
	}
	got, err = st.UserByID(ctx, id)
	if err != nil || got.TOTPSecret != "SECRET" || !got.Disabled || got.Role != user.Author || got.PasswordHash != "$argon2id$y" || !got.PasswordChangedAt.Equal(at.Add(time.Hour)) {
		t.Errorf("UserByID(%d) after changes = %+v, %v; want secret, disabled, author, new password at %v", id, got, err, at.Add(time.Hour))
	}
	if err := st.SetUserDisabled(ctx, id, false); err != nil {
		t.Errorf("SetUserDisabled(%d, false) = %v", id, err)
	}
	if got, _ := st.UserByID(ctx, id); got.Disabled {
		t.Errorf("UserByID(%d) after enabling is still disabled", id)
	}
	for name, err := range map[string]error{
		"UserByID":        func() error { _, err := st.UserByID(ctx, 1<<40); return err }(),
		"UserByEmail":     func() error { _, err := st.UserByEmail(ctx, "nobody@example.org"); return err }(),
		"SetUserPassword": st.SetUserPassword(ctx, 1<<40, "h", at),
		"SetUserRole":     st.SetUserRole(ctx, 1<<40, user.Viewer),
		"SetUserDisabled": st.SetUserDisabled(ctx, 1<<40, true),
		"SetUserTOTP":     st.SetUserTOTP(ctx, 1<<40, ""),
	} {
		if !errors.Is(err, user.ErrNotFound) {
			t.Errorf("%s(no account) error = %v, want user.ErrNotFound", name, err)
		}
	}
}

// testTOTPStepOnce has several processes check the same code at once: one
// of them accepts it.
func testTOTPStepOnce(t *testing.T, st Store) {
	ctx := context.Background()
	u := createUser(t, st, user.User{Email: "a@example.org", Role: user.Editor, PasswordHash: "h"})
	for _, c := range []struct {
		step int64
		want bool
	}{{100, true}, {100, false}, {99, false}, {101, true}} {
		if got, err := st.UseTOTPStep(ctx, u.ID, c.step); err != nil || got != c.want {
			t.Errorf("UseTOTPStep(%d) = %v, %v; want %v", c.step, got, err, c.want)
		}
	}
	const racers = 8
	var accepted atomic.Int32
	race(t, st, racers, func(int) {
		ok, err := st.UseTOTPStep(ctx, u.ID, 200)
		if err != nil {
			t.Errorf("UseTOTPStep(200) = %v", err)
		}
		if ok {
			accepted.Add(1)
		}
	})
	if n := accepted.Load(); n != 1 {
		t.Errorf("%d processes checking one code: %d accepted it, want 1", racers, n)
	}
	if err := st.SetUserTOTP(ctx, u.ID, "NEW"); err != nil {
		t.Fatalf("SetUserTOTP(%d) = %v", u.ID, err)
	}
	if ok, err := st.UseTOTPStep(ctx, u.ID, 50); err != nil || !ok {
		t.Errorf("UseTOTPStep(50) after a new secret = %v, %v; want the old steps forgotten", ok, err)
	}
}

func testLoginAttempts(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	start := func(key, ip string, at time.Time, maxIP int) bool {
		t.Helper()
		ok, err := st.StartLoginAttempt(ctx, user.LoginAttempt{EmailKey: key, IP: ip, At: at}, at.Add(-15*time.Minute), 3, maxIP)
		if err != nil {
			t.Fatalf("StartLoginAttempt(%s, %s) = %v", key, ip, err)
		}
		return ok
	}
	for i, ip := range []string{"home", "home", "elsewhere"} {
		if !start("a@x", ip, t0.Add(time.Duration(i)*time.Minute), 10) {
			t.Fatalf("attempt %d on a@x refused, want recorded", i+1)
		}
	}
	if start("a@x", "home", t0.Add(5*time.Minute), 10) {
		t.Errorf("4th attempt on a@x within the window recorded, want refused at the limit of 3")
	}
	if !start("a@x", "home", t0.Add(15*time.Minute), 10) {
		t.Fatalf("attempt once the oldest left the window refused, want recorded")
	}
	if err := st.ClearLoginAttempts(ctx, "a@x", "home"); err != nil {
		t.Fatalf("ClearLoginAttempts(a@x, home) = %v", err)
	}
	for i, want := range []bool{true, true, false} {
		if got := start("a@x", "home", t0.Add(16*time.Minute), 10); got != want {
			t.Errorf("attempt %d after clearing home: recorded %v, want %v (elsewhere's failure still counts)", i+1, got, want)
		}
	}
	for i := range 2 {
		start(fmt.Sprintf("k%d@x", i), "net", t0.Add(20*time.Minute), 2)
	}
	if start("other@x", "net", t0.Add(20*time.Minute), 2) {
		t.Errorf("3rd attempt from one network with maxIP 2 recorded, want refused")
	}
	if !start("other@x", "net", t0.Add(20*time.Minute), 0) {
		t.Errorf("attempt with maxIP 0 refused, want the network not counted")
	}

	// Processes counting at once let no more through than the limit.
	const racers = 8
	var let atomic.Int32
	at := t0.Add(time.Hour)
	race(t, st, racers, func(i int) {
		a := user.LoginAttempt{EmailKey: "race@x", IP: fmt.Sprintf("ip%d", i), At: at}
		ok, err := st.StartLoginAttempt(ctx, a, at.Add(-15*time.Minute), 3, 0)
		if err != nil {
			t.Errorf("StartLoginAttempt(%+v) = %v", a, err)
		}
		if ok {
			let.Add(1)
		}
	})
	if n := let.Load(); n != 3 {
		t.Errorf("%d attempts at once on one address with a limit of 3: %d let through", racers, n)
	}
}

func testSessionsAndTokens(t *testing.T, st Store) {
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Millisecond)
	a := createUser(t, st, user.User{Email: "a@example.org", Role: user.Editor, PasswordHash: "h"})
	b := createUser(t, st, user.User{Email: "b@example.org", Role: user.Editor, PasswordHash: "h"})
	for i, uid := range []int64{a.ID, a.ID, b.ID} {
		s := user.Session{ID: fmt.Sprintf("s%d", i), UserID: uid, CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour), IP: "ip", UserAgent: "ua"}
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatalf("CreateSession(%s) = %v", s.ID, err)
		}
	}
	if err := st.TouchSession(ctx, "s2", at.Add(time.Minute)); err != nil {
		t.Fatalf("TouchSession(s2) = %v", err)
	}
	got, err := st.SessionByID(ctx, "s2")
	want := user.Session{ID: "s2", UserID: b.ID, CreatedAt: at, LastSeenAt: at.Add(time.Minute), ExpiresAt: at.Add(time.Hour), IP: "ip", UserAgent: "ua"}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("SessionByID(s2) = %v (-want +got):\n%s", err, diff)
	}
	if err := st.SetUserPassword(ctx, a.ID, "h2", at); err != nil {
		t.Fatalf("SetUserPassword(%d) = %v", a.ID, err)
	}
	for id, want := range map[string]error{"s0": user.ErrNotFound, "s1": user.ErrNotFound, "s2": nil} {
		if _, err := st.SessionByID(ctx, id); !errors.Is(err, want) {
			t.Errorf("SessionByID(%s) after a's password changed: %v, want %v", id, err, want)
		}
	}
	if err := st.SetUserDisabled(ctx, b.ID, true); err != nil {
		t.Fatalf("SetUserDisabled(%d) = %v", b.ID, err)
	}
	if _, err := st.SessionByID(ctx, "s2"); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("SessionByID(s2) of a disabled account: %v, want user.ErrNotFound", err)
	}
	for _, s := range []user.Session{
		{ID: "idle", UserID: a.ID, CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour)},
		{ID: "fresh", UserID: a.ID, CreatedAt: at, LastSeenAt: at.Add(50 * time.Minute), ExpiresAt: at.Add(time.Hour)},
		{ID: "old", UserID: a.ID, CreatedAt: at, LastSeenAt: at.Add(50 * time.Minute), ExpiresAt: at.Add(30 * time.Minute)},
	} {
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatalf("CreateSession(%s) = %v", s.ID, err)
		}
	}
	if n, err := st.DeleteExpiredSessions(ctx, at.Add(55*time.Minute), at.Add(25*time.Minute)); err != nil || n != 2 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 2 (the idle and the expired)", n, err)
	}
	if err := st.DeleteSession(ctx, "fresh"); err != nil {
		t.Errorf("DeleteSession(fresh) = %v", err)
	}
	if _, err := st.SessionByID(ctx, "fresh"); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("SessionByID(fresh) after DeleteSession: %v, want user.ErrNotFound", err)
	}

	tok := user.Token{UserID: a.ID, Name: "CI", Scopes: []user.Permission{user.ArticleRead, user.StatsRead}, CreatedAt: at}
	id, err := st.CreateAPIToken(ctx, tok, "hash1")
	if err != nil {
		t.Fatalf("CreateAPIToken(CI) = %v", err)
	}
	tok.ID = id
	if err := st.TouchAPIToken(ctx, id, at.Add(time.Minute)); err != nil {
		t.Fatalf("TouchAPIToken(%d) = %v", id, err)
	}
	tok.LastUsedAt = at.Add(time.Minute)
	if got, err := st.APITokenByHash(ctx, "hash1"); err != nil || !cmp.Equal(tok, got) {
		t.Errorf("APITokenByHash(hash1) = %+v, %v; want %+v", got, err, tok)
	}
	if _, err := st.APITokenByHash(ctx, "nope"); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("APITokenByHash(nope) error = %v, want user.ErrNotFound", err)
	}
	second, err := st.CreateAPIToken(ctx, user.Token{UserID: a.ID, Name: "Other", CreatedAt: at}, "hash2")
	if err != nil {
		t.Fatalf("CreateAPIToken(Other) = %v", err)
	}
	if err := st.RevokeAPIToken(ctx, b.ID, id, at); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("RevokeAPIToken(another user's token) error = %v, want user.ErrNotFound", err)
	}
	if err := st.RevokeAPIToken(ctx, a.ID, id, at.Add(time.Hour)); err != nil {
		t.Errorf("RevokeAPIToken(%d) = %v", id, err)
	}
	if err := st.RevokeAPIToken(ctx, a.ID, id, at.Add(time.Hour)); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("RevokeAPIToken(%d) twice: %v, want user.ErrNotFound", id, err)
	}
	tok.RevokedAt = at.Add(time.Hour)
	list, err := st.ListAPITokens(ctx, a.ID)
	wantList := []user.Token{tok, {ID: second, UserID: a.ID, Name: "Other", CreatedAt: at}}
	if diff := cmp.Diff(wantList, list); err != nil || diff != "" {
		t.Errorf("ListAPITokens(%d) = %v (-want +got):\n%s", a.ID, err, diff)
	}
}
