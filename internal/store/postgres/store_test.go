package postgres_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"herald/internal/store"
	"herald/internal/store/pgtest"
	"herald/internal/store/postgres"
	"herald/internal/store/storetest"
)

// freshDatabase is an empty database for one test, dropped when it ends.
// Without HERALD_TEST_POSTGRES the test is skipped (under CI it fails).
func freshDatabase(tb testing.TB) string { return pgtest.Database(tb) }

func open(tb testing.TB, url string) *postgres.Store {
	tb.Helper()
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("Open(%s) = %v", url, err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// openWithConn opens a store on a fresh database, with a connection of
// the test's own beside it for what no store method does, such as
// installing a trigger that makes writes fail.
func openWithConn(t *testing.T) (*postgres.Store, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	url := freshDatabase(t)
	st := open(t, url)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgx.Connect(%s) = %v", url, err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return st, conn
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t, freshDatabase(t)) })
}

func TestPing(t *testing.T) {
	st := open(t, freshDatabase(t))
	if err := st.Ping(context.Background()); err != nil {
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

func BenchmarkSendLedger(b *testing.B) {
	storetest.BenchSendLedger(b, open(b, freshDatabase(b)))
}

// TestNewerSchemaRefused: a database a newer Herald migrated holds a
// migration this build lacks; the store is then not ready, and opening it
// again fails naming the migration, rather than running on a schema this
// build does not know.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	st, conn := openWithConn(t)
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migration (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatalf("record migration 9999: %v", err)
	}
	// A node already running when the next release migrated stays ready:
	// migrations only add, and it serves until it is restarted.
	if ok, err := st.MigrationsApplied(ctx); err != nil || !ok {
		t.Errorf("MigrationsApplied with migration 9999 applied = %v, %v; want true", ok, err)
	}
	url := conn.Config().ConnString()
	again, err := postgres.Open(ctx, url)
	if err == nil {
		again.Close()
	}
	var newer *store.NewerSchemaError
	if !errors.As(err, &newer) || newer.Version != 9999 || !strings.Contains(err.Error(), "migration 9999") ||
		!strings.Contains(err.Error(), "a newer Herald migrated it") {
		t.Errorf("Open with migration 9999 applied = %v; want a NewerSchemaError naming 9999 and a newer Herald", err)
	}
}
