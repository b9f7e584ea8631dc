package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"herald/internal/store/pgtest"
)

// migrationCount is how many migration files a store has in this tree.
func migrationCount(t *testing.T, store string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "internal", "store", store, "migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found for %s: %v", store, err)
	}
	return len(files)
}

func TestMigrateBringsADatabaseUpToDate(t *testing.T) {
	type target struct {
		name, store string
		args        []string
	}
	targets := []target{{"sqlite", "sqlite", []string{"--data", t.TempDir()}}}
	if os.Getenv("HERALD_TEST_POSTGRES") != "" {
		targets = append(targets, target{"postgres", "postgres", []string{"--database", pgtest.Database(t)}})
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			want := fmt.Sprintf("%d migrations applied", migrationCount(t, tc.store))
			// Once on a new database, once more on an up-to-date one.
			for range 2 {
				out := mustRunCLI(t, "", append([]string{"migrate"}, tc.args...)...)
				if !strings.Contains(out, "up to date") || !strings.Contains(out, want) {
					t.Errorf("herald migrate printed %q, want it up to date with %q", out, want)
				}
				if strings.Contains(out, "herald:herald") {
					t.Errorf("herald migrate printed the database password: %q", out)
				}
			}
		})
	}
	if _, _, err := runCLI(t, "", "migrate", "extra", "--data", t.TempDir()); err == nil {
		t.Error("herald migrate with an argument succeeded, want a usage error")
	}
}

// TestMigrateRefusesANewerDatabase: a database a newer Herald migrated is
// not up to date for this one, which stops instead of running on it.
func TestMigrateRefusesANewerDatabase(t *testing.T) {
	data := t.TempDir()
	mustRunCLI(t, "", "migrate", "--data", data)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO schema_migration (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatalf("record migration 9999: %v", err)
	}
	out, _, err := runCLI(t, "", "migrate", "--data", data)
	if err == nil || !strings.Contains(err.Error(), "migration 9999") || !strings.Contains(err.Error(), "newer Herald") {
		t.Errorf("herald migrate on a database with migration 9999 = %v, printing %q; want an error naming 9999 and a newer Herald", err, out)
	}
}
