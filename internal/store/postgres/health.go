package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// MigrationsApplied reports whether every migration built into this
// program is recorded as applied. Open applies them, so false means another
// process shares the database and this one is older or newer than its
// schema in a way that matters: a migration it knows was never run. Each
// version is looked up, not just the highest, because a migration added
// with a lower number than one already applied is still applied later by
// Open. A migration it does not know does not make it unready: migrations
// only add, and a node still running when `herald migrate` of the next
// release ran keeps serving until it is restarted (Open refuses to start
// it).
func (s *Store) MigrationsApplied(ctx context.Context) (bool, error) {
	want, err := embeddedMigrationVersions(migrationFiles)
	if err != nil {
		return false, fmt.Errorf("postgres: migrations applied: %w", err)
	}
	var missing int
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM unnest($1::bigint[]) AS w (version)
		WHERE NOT EXISTS (SELECT 1 FROM schema_migration m WHERE m.version = w.version)`, want).Scan(&missing)
	if err != nil {
		return false, fmt.Errorf("postgres: migrations applied: %w", err)
	}
	return missing == 0, nil
}

// SchemaVersion returns the highest migration applied and how many are.
func (s *Store) SchemaVersion(ctx context.Context) (version, applied int, err error) {
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0), count(*) FROM schema_migration`).Scan(&version, &applied); err != nil {
		return 0, 0, fmt.Errorf("postgres: schema version: %w", err)
	}
	return version, applied, nil
}

// embeddedMigrationVersions lists the numbers of the migration files built
// into the program.
func embeddedMigrationVersions(files fs.FS) ([]int64, error) {
	names, err := fs.Glob(files, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	versions := make([]int64, 0, len(names))
	for _, name := range names {
		base := path.Base(name)
		v, err := strconv.ParseInt(strings.SplitN(base, "_", 2)[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("migration %s has no number", base)
		}
		versions = append(versions, v)
	}
	return versions, nil
}
