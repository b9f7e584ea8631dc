package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/user"
)

func TestUserRoundTripAndPaging(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 123e6, time.UTC)
	var want []user.User
	for i, r := range user.Roles() {
		u := user.User{Email: fmt.Sprintf("Staff%d@Example.org", i), Name: "Staff", Role: r, PasswordHash: "$argon2id$x",
			TOTPSecret: "", CreatedAt: at, PasswordChangedAt: at.Add(time.Second)}
		id, err := st.CreateUser(ctx, u)
		if err != nil {
			t.Fatalf("CreateUser(%s): %v", u.Email, err)
		}
		u.ID = id
		want = append(want, u)
	}
	if _, err := st.CreateUser(ctx, user.User{Email: "staff0@example.ORG", Role: user.Viewer, CreatedAt: at}); !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("CreateUser with a taken address in another case: %v, want ErrEmailTaken", err)
	}
	got, err := st.UserByEmail(ctx, "STAFF2@example.org")
	if err != nil {
		t.Fatalf("UserByEmail: %v", err)
	}
	if diff := cmp.Diff(want[2], got); diff != "" {
		t.Errorf("UserByEmail (-want +got):\n%s", diff)
	}
	first, err := st.ListUsers(ctx, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := st.ListUsers(ctx, first[len(first)-1].ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, append(first, rest...)); diff != "" {
		t.Errorf("ListUsers in two pages (-want +got):\n%s", diff)
	}

	id := want[0].ID
	if err := st.SetUserTOTP(ctx, id, "SECRET"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserDisabled(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserRole(ctx, id, user.Author); err != nil {
		t.Fatal(err)
	}
	got, _ = st.UserByID(ctx, id)
	if got.TOTPSecret != "SECRET" || !got.Disabled || got.Role != user.Author {
		t.Errorf("after updates: %+v, want secret SECRET, disabled, author", got)
	}
	if _, err := st.UserByID(ctx, 9999); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("UserByID(9999): %v, want ErrNotFound", err)
	}
	for name, err := range map[string]error{
		"SetUserPassword": st.SetUserPassword(ctx, 9999, "h", at),
		"SetUserDisabled": st.SetUserDisabled(ctx, 9999, true),
		"SetUserTOTP":     st.SetUserTOTP(ctx, 9999, ""),
		"RevokeAPIToken":  st.RevokeAPIToken(ctx, 9999, 1, at),
	} {
		if !errors.Is(err, user.ErrNotFound) {
			t.Errorf("%s for no account: %v, want ErrNotFound", name, err)
		}
	}
}

func TestUseTOTPStepOnlyMovesForward(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	id, err := st.CreateUser(ctx, user.User{Email: "a@example.org", Role: user.Editor, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		step int64
		want bool
	}{{100, true}, {100, false}, {99, false}, {101, true}} {
		if got, err := st.UseTOTPStep(ctx, id, c.step); err != nil || got != c.want {
			t.Errorf("UseTOTPStep(%d) = %v, %v; want %v", c.step, got, err, c.want)
		}
	}
	if err := st.SetUserTOTP(ctx, id, "NEW"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.UseTOTPStep(ctx, id, 50); !got {
		t.Error("UseTOTPStep(50) after a new secret = false, want the old steps forgotten")
	}
}

func TestLoginAttemptLimits(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	start := func(key, ip string, at time.Time, maxIP int) bool {
		t.Helper()
		ok, err := st.StartLoginAttempt(ctx, user.LoginAttempt{EmailKey: key, IP: ip, At: at}, at.Add(-15*time.Minute), 3, maxIP)
		if err != nil {
			t.Fatalf("StartLoginAttempt(%s, %s): %v", key, ip, err)
		}
		return ok
	}
	for i, ip := range []string{"home", "home", "elsewhere"} {
		if !start("a@x", ip, t0.Add(time.Duration(i)*time.Minute), 10) {
			t.Fatalf("attempt %d on a@x refused, want recorded", i+1)
		}
	}
	if start("a@x", "home", t0.Add(5*time.Minute), 10) {
		t.Error("4th attempt on a@x within the window recorded, want refused at the limit of 3")
	}
	// The first attempt (t0) leaves the window 15 minutes later.
	if !start("a@x", "home", t0.Add(15*time.Minute), 10) {
		t.Fatal("attempt once the oldest left the window refused, want recorded")
	}
	if start("a@x", "home", t0.Add(15*time.Minute), 10) {
		t.Fatal("attempt back at the limit recorded, want refused")
	}
	// A success from home forgives home's attempts; elsewhere's still count.
	if err := st.ClearLoginAttempts(ctx, "a@x", "home"); err != nil {
		t.Fatal(err)
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
		t.Error("3rd attempt from one network with maxIP 2 recorded, want refused")
	}
	if !start("other@x", "net", t0.Add(20*time.Minute), 0) {
		t.Error("attempt with maxIP 0 refused, want the network not counted")
	}
}

func TestSessionsGoWithPasswordAndDisable(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a, _ := st.CreateUser(ctx, user.User{Email: "a@example.org", Role: user.Editor, PasswordHash: "h"})
	b, _ := st.CreateUser(ctx, user.User{Email: "b@example.org", Role: user.Editor, PasswordHash: "h"})
	for i, uid := range []int64{a, a, b} {
		s := user.Session{ID: fmt.Sprintf("s%d", i), UserID: uid, CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour), IP: "ip", UserAgent: "ua"}
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.SessionByID(ctx, "s2")
	want := user.Session{ID: "s2", UserID: b, CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour), IP: "ip", UserAgent: "ua"}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("SessionByID: %v (-want +got):\n%s", err, diff)
	}
	if err := st.SetUserPassword(ctx, a, "h2", at); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]error{"s0": user.ErrNotFound, "s1": user.ErrNotFound, "s2": nil} {
		if _, err := st.SessionByID(ctx, id); !errors.Is(err, want) {
			t.Errorf("session %s after a's password changed: %v, want %v", id, err, want)
		}
	}
	if err := st.SetUserDisabled(ctx, b, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SessionByID(ctx, "s2"); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("session of a disabled account: %v, want ErrNotFound", err)
	}
	s := user.Session{ID: "old", UserID: a, CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour)}
	st.CreateSession(ctx, s)
	s.ID, s.LastSeenAt = "fresh", at.Add(50*time.Minute)
	st.CreateSession(ctx, s)
	n, err := st.DeleteExpiredSessions(ctx, at.Add(55*time.Minute), at.Add(25*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 1 (the idle one)", n, err)
	}
}
