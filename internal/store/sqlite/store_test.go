package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

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
