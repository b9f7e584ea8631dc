package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/article"
	"herald/internal/store/pgtest"
	"herald/internal/store/postgres"
	"herald/internal/store/sqlite"
)

// runCLI runs one command of the real program and returns what it printed.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, env(nil), strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func mustRunCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := runCLI(t, stdin, args...)
	if err != nil {
		t.Fatalf("herald %v: %v\n%s", args, err, errOut)
	}
	return out
}

func TestMigrateData(t *testing.T) {
	u := pgtest.Database(t)
	ctx := context.Background()
	data := t.TempDir()
	demo, err := filepath.Glob(filepath.Join("demo", "*.md"))
	if err != nil || len(demo) == 0 {
		t.Fatalf("demo articles: %v, %v", demo, err)
	}
	mustRunCLI(t, "", append([]string{"article", "publish", "--data", data}, demo...)...)
	mustRunCLI(t, "", "newsletter", "create", "morning", "--name", "Morning briefing", "--digest", "daily", "--data", data)
	csv := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(csv, []byte("email,name,tags\nann@example.com,Ann,local\nbo@example.com,Bo,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRunCLI(t, "", "subscriber", "import", csv, "--confirmed", "--data", data)
	mustRunCLI(t, "a long enough passphrase\n", "user", "add", "maya@example.org", "--role", "owner", "--password-stdin", "--data", data)
	mustRunCLI(t, "", "campaign", "create", "--newsletter", "news", "--subject", "The week", "--article", "harbour-bridge-reopens", "--data", data)

	from := "sqlite:" + filepath.Join(data, "herald.db")
	out, errOut, err := runCLI(t, "", "migrate-data", "--from", from, "--to", u)
	if err != nil {
		t.Fatalf("herald migrate-data = %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "row counts and SHA-256 checksums match the source") {
		t.Errorf("migrate-data printed %q; want the verified summary", out)
	}
	for _, table := range []string{"article ", "subscriber ", "campaign_article ", "user_account "} {
		if !strings.Contains(errOut, "  "+table) || !strings.Contains(errOut, "rows/s") {
			t.Errorf("migrate-data progress %q has no line for %s with a rate", errOut, table)
		}
	}
	if pu, _ := url.Parse(u); pu != nil {
		if pw, ok := pu.User.Password(); ok && strings.Contains(errOut+out, ":"+pw+"@") {
			t.Errorf("migrate-data printed the database password: %q", errOut+out)
		}
	}

	src, err := sqlite.Open(ctx, filepath.Join(data, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	now := time.Now()
	q := article.Query{AllStates: true, Limit: 100}
	wantList, err1 := src.ListArticles(ctx, q, now)
	gotList, err2 := dst.ListArticles(ctx, q, now)
	if diff := cmp.Diff(wantList, gotList); err1 != nil || err2 != nil || diff != "" || len(gotList) != len(demo) {
		t.Errorf("ListArticles after migrate-data: SQLite %v, PostgreSQL %v (-sqlite +postgres):\n%s", err1, err2, diff)
	}
	wantA, err1 := src.ArticleBySlug(ctx, "night-markets-return")
	gotA, err2 := dst.ArticleBySlug(ctx, "night-markets-return")
	if diff := cmp.Diff(wantA, gotA); err1 != nil || err2 != nil || diff != "" {
		t.Errorf("ArticleBySlug(night-markets-return) after migrate-data: SQLite %v, PostgreSQL %v (-sqlite +postgres):\n%s", err1, err2, diff)
	}
	a, err := dst.ArticleBySlug(ctx, "night-markets-return")
	if err != nil || len(a.Translations) != 1 || a.Translations[0].Slug != "marches-de-nuit" {
		t.Errorf("ArticleBySlug(night-markets-return) on PostgreSQL = %+v, %v; want its French translation linked", a.Translations, err)
	}
	wantSubs, _ := src.ListSubscribers(ctx, 0, 100)
	gotSubs, err := dst.ListSubscribers(ctx, 0, 100)
	if diff := cmp.Diff(wantSubs, gotSubs); err != nil || diff != "" || len(gotSubs) != 2 {
		t.Errorf("ListSubscribers after migrate-data: %v (-sqlite +postgres):\n%s", err, diff)
	}
	wantNL, _ := src.Newsletters(ctx)
	gotNL, err := dst.Newsletters(ctx)
	if diff := cmp.Diff(wantNL, gotNL); err != nil || diff != "" || len(gotNL) != 2 {
		t.Errorf("Newsletters after migrate-data: %v (-sqlite +postgres):\n%s", err, diff)
	}
	wantC, _ := src.Campaign(ctx, 1)
	gotC, err := dst.Campaign(ctx, 1)
	if diff := cmp.Diff(wantC, gotC); err != nil || diff != "" {
		t.Errorf("Campaign(1) after migrate-data: %v (-sqlite +postgres):\n%s", err, diff)
	}
	wantU, _ := src.ListUsers(ctx, 0, 10)
	gotU, err := dst.ListUsers(ctx, 0, 10)
	if diff := cmp.Diff(wantU, gotU); err != nil || diff != "" || len(gotU) != 1 {
		t.Errorf("ListUsers after migrate-data: %v (-sqlite +postgres):\n%s", err, diff)
	}

	// A second copy into the same database is refused and changes nothing.
	_, errOut, err = runCLI(t, "", "migrate-data", "--from", from, "--to", u)
	if err == nil || !strings.Contains(err.Error(), "nothing was committed") || !strings.Contains(err.Error(), "not empty") ||
		!strings.Contains(err.Error(), "dropdb ") || !strings.Contains(err.Error(), "createdb ") {
		t.Errorf("second migrate-data into the same database = %v; want a refusal saying it is not empty, nothing was committed "+
			"and how to make the database again", err)
	}
	if list, err := dst.ListArticles(ctx, article.Query{AllStates: true, Limit: 100}, now); err != nil || len(list) != len(demo) {
		t.Errorf("after the refused copy, ListArticles on PostgreSQL = %d articles, %v; want %d", len(list), err, len(demo))
	}
}

func TestMigrateDataUsage(t *testing.T) {
	for _, args := range [][]string{
		{"migrate-data", "--from", "sqlite:x.db"},
		{"migrate-data", "--from", "sqlite:x.db", "--to", "mysql://db/herald"},
		{"migrate-data", "--from", "postgres://db/a", "--to", "postgres://db/b"},
		{"migrate-data", "--from", "sqlite:", "--to", "postgres://db/b"},
		{"migrate-data", "--to", "postgres://db/b", "extra"},
		{"migrate-data", "--bogus"},
	} {
		_, _, err := runCLI(t, "", args...)
		var u *usageError
		if !errors.As(err, &u) {
			t.Errorf("herald %v = %v; want a usage error", args, err)
		}
	}
}

// TestRecreateNamesTheDatabase: the way back to an empty target is given
// as commands for the database named, never with its password.
func TestRecreateNamesTheDatabase(t *testing.T) {
	for _, tc := range []struct{ target, want string }{
		{"postgres://herald:s3cret@db.internal/news?sslmode=disable", "dropdb news && createdb -O herald news"},
		{"postgres://db.internal/news", "dropdb news && createdb news"},
		{"postgres://herald:s3cret@db.internal", "drop the target database and create it again"},
	} {
		got := recreate(tc.target)
		if !strings.Contains(got, tc.want) || strings.Contains(got, "s3cret") {
			t.Errorf("recreate(%s) = %q; want it to say %q and no password", tc.target, got, tc.want)
		}
	}
}
