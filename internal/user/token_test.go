package user_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/user"
)

func TestAPITokenLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author := e.create(t, "ana@example.org", user.Author)
	plain, tok, err := e.svc.CreateToken(ctx, author.ID, " laptop script ", []user.Permission{user.ArticleWriteOwn, user.ArticleRead, user.ArticleWriteOwn})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if !strings.HasPrefix(plain, "hrld_") || len(plain) != len("hrld_")+43 {
		t.Errorf("plaintext %q: want hrld_ and 43 characters", plain)
	}
	want := user.Token{ID: tok.ID, UserID: author.ID, Name: "laptop script",
		Scopes: []user.Permission{user.ArticleWriteOwn, user.ArticleRead}, CreatedAt: e.clock.Now()}
	if diff := cmp.Diff(want, tok); diff != "" {
		t.Errorf("CreateToken returned (-want +got):\n%s", diff)
	}
	var stored string
	if err := rawDB(t, e.path).QueryRow(`SELECT hash FROM api_token WHERE id = ?`, tok.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(plain)); stored != hex.EncodeToString(sum[:]) {
		t.Errorf("stored hash %q: want the hex SHA-256 of the plaintext", stored)
	}

	e.clock.Advance(time.Hour)
	u, got, err := e.svc.Authenticate(ctx, plain)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if u.ID != author.ID || got.ID != tok.ID || !got.LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("Authenticate = user %d, token %+v; want user %d, token %d used now", u.ID, got, author.ID, tok.ID)
	}
	if !got.Can(u.Role, user.ArticleWriteOwn) || got.Can(u.Role, user.ArticlePublish) {
		t.Errorf("token Can(write-own) = %v, Can(publish) = %v; want true, false",
			got.Can(u.Role, user.ArticleWriteOwn), got.Can(u.Role, user.ArticlePublish))
	}
	list, err := e.svc.Tokens(ctx, author.ID)
	if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("Tokens = %+v, %v; want the one token, last used now", list, err)
	}

	for _, bad := range []string{"", "hrld_", plain[:len(plain)-1], "hrld_" + strings.Repeat("A", 43), strings.TrimPrefix(plain, "hrld_"), "Bearer " + plain} {
		if _, _, err := e.svc.Authenticate(ctx, bad); !errors.Is(err, user.ErrBadToken) {
			t.Errorf("Authenticate(%q) error = %v, want ErrBadToken", bad, err)
		}
	}

	other := e.create(t, "eve@example.org", user.Editor)
	if err := e.svc.RevokeToken(ctx, other.ID, tok.ID); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("RevokeToken by another account: %v, want ErrNotFound", err)
	}
	if err := e.svc.RevokeToken(ctx, author.ID, tok.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if _, _, err := e.svc.Authenticate(ctx, plain); !errors.Is(err, user.ErrBadToken) {
		t.Errorf("Authenticate after revoking: %v, want ErrBadToken", err)
	}
	if err := e.svc.RevokeToken(ctx, author.ID, tok.ID); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("RevokeToken twice: %v, want ErrNotFound", err)
	}
}

func TestAPITokenScopes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author := e.create(t, "ana@example.org", user.Author)
	for _, scopes := range [][]user.Permission{nil, {user.ArticlePublish}, {user.SubscriberRead}, {"article:everything"}} {
		if _, _, err := e.svc.CreateToken(ctx, author.ID, "t", scopes); !errors.Is(err, user.ErrInvalid) {
			t.Errorf("CreateToken(author, %v): %v, want ErrInvalid", scopes, err)
		}
	}
	if _, _, err := e.svc.CreateToken(ctx, author.ID, "", []user.Permission{user.ArticleRead}); !errors.Is(err, user.ErrInvalid) {
		t.Errorf("CreateToken without a name: %v, want ErrInvalid", err)
	}
	if _, _, err := e.svc.CreateToken(ctx, 9999, "t", []user.Permission{user.ArticleRead}); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("CreateToken for no account: %v, want ErrNotFound", err)
	}

	editor := e.create(t, "ed@example.org", user.Editor)
	plain, _, err := e.svc.CreateToken(ctx, editor.ID, "publisher", []user.Permission{user.ArticlePublish})
	if err != nil {
		t.Fatal(err)
	}
	u, tok, err := e.svc.Authenticate(ctx, plain)
	if err != nil || !tok.Can(u.Role, user.ArticlePublish) {
		t.Fatalf("editor's token: %v, Can(publish) = %v; want true", err, tok.Can(u.Role, user.ArticlePublish))
	}
	if err := e.svc.SetRole(ctx, editor.ID, user.Author); err != nil {
		t.Fatal(err)
	}
	u, tok, err = e.svc.Authenticate(ctx, plain)
	if err != nil || tok.Can(u.Role, user.ArticlePublish) {
		t.Errorf("token of an editor made author: %v, Can(publish) = %v; want false", err, tok.Can(u.Role, user.ArticlePublish))
	}
}

func TestCSRF(t *testing.T) {
	if _, err := user.NewCSRF([]byte("short")); err == nil {
		t.Error("NewCSRF(5-byte secret) = nil error, want a refusal")
	}
	secret := []byte(strings.Repeat("s", 32))
	c, err := user.NewCSRF(secret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := user.NewCSRF([]byte(strings.Repeat("t", 32)))
	tok := c.Token("session-a")
	if tok == c.Token("session-b") {
		t.Error("two sessions got the same CSRF token")
	}
	again, _ := user.NewCSRF(secret)
	cases := []struct {
		name    string
		check   *user.CSRF
		session string
		token   string
		want    bool
	}{
		{"its own session", c, "session-a", tok, true},
		{"another process with the same secret", again, "session-a", tok, true},
		{"another session", c, "session-b", tok, false},
		{"another secret", other, "session-a", tok, false},
		{"one character changed", c, "session-a", tok[:10] + string('A'+(tok[10]-'A'+1)%26) + tok[11:], false},
		{"truncated", c, "session-a", tok[:len(tok)-2], false},
		{"empty token", c, "session-a", "", false},
		{"no session", c, "", c.Token(""), false},
	}
	for _, tt := range cases {
		if got := tt.check.Check(tt.session, tt.token); got != tt.want {
			t.Errorf("Check(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
