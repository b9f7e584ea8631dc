package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"herald/internal/store/sqlite"
	"herald/internal/user"
)

// userCLI runs one command against the data folder with stdin as given.
func userCLI(t *testing.T, data string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append(args, "--data", data), env(nil), strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func mustUserCLI(t *testing.T, data string, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := userCLI(t, data, stdin, args...)
	if err != nil {
		t.Fatalf("herald %v: %v\n%s", args, err, errOut)
	}
	return out
}

// staffService opens the data folder's database as the server would, to check
// what the commands did through the account rules themselves.
func staffService(t *testing.T, data string) *user.Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return user.NewService(user.Config{Store: st})
}

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	const pw = "sea wall at high tide"
	if out := mustUserCLI(t, data, pw+"\n", "user", "add", "--role", "owner", "Maya@example.org", "--name", "Maya Lindqvist", "--password-stdin"); out != "added owner Maya@example.org\n" {
		t.Errorf("user add printed %q", out)
	}
	mustUserCLI(t, data, "another long passphrase\r\n", "user", "add", "ana@example.org", "--role=author", "--password-stdin")
	if _, _, err := userCLI(t, data, pw, "user", "add", "maya@EXAMPLE.org", "--role", "viewer", "--password-stdin"); !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("user add of a taken address: %v, want ErrEmailTaken", err)
	}

	svc := staffService(t, data)
	s, err := svc.Login(ctx, "maya@example.org", pw, "192.0.2.1")
	if err != nil {
		t.Fatalf("Login with the password piped to user add: %v", err)
	}
	if _, err := svc.Login(ctx, "ana@example.org", "another long passphrase", "192.0.2.1"); err != nil {
		t.Errorf("Login with a password piped with CRLF: %v", err)
	}

	out := mustUserCLI(t, data, "", "user", "list", "--json")
	type row struct {
		Email    string    `json:"email"`
		Name     string    `json:"name"`
		Role     user.Role `json:"role"`
		TOTP     bool      `json:"totp"`
		Disabled bool      `json:"disabled"`
	}
	var rows []row
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r row
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("user list --json printed %q: %v", line, err)
		}
		rows = append(rows, r)
	}
	want := []row{{Email: "Maya@example.org", Name: "Maya Lindqvist", Role: user.Owner}, {Email: "ana@example.org", Role: user.Author}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("user list --json (-want +got):\n%s", diff)
	}

	tok, errOut, err := userCLI(t, data, "", "user", "token", "ana@example.org", "--name", "drafts bot")
	if err != nil {
		t.Fatalf("user token: %v\n%s", err, errOut)
	}
	u, got, err := svc.Authenticate(ctx, strings.TrimSpace(tok))
	if err != nil || u.Email != "ana@example.org" {
		t.Fatalf("Authenticate(printed token %q) = %s, %v", tok, u.Email, err)
	}
	if diff := cmp.Diff(user.Author.Permissions(), got.Scopes); diff != "" || !strings.Contains(errOut, "shown only this once") {
		t.Errorf("token without --scope: scopes (-want +got):\n%s\nstderr %q", diff, errOut)
	}
	tok = mustUserCLI(t, data, "", "user", "token", "maya@example.org", "--name", "stats", "--scope", "stats:read,campaign:read", "--scope", "article:read")
	if _, got, err := svc.Authenticate(ctx, strings.TrimSpace(tok)); err != nil ||
		!cmp.Equal(got.Scopes, []user.Permission{user.StatsRead, user.CampaignRead, user.ArticleRead}) {
		t.Errorf("token with --scope: %v, scopes %v", err, got.Scopes)
	}
	if _, _, err := userCLI(t, data, "", "user", "token", "ana@example.org", "--name", "x", "--scope", "article:publish"); !errors.Is(err, user.ErrInvalid) {
		t.Errorf("user token for an author with article:publish: %v, want ErrInvalid", err)
	}

	// One leaked token is stopped without touching the account or its
	// other tokens.
	var listed []struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		RevokedAt string `json:"revoked_at"`
	}
	for _, line := range strings.Split(strings.TrimSpace(mustUserCLI(t, data, "", "user", "tokens", "maya@example.org", "--json")), "\n") {
		var r struct {
			ID        int64  `json:"id"`
			Name      string `json:"name"`
			RevokedAt string `json:"revoked_at"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("user tokens --json printed %q: %v", line, err)
		}
		listed = append(listed, r)
	}
	if len(listed) != 1 || listed[0].Name != "stats" || listed[0].RevokedAt != "" {
		t.Fatalf("user tokens of maya = %+v; want the stats token in force", listed)
	}
	second := mustUserCLI(t, data, "", "user", "token", "maya@example.org", "--name", "backup")
	if out := mustUserCLI(t, data, "", "user", "revoke", "maya@example.org", "--token", fmt.Sprint(listed[0].ID)); !strings.Contains(out, "revoked") {
		t.Errorf("user revoke printed %q", out)
	}
	if _, _, err := svc.Authenticate(ctx, strings.TrimSpace(tok)); !errors.Is(err, user.ErrBadToken) {
		t.Errorf("Authenticate(revoked token) = %v, want ErrBadToken", err)
	}
	if _, _, err := svc.Authenticate(ctx, strings.TrimSpace(second)); err != nil {
		t.Errorf("Authenticate(the account's other token) = %v after revoking one", err)
	}
	if _, _, err := userCLI(t, data, "", "user", "revoke", "maya@example.org", "--token", fmt.Sprint(listed[0].ID)); err == nil ||
		!strings.Contains(err.Error(), "no API token") {
		t.Errorf("revoking it again: %v; want no API token in force", err)
	}
	if out := mustUserCLI(t, data, "", "user", "tokens", "maya@example.org"); !strings.Contains(out, "revoked") || !strings.Contains(out, "in force") {
		t.Errorf("user tokens after revoking one:\n%s", out)
	}

	const next = "a new tide is coming in"
	if out := mustUserCLI(t, data, next+"\n", "user", "password", "maya@example.org", "--password-stdin"); !strings.Contains(out, "signed out") {
		t.Errorf("user password printed %q", out)
	}
	if _, _, err := svc.CheckSession(ctx, s.Token); !errors.Is(err, user.ErrNoSession) {
		t.Errorf("session from before user password: %v, want ErrNoSession", err)
	}
	if _, err := svc.Login(ctx, "maya@example.org", next, "192.0.2.1"); err != nil {
		t.Errorf("Login with the new password: %v", err)
	}

	mustUserCLI(t, data, "", "user", "disable", "ana@example.org")
	if _, err := svc.Login(ctx, "ana@example.org", "another long passphrase", "192.0.2.1"); !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("Login of a disabled account: %v, want ErrLoginFailed", err)
	}
	if out := mustUserCLI(t, data, "", "user", "list"); !strings.Contains(out, "disabled") || !strings.Contains(out, "EMAIL") {
		t.Errorf("user list after disable printed:\n%s", out)
	}
	mustUserCLI(t, data, "", "user", "enable", "ana@example.org")
	if _, err := svc.Login(ctx, "ana@example.org", "another long passphrase", "192.0.2.1"); err != nil {
		t.Errorf("Login once enabled again: %v", err)
	}
}

func TestUserCommandRefusals(t *testing.T) {
	data := t.TempDir()
	notTerminal, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer notTerminal.Close()
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"user", "add", "a@example.org", "--role", "editor", "--data", data}, env(nil), notTerminal, &out, &errOut)
	var u *usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "--password-stdin") {
		t.Errorf("user add without a terminal or --password-stdin: %v, want a usage error naming --password-stdin", err)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no role", "long enough password", []string{"user", "add", "a@example.org", "--password-stdin"}, "--role"},
		{"unknown role", "long enough password", []string{"user", "add", "a@example.org", "--role", "admin", "--password-stdin"}, "--role"},
		{"no address", "", []string{"user", "add", "--role", "editor", "--password-stdin"}, "one email address"},
		{"short password", "short\n", []string{"user", "add", "a@example.org", "--role", "editor", "--password-stdin"}, "at least 12"},
		{"long password", strings.Repeat("x", 1025), []string{"user", "add", "a@example.org", "--role", "editor", "--password-stdin"}, "at most 1024"},
		{"unknown subcommand", "", []string{"user", "delete", "a@example.org"}, "unknown user subcommand"},
		{"unknown account", "long enough password", []string{"user", "password", "nobody@example.org", "--password-stdin"}, "no staff account"},
		{"token for no account", "", []string{"user", "token", "nobody@example.org"}, "no staff account"},
		{"unknown scope", "", []string{"user", "token", "a@example.org", "--name", "x", "--scope", "everything"}, "not a permission"},
	}
	for _, c := range cases {
		_, _, err := userCLI(t, data, c.stdin, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: herald %v = %v, want an error mentioning %q", c.name, c.args, err, c.want)
		}
	}
	if out := mustUserCLI(t, data, "", "user", "list", "--json"); out != "" {
		t.Errorf("after refused commands, user list --json printed %q, want no accounts", out)
	}
}
