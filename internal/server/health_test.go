package server_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"herald/internal/server"
	"herald/internal/store/pgtest"
	"herald/internal/store/postgres"
	"herald/internal/store/sqlite"
)

// store is what both stores offer the probes, plus Close to make them fail.
type store interface {
	server.ReadyChecker
	Close() error
}

func probe(t *testing.T, h http.Handler, method, path string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code, rec.Body.String(), rec.Header()
}

// checkProbes runs both probes against st, then through forget (which
// removes one applied migration's record) and Close.
func checkProbes(t *testing.T, st store, forget func()) {
	t.Helper()
	health, ready := server.Health(st), server.Ready(st)
	if code, body, hdr := probe(t, health, "GET", "/healthz"); code != 200 || body != "ok\n" || hdr.Get("Herald-Database") != "ok" {
		t.Errorf("GET /healthz = %d %q (Herald-Database %q); want 200 \"ok\\n\" (ok)", code, body, hdr.Get("Herald-Database"))
	}
	if code, body, _ := probe(t, health, "HEAD", "/healthz"); code != 200 || body != "" {
		t.Errorf("HEAD /healthz = %d %q; want 200 and no body", code, body)
	}
	if code, body, _ := probe(t, ready, "GET", "/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("GET /readyz on a migrated store = %d %q; want 200 \"ready\\n\"", code, body)
	}

	forget()
	if code, body, _ := probe(t, ready, "GET", "/readyz"); code != 503 || body != "database migrations not applied\n" {
		t.Errorf("GET /readyz with a migration missing = %d %q; want 503 \"database migrations not applied\\n\"", code, body)
	}
	if code, body, _ := probe(t, health, "GET", "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("GET /healthz with a migration missing = %d %q; want 200 \"ok\\n\"", code, body)
	}

	if err := st.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if code, body, _ := probe(t, ready, "GET", "/readyz"); code != 503 || body != "database unreachable\n" {
		t.Errorf("GET /readyz after Close = %d %q; want 503 \"database unreachable\\n\"", code, body)
	}
	if code, body, hdr := probe(t, health, "GET", "/healthz"); code != 200 || body != "ok\n" || hdr.Get("Herald-Database") != "unreachable" {
		t.Errorf("GET /healthz after Close = %d %q (Herald-Database %q); want 200 \"ok\\n\" (unreachable)", code, body, hdr.Get("Herald-Database"))
	}
}

func TestProbesSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("sqlite.Open(%s) = %v", path, err)
	}
	checkProbes(t, st, func() {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatalf("open %s beside the store: %v", path, err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `DELETE FROM schema_migration WHERE version = (SELECT max(version) FROM schema_migration)`); err != nil {
			t.Fatalf("forget the last migration: %v", err)
		}
	})
}

func TestProbesPostgres(t *testing.T) {
	ctx := context.Background()
	u := pgtest.Database(t)
	st, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("postgres.Open = %v", err)
	}
	checkProbes(t, st, func() {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatalf("connect beside the store: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DELETE FROM schema_migration WHERE version = (SELECT min(version) FROM schema_migration)`); err != nil {
			t.Fatalf("forget the first migration: %v", err)
		}
	})
}
