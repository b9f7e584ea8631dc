// Package sqlite stores Herald's data in one SQLite file. It is the default
// store: a newsroom on a laptop needs nothing else. Writes go through one
// connection so they never fight over the lock inside this process; other
// processes (the CLI while the server runs) wait on the busy timeout.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"herald/internal/store"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is Herald's data in an SQLite database file.
type Store struct {
	write *sql.DB // one connection: every write transaction
	read  *sql.DB // several connections for queries

	// Statements prepared once for the hot paths; parsing SQL costs more
	// than running these small statements.
	mu    sync.Mutex
	stmts map[*sql.DB]map[string]*sql.Stmt
	// signupStmts are RecordSignups' statements, once prepared.
	signupStmts *signupStmts

	// wal makes commits durable; see txMode.
	wal *walSync
}

// Open opens (creating if needed) the database at path and applies any
// migrations it lacks.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: no database path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: create folder for database: %w", err)
		}
	}
	// dsn names the database with the settings every connection gets. The
	// page cache is per connection: the one writer gets a large one, the
	// readers (whose pages the site mostly serves from its own cache)
	// small ones, and SQLite's whole heap is kept under a soft limit, so
	// memory stays flat however large the ledger grows.
	dsn := func(cacheKiB int, txlock string) string {
		q := url.Values{}
		for _, p := range []string{
			"journal_mode(WAL)",
			"busy_timeout(10000)",
			"foreign_keys(1)",
			// NORMAL: a commit is in the write-ahead log when it returns;
			// durable transactions then wait for the log to reach the
			// disk (walSync), so an answered signup survives a power cut.
			"synchronous(NORMAL)",
			"temp_store(MEMORY)",
			fmt.Sprintf("cache_size(-%d)", cacheKiB),
			"soft_heap_limit(50000000)",
		} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", txlock)
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}
	write, err := sql.Open("sqlite", dsn(16000, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", dsn(4000, "deferred"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	s := &Store{write: write, read: read, stmts: map[*sql.DB]map[string]*sql.Stmt{}}
	// Durable commits rest on flushing the write-ahead log; a file system
	// where SQLite cannot keep one would make them silently weaker.
	var mode string
	if err := write.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		s.Close()
		return nil, fmt.Errorf("sqlite: %s cannot be kept in write-ahead-log mode (journal mode %q); put the data folder on a local file system", path, mode)
	}
	// SQLite keeps the log beside the file a symbolic link points to.
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.wal = newWALSync(real)
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.repairLedgerCheck(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, m := range s.stmts {
		for _, st := range m {
			st.Close()
		}
	}
	s.stmts, s.signupStmts = nil, nil
	s.mu.Unlock()
	return errors.Join(s.read.Close(), s.write.Close())
}

// prepared returns the statement for query on db, preparing it on first use.
func (s *Store) prepared(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmts == nil {
		return nil, errors.New("sqlite: store is closed")
	}
	m := s.stmts[db]
	if m == nil {
		m = map[string]*sql.Stmt{}
		s.stmts[db] = m
	}
	if st := m[query]; st != nil {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	m[query] = st
	return st, nil
}

// queryRow runs a read query through a cached prepared statement.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := s.prepared(ctx, s.read, query)
	if err != nil {
		// Let the plain path report the error the same way.
		return s.read.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// query runs a read query through a cached prepared statement. Queries
// built from filters are few in kind, so the cache stays small.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(ctx, s.read, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// txWith runs fn in a write transaction with the statements for queries
// bound to it. The statements are prepared before the transaction starts:
// the write pool has one connection, which the transaction then holds.
func (s *Store) txWith(ctx context.Context, queries []string, fn func(tx *sql.Tx, stmts []*sql.Stmt) error) error {
	return s.txWithMode(ctx, true, queries, fn)
}

// txWithMode is txWith with the durability of txMode.
func (s *Store) txWithMode(ctx context.Context, durable bool, queries []string, fn func(tx *sql.Tx, stmts []*sql.Stmt) error) error {
	prepared := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		st, err := s.prepared(ctx, s.write, q)
		if err != nil {
			return err
		}
		prepared[i] = st
	}
	return s.txMode(ctx, durable, func(tx *sql.Tx) error {
		bound := make([]*sql.Stmt, len(prepared))
		for i, st := range prepared {
			bound[i] = tx.StmtContext(ctx, st)
		}
		return fn(tx, bound)
	})
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migration (
		version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	sort.Strings(names)
	// Applied versions are read first, so a database that is up to date
	// costs no write transaction.
	applied := map[int]bool{}
	rows, err := s.write.QueryContext(ctx, `SELECT version FROM schema_migration`)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	known, err := embeddedMigrationVersions(migrationFiles)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if v := newestUnknown(applied, known); v != 0 {
		return fmt.Errorf("sqlite: %w", &store.NewerSchemaError{Version: int64(v)})
	}
	for _, name := range names {
		base := filepath.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite: migration %s has no number", base)
		}
		if applied[v] {
			continue
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
		// Foreign keys are off while a migration runs, as SQLite asks for
		// rebuilding a table (dropping one would otherwise delete the
		// rows that refer to it), and checked before it commits.
		n, err := s.commit(ctx, []pragma{{"foreign_keys", 0}}, func(tx *sql.Tx) error {
			// Another process may have applied it meanwhile.
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migration WHERE version = ?`, v).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("apply %s: %w", base, err)
			}
			if err := foreignKeysHold(ctx, tx); err != nil {
				return fmt.Errorf("apply %s: %w", base, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migration (version, applied_at) VALUES (?, ?)`, v, ms(time.Now()))
			return err
		})
		if err == nil {
			err = s.wal.wait(n)
		}
		if err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
	}
	return nil
}

// foreignKeysHold reports the first row that refers to a row that does not
// exist, if any.
func foreignKeysHold(ctx context.Context, tx *sql.Tx) error {
	var table, parent string
	var rowid sql.NullInt64
	var fk int
	err := tx.QueryRowContext(ctx, `PRAGMA foreign_key_check`).Scan(&table, &rowid, &parent, &fk)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check foreign keys: %w", err)
	}
	return fmt.Errorf("row %d of %s refers to a row of %s that does not exist", rowid.Int64, table, parent)
}

// tx runs fn in a write transaction, committing when it returns nil. The
// commit is on disk before tx returns.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.txMode(ctx, true, fn)
}

// txMode runs fn in a write transaction. A durable commit is on the disk
// before txMode returns, but the write connection goes on to the next
// transaction while the disk catches up (see walSync). A relaxed one
// survives the process dying (the log is in the operating system's hands)
// and reaches the disk with the next durable commit or checkpoint. The send
// engine's bookkeeping is relaxed: a power cut can then only repeat a few
// messages, never lose one.
func (s *Store) txMode(ctx context.Context, durable bool, fn func(*sql.Tx) error) error {
	n, err := s.commit(ctx, nil, fn)
	if err != nil || !durable {
		return err
	}
	return s.wal.wait(n)
}

// commit runs fn in a transaction on the write connection, with the
// pragmas set for its duration, and returns the commit's number for
// walSync. Pragma values are put back before the connection serves
// anything else; a connection whose settings cannot be put back is closed.
func (s *Store) commit(ctx context.Context, pragmas []pragma, fn func(*sql.Tx) error) (n uint64, err error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if len(pragmas) > 0 {
		restore, err := setPragmas(ctx, conn, pragmas)
		if err != nil {
			return 0, err
		}
		defer func() { err = errors.Join(err, restore()) }()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return s.wal.wrote(), nil
}

// placeholders is rows groups of cols question marks: (?,?),(?,?).
func placeholders(rows, cols int) string {
	group := "(" + strings.Repeat("?,", cols-1) + "?)"
	return strings.Repeat(group+",", rows-1) + group
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

// clean keeps text from outside (form fields, mail servers' answers) as
// the PostgreSQL store keeps it, which cannot store NUL bytes or invalid
// UTF-8: each invalid byte becomes U+FFFD and NUL is dropped. Both stores
// then read back the same, and a database moved to PostgreSQL fits.
func clean(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// isUnique reports whether err is a unique-constraint violation, by code.
func isUnique(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
