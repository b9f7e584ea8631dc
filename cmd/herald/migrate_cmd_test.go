package main

import (
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
