package sqlite

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Ping reports whether the database answers a query, for readiness checks.
// It goes through the read pool, which the request handlers use too. A
// store whose log could not be flushed to the disk is not ready: it can no
// longer promise that a write survives.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.wal.failed(); err != nil {
		return err
	}
	var one int
	if err := s.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// SchemaVersion returns the highest migration applied and how many are.
func (s *Store) SchemaVersion(ctx context.Context) (version, applied int, err error) {
	if err := s.read.QueryRowContext(ctx, `SELECT coalesce(max(version), 0), count(*) FROM schema_migration`).Scan(&version, &applied); err != nil {
		return 0, 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	return version, applied, nil
}

// MigrationsApplied reports whether every migration built into this
// program is recorded as applied. Open applies them, so false means another
// process shares the file and this one is older or newer than its schema
// in a way that matters: a migration it knows was never run. Each version
// is looked up, not just the highest, because a migration added with a
// lower number than one already applied is still applied later by Open.
// A migration it does not know does not make it unready: migrations only
// add, and a node still running when `herald migrate` of the next release
// ran keeps serving until it is restarted (Open refuses to start it).
func (s *Store) MigrationsApplied(ctx context.Context) (bool, error) {
	want, err := embeddedMigrationVersions(migrationFiles)
	if err != nil {
		return false, fmt.Errorf("sqlite: migrations applied: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT version FROM schema_migration`)
	if err != nil {
		return false, fmt.Errorf("sqlite: migrations applied: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return false, fmt.Errorf("sqlite: migrations applied: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("sqlite: migrations applied: %w", err)
	}
	for _, v := range want {
		if !applied[v] {
			return false, nil
		}
	}
	return true, nil
}

// newestUnknown returns the highest applied version that is not among
// known, or 0 when this program knows them all.
func newestUnknown(applied map[int]bool, known []int) int {
	newest := 0
	for v := range applied {
		if !slices.Contains(known, v) && v > newest {
			newest = v
		}
	}
	return newest
}

// embeddedMigrationVersions lists the numbers of the migration files built
// into the program.
func embeddedMigrationVersions(files fs.FS) ([]int, error) {
	names, err := fs.Glob(files, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	versions := make([]int, 0, len(names))
	for _, name := range names {
		base := path.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s has no number", base)
		}
		versions = append(versions, v)
	}
	return versions, nil
}
