// Package postgres stores Herald's data in PostgreSQL, for newsrooms that
// run several Herald processes against one database or already operate a
// PostgreSQL server. It has the same methods, file names and behaviour as
// the SQLite store; one conformance suite (store/storetest) holds both to it.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"herald/internal/store"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the advisory lock key every Herald process takes while
// migrating, so that processes starting together apply each migration once.
// It spells "herald" in ASCII; any constant shared by all versions would do.
const migrationLock int64 = 0x68_65_72_61_6c_64

// Store is Herald's data in a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the database at url (postgres://user:pass@host/db?...)
// and applies any migrations it lacks.
func Open(ctx context.Context, url string) (*Store, error) {
	if url == "" {
		return nil, errors.New("postgres: no database URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse error quotes the URL and hides the password only
		// on a best-effort basis, so it is not passed on.
		return nil, errors.New("postgres: the database URL does not parse")
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "herald"
	}
	// Herald's queries are short; compiling one with JIT costs far more
	// than running it, and a large ledger can push estimates over the JIT
	// threshold.
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close closes every connection. It returns an error only to have the same
// signature as the SQLite store, whose callers close either one alike;
// closing a pool cannot fail.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// migrate applies the missing migrations in one transaction that holds the
// migration lock: a second process waits, then finds nothing left to do,
// and a failing migration leaves the schema as it was.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	sort.Strings(names)
	known, err := embeddedMigrationVersions(migrationFiles)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migration (
			version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		var newest int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migration WHERE NOT version = ANY($1)`,
			known).Scan(&newest); err != nil {
			return err
		}
		if newest != 0 {
			return &store.NewerSchemaError{Version: newest}
		}
		for _, name := range names {
			base := path.Base(name)
			v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
			if err != nil {
				return fmt.Errorf("migration %s has no number", base)
			}
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migration WHERE version = $1)`, v).Scan(&done); err != nil {
				return err
			}
			if done {
				continue
			}
			body, err := migrationFiles.ReadFile(name)
			if err != nil {
				return err
			}
			// Without arguments pgx sends the simple protocol, which runs
			// every statement of the file.
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("apply %s: %w", base, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migration (version, applied_at) VALUES ($1, $2)`, v, ms(time.Now())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// tx runs fn in a transaction, committing when it returns nil.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// ms turns a time into the stored form; the zero time is stored as 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS turns a stored time back; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// clean makes s storable as PostgreSQL text, which refuses NUL bytes and
// invalid UTF-8 where SQLite keeps them. It is applied to text that comes
// from outside (form fields, mail servers' answers), so that one odd value
// cannot fail a whole group commit.
func clean(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// uniqueViolation is PostgreSQL's SQLSTATE for a unique-constraint
// violation.
const uniqueViolation = "23505"

// isUnique reports whether err is a unique-constraint violation, by code.
func isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == uniqueViolation
}
