package transfer_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"herald/internal/store/postgres"
	"herald/internal/store/sqlite"
)

func openSQLite(t testing.TB) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlite.Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func openPostgres(t *testing.T, u string) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("postgres.Open = %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// execPostgres runs statements on the target beside the store.
func execPostgres(t *testing.T, u string, queries ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect to the target: %v", err)
	}
	defer conn.Close(ctx)
	for _, q := range queries {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// counts returns the rows of every table of the target but the migrations'.
func counts(t testing.TB, u string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect to the target: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migration'`)
	if err != nil {
		t.Fatalf("list the target's tables: %v", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list the target's tables: %v", err)
	}
	out := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{n}.Sanitize()).Scan(&c); err != nil {
			t.Fatalf("count %s: %v", n, err)
		}
		out[n] = c
	}
	return out
}

// checkPristine fails unless the target holds only what its migrations
// wrote: the default newsletter and nothing else.
func checkPristine(t *testing.T, u string) {
	t.Helper()
	for table, n := range counts(t, u) {
		want := int64(0)
		if table == "newsletter" {
			want = 1
		}
		if n != want {
			t.Errorf("target table %s has %d rows after the failed copy; want %d", table, n, want)
		}
	}
}

// fileSums hashes the database file and its write-ahead log.
func fileSums(t *testing.T, path string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		out[filepath.Base(p)] = sha256.Sum256(b)
	}
	return out
}
