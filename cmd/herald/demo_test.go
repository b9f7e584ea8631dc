package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"herald/internal/store/pgtest"
)

// articles counts the articles `herald article list` shows.
func articles(t *testing.T, args ...string) int {
	t.Helper()
	var out, errOut strings.Builder
	if err := run(context.Background(), append([]string{"article", "list", "--json"}, args...), env(nil), strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("herald article list %v: %v\n%s", args, err, errOut.String())
	}
	return strings.Count(out.String(), "\n")
}

// TestDemoArticles: a new SQLite site gets the examples, unless told not
// to; a start refused for its settings publishes nothing, and neither does
// a PostgreSQL database, which is meant for production.
func TestDemoArticles(t *testing.T) {
	if n := articles(t, "--data", startHerald(t).data); n == 0 {
		t.Error("a first start published no example articles")
	}
	declined := startHerald(t, "--no-demo")
	declined.stop()
	if n := articles(t, "--data", declined.data); n != 0 {
		t.Errorf("a first start with --no-demo published %d articles", n)
	}
	// --no-demo holds for the database, not for one start.
	startHerald(t, "--data", declined.data).stop()
	if n := articles(t, "--data", declined.data); n != 0 {
		t.Errorf("a start without --no-demo after one with it published %d articles", n)
	}
	// A database that holds subscribers is not new, even without articles.
	imported := t.TempDir()
	list := imported + "/list.csv"
	if err := os.WriteFile(list, []byte("email\nana@example.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"subscriber", "import", list, "--data", imported}, env(nil), strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	startHerald(t, "--data", imported).stop()
	if n := articles(t, "--data", imported); n != 0 {
		t.Errorf("a first start on a database with imported subscribers published %d articles", n)
	}
	data := t.TempDir()
	err := run(context.Background(), []string{"serve", "--data", data, "--addr", freeAddr(t), "--smtp", "ftp://mail.example.org"},
		env(nil), strings.NewReader(""), io.Discard, io.Discard)
	if err == nil {
		t.Fatal("serve with an ftp:// mail server started")
	}
	if n := articles(t, "--data", data); n != 0 {
		t.Errorf("a refused start published %d articles", n)
	}
	if os.Getenv("HERALD_TEST_POSTGRES") != "" {
		db := pgtest.Database(t)
		startHerald(t, "--database", db).stop()
		if n := articles(t, "--database", db); n != 0 {
			t.Errorf("a first start on PostgreSQL published %d articles", n)
		}
	}
}

// TestRefusedCommandsCreateNothing: a command refused for its own input
// leaves no database behind in a new data folder.
func TestRefusedCommandsCreateNothing(t *testing.T) {
	for _, args := range [][]string{
		{"subscriber", "import", "no-such-file.csv"},
		{"serve", "--smtp", "ftp://mail.example.org"},
		{"serve", "--dkim-key", "no-such-key.pem", "--dkim-domain", "example.org", "--dkim-selector", "s1"},
		{"newsletter", "create", "Morning News", "--name", "Morning"},
		{"newsletter", "create", "morning"},
		{"newsletter", "create", "morning", "--name", "Morning", "--timezone", "Mars/Olympus"},
		{"user", "add", "not-an-address", "--role", "owner", "--password-stdin"},
		{"user", "add", "editor@example.org", "--role", "owner", "--password-stdin"},
		{"campaign", "create", "--subject", "The week", "--markdown", "issue.md"},
		{"campaign", "create", "--newsletter", "news", "--subject", "The week", "--markdown", "no-such-file.md"},
		{"campaign", "create", "--newsletter", "news", "--subject", "The week", "--article", "a", "--audience-language", "??"},
		{"campaign", "create", "--newsletter", "news", "--subject", "The week", "--article", "a", "--mode", "long"},
		{"campaign", "send", "1", "--at", "tomorrow"},
	} {
		data := t.TempDir() + "/data"
		// A password too short to be taken, for the commands that read one.
		stdin := strings.NewReader("short\n")
		if err := run(context.Background(), append(args, "--data", data, "--addr", freeAddr(t)), env(nil), stdin, io.Discard, io.Discard); err == nil {
			t.Errorf("herald %v succeeded", args)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("after a refused herald %v, the data folder exists (%v)", args, err)
		}
	}
}
