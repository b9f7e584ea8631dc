package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"herald/internal/store"
	"herald/internal/store/sqlite"
	"herald/internal/store/storetest"
)

func open(tb testing.TB) *sqlite.Store {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "herald.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open(%s) = %v", path, err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

func TestOpenTwiceKeepsDataAndMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	first, err := st.EnsureSetting(ctx, "secret", "one")
	if err != nil {
		t.Fatalf("EnsureSetting(secret, one) = %v", err)
	}
	st.Close()
	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(%s) again = %v", path, err)
	}
	defer st.Close()
	second, err := st.EnsureSetting(ctx, "secret", "two")
	if err != nil || second != first {
		t.Fatalf("EnsureSetting after reopen = %q, %v; want %q", second, err, first)
	}
	nls, err := st.Newsletters(ctx)
	if err != nil || len(nls) != 1 {
		t.Fatalf("Newsletters() = %v, %v; want the one default newsletter", nls, err)
	}
}

func BenchmarkRecordSignups(b *testing.B) {
	storetest.BenchRecordSignups(b, open(b))
}

func BenchmarkSendLedger(b *testing.B) {
	storetest.BenchSendLedger(b, open(b))
}

// TestNewerSchemaRefused: a database a newer Herald migrated holds a
// migration this build lacks; the store is then not ready, and opening it
// again fails naming the migration, rather than running on a schema this
// build does not know.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	defer st.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `INSERT INTO schema_migration (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatalf("record migration 9999: %v", err)
	}
	// A node already running when the next release migrated stays ready:
	// migrations only add, and it serves until it is restarted.
	if ok, err := st.MigrationsApplied(ctx); err != nil || !ok {
		t.Errorf("MigrationsApplied with migration 9999 applied = %v, %v; want true", ok, err)
	}
	again, err := sqlite.Open(ctx, path)
	if err == nil {
		again.Close()
	}
	var newer *store.NewerSchemaError
	if !errors.As(err, &newer) || newer.Version != 9999 || !strings.Contains(err.Error(), "migration 9999") ||
		!strings.Contains(err.Error(), "a newer Herald migrated it") {
		t.Errorf("Open(%s) with migration 9999 applied = %v; want a NewerSchemaError naming 9999 and a newer Herald", path, err)
	}
}
