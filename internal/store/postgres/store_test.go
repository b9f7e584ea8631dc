package postgres_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"herald/internal/store/postgres"
	"herald/internal/store/storetest"
	"herald/internal/subscriber"
)

// serverURL is the PostgreSQL server the tests may create databases on,
// as .ci/postgres.sh prints it.
func serverURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("HERALD_TEST_POSTGRES")
	if u == "" {
		tb.Skip("HERALD_TEST_POSTGRES is not set, so the PostgreSQL store is not tested; " +
			"run HERALD_TEST_POSTGRES=$(.ci/postgres.sh) go test ./internal/store/postgres/")
	}
	return u
}

// freshDatabase creates an empty database for one test, drops it when the
// test ends, and returns its URL.
func freshDatabase(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	server := serverURL(tb)
	name := pgx.Identifier{"herald_test_" + strings.ToLower(rand.Text())}.Sanitize()
	admin := func(query string) error {
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, query)
		return err
	}
	if err := admin("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("CREATE DATABASE %s = %v", name, err)
	}
	// Without FORCE: the server stops autovacuum on the database by itself,
	// and a connection the test leaked fails the test here.
	tb.Cleanup(func() {
		if err := admin("DROP DATABASE IF EXISTS " + name); err != nil {
			tb.Errorf("DROP DATABASE %s = %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("HERALD_TEST_POSTGRES does not parse: %v", err)
	}
	u.Path = "/" + strings.Trim(name, `"`)
	return u.String()
}

func open(tb testing.TB, url string) *postgres.Store {
	tb.Helper()
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("Open(%s) = %v", url, err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t, freshDatabase(t)) })
}

// TestStoreErrors checks the errors each store declares for itself, which
// the shared suite can only see as errors.
func TestStoreErrors(t *testing.T) {
	ctx := context.Background()
	st := open(t, freshDatabase(t))
	if _, err := st.Setting(ctx, "nope"); !errors.Is(err, postgres.ErrNoSetting) {
		t.Errorf("Setting(nope) error = %v, want ErrNoSetting", err)
	}
	if _, err := st.OutboxMessage(ctx, 1); !errors.Is(err, postgres.ErrNoOutboxMessage) {
		t.Errorf("OutboxMessage(1) error = %v, want ErrNoOutboxMessage", err)
	}
	if _, err := st.CreateNewsletter(ctx, &subscriber.Newsletter{Slug: "news", Name: "Again"}); !errors.Is(err, postgres.ErrDuplicate) {
		t.Errorf("CreateNewsletter(news) error = %v, want ErrDuplicate", err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Errorf("Ping() = %v", err)
	}
}

func TestOpenTwiceKeepsDataAndMigrations(t *testing.T) {
	ctx := context.Background()
	url := freshDatabase(t)
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatalf("Open(%s) = %v", url, err)
	}
	first, err := st.EnsureSetting(ctx, "secret", "one")
	if err != nil {
		t.Fatalf("EnsureSetting(secret, one) = %v", err)
	}
	st.Close()
	st = open(t, url)
	second, err := st.EnsureSetting(ctx, "secret", "two")
	if err != nil || second != first {
		t.Fatalf("EnsureSetting after reopen = %q, %v; want %q", second, err, first)
	}
	nls, err := st.Newsletters(ctx)
	if err != nil || len(nls) != 1 {
		t.Fatalf("Newsletters() = %v, %v; want the one default newsletter", nls, err)
	}
}

// TestProcessesStartingTogetherMigrateOnce opens one new database from
// several goroutines at once, as processes starting together would.
func TestProcessesStartingTogetherMigrateOnce(t *testing.T) {
	const n = 6
	ctx := context.Background()
	url := freshDatabase(t)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			st, err := postgres.Open(ctx, url)
			if err != nil {
				t.Errorf("Open(%s) from one of %d at once = %v", url, n, err)
				return
			}
			st.Close()
		})
	}
	close(start)
	wg.Wait()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	defer conn.Close(ctx)
	var applied, newsletters int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM schema_migration), (SELECT count(*) FROM newsletter)`).Scan(&applied, &newsletters); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatalf("ReadDir(migrations) = %v", err)
	}
	if applied != len(files) || newsletters != 1 {
		t.Errorf("after %d Opens at once: %d migrations recorded, %d newsletters; want %d and 1", n, applied, newsletters, len(files))
	}
}

func TestOpenHidesThePassword(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://herald:s3cret@127.0.0.1:5432/herald?sslmode=bogus")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open(URL that does not parse) error = %v; want an error without the password", err)
	}
}

func BenchmarkRecordSignups(b *testing.B) {
	storetest.BenchRecordSignups(b, open(b, freshDatabase(b)))
}
