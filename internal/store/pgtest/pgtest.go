// Package pgtest gives tests a fresh PostgreSQL database on the server that
// HERALD_TEST_POSTGRES names (.ci/postgres.sh starts one). Without it the
// test is skipped, except under CI, where PostgreSQL is always there and a
// missing server is a failure.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// ServerURL returns the configured server, or skips the test.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("HERALD_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("HERALD_TEST_POSTGRES is not set; .ci/run starts PostgreSQL and sets it")
		}
		tb.Skip("HERALD_TEST_POSTGRES is not set (bash .ci/postgres.sh prints a URL for it)")
	}
	return u
}

// Database creates an empty database for the test, drops it afterwards,
// and returns its URL.
func Database(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	server := ServerURL(tb)
	name := "herald_test_" + strings.ToLower(rand.Text())
	admin := func(query string) error {
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, query)
		return err
	}
	if err := admin("CREATE DATABASE " + pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("CREATE DATABASE %s = %v", name, err)
	}
	tb.Cleanup(func() {
		if err := admin("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"); err != nil {
			tb.Errorf("DROP DATABASE %s = %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("HERALD_TEST_POSTGRES does not parse: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
