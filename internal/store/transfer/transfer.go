// Package transfer moves a publication from SQLite to PostgreSQL, for a
// newsroom that outgrows one file. It copies every table as it stands in
// one consistent snapshot of the source, keeping IDs, and commits only
// after the copy reads back the same as the source, row for row; anything
// less rolls back and leaves the target as it was. The source is opened
// read-only, so a running server may keep using it.
package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the source's driver

	"herald/internal/store/postgres"
)

// Progress is what Copy reports as it goes.
type Progress struct {
	Table   string
	Rows    int64 // copied so far
	Total   int64 // in the source snapshot
	Elapsed time.Duration
	Done    bool // the table is copied; Rows is final
}

// Options tunes Copy.
type Options struct {
	// Progress, when set, is called about once a second during a long
	// table and once when each table is done.
	Progress func(Progress)
	// LockTimeout bounds the wait for the target's tables, which another
	// process may be using; default 10 s.
	LockTimeout time.Duration
}

// Table is one copied table, as verified.
type Table struct {
	Name     string
	Rows     int64
	Checksum string // hex SHA-256 of the rows in key order, equal on both sides
	// Cleaned counts the text values that held NUL or invalid UTF-8,
	// which PostgreSQL refuses: they were copied with each invalid byte
	// as U+FFFD and without NUL, as the PostgreSQL store keeps such text,
	// and the checksum is of the values as copied.
	Cleaned int64
}

// Report is what was copied.
type Report struct {
	Tables  []Table
	Elapsed time.Duration
}

// SchemaError means the two databases do not have the same tables and
// columns, so the data would not fit.
type SchemaError struct{ Problems []string }

func (e *SchemaError) Error() string {
	return "transfer: the source and target schemas differ: " + strings.Join(e.Problems, "; ")
}

// MigrationError means the two databases are at different migrations.
type MigrationError struct{ Source, Target []int64 }

func (e *MigrationError) Error() string {
	return fmt.Sprintf("transfer: the source has migrations %v applied and the target %v; run this version of herald "+
		"once on the source (any command, such as herald article list) so that both are at the same migration", e.Source, e.Target)
}

// NotEmptyError means the target already holds data, which a copy would
// clash with or silently mix into.
type NotEmptyError struct {
	Table string
	Rows  int64
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("transfer: the target is not empty: table %s has %d rows; copy only into a new database", e.Table, e.Rows)
}

// MismatchError means a table read back from the target differs from the
// source; nothing was committed.
type MismatchError struct {
	Table                  string
	SourceRows, TargetRows int64
	SourceSum, TargetSum   string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("transfer: table %s differs after the copy: source %d rows (sha256 %.12s…), target %d rows (sha256 %.12s…)",
		e.Table, e.SourceRows, e.SourceSum, e.TargetRows, e.TargetSum)
}

// Copy copies the SQLite database at sourcePath into the PostgreSQL
// database at targetURL. It migrates the target through the PostgreSQL
// store first, refuses unless both are at the same migration with the
// same tables and columns and the target holds nothing but what the
// migrations put there, then copies all tables in one transaction, sets
// the ID sequences past the copied IDs and compares every table's rows
// and checksum before committing.
func Copy(ctx context.Context, sourcePath, targetURL string, opts Options) (Report, error) {
	start := time.Now()
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 10 * time.Second
	}
	if _, err := os.Stat(sourcePath); err != nil {
		return Report{}, fmt.Errorf("transfer: source: %w", err)
	}
	// Read-only at the file level, and query_only on top: nothing this
	// connection runs can write to the source.
	dsn := "file:" + (&url.URL{Path: sourcePath}).EscapedPath() + "?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	src, err := sql.Open("sqlite", dsn)
	if err != nil {
		return Report{}, fmt.Errorf("transfer: open source %s: %w", sourcePath, err)
	}
	defer src.Close()
	src.SetMaxOpenConns(1)
	// In WAL mode one read transaction sees one snapshot from its first
	// read to its end, whatever the server writes meanwhile.
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Report{}, fmt.Errorf("transfer: open source %s: %w", sourcePath, err)
	}
	defer stx.Rollback()

	// The store's own Open applies the migrations; the copy then needs a
	// connection of its own for COPY inside one transaction.
	st, err := postgres.Open(ctx, targetURL)
	if err != nil {
		return Report{}, fmt.Errorf("transfer: target: %w", err)
	}
	st.Close()
	conn, err := pgx.Connect(ctx, targetURL)
	if err != nil {
		return Report{}, fmt.Errorf("transfer: connect to the target: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	dtx, err := conn.Begin(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("transfer: begin on the target: %w", err)
	}
	defer func() {
		// A cancelled ctx must not stop the rollback; a broken connection
		// rolls back on the server anyway.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		dtx.Rollback(rctx)
	}()

	report, err := copyAll(ctx, stx, dtx, opts)
	if err != nil {
		return Report{}, err
	}
	if err := dtx.Commit(ctx); err != nil {
		return Report{}, fmt.Errorf("transfer: commit on the target: %w", err)
	}
	report.Elapsed = time.Since(start)
	return report, nil
}

// copyAll does the work of Copy inside the two transactions, short of
// the commit: check, copy each table, reset the sequences, verify.
func copyAll(ctx context.Context, stx *sql.Tx, dtx pgx.Tx, opts Options) (Report, error) {
	tables, err := prepare(ctx, stx, dtx, opts.LockTimeout)
	if err != nil {
		return Report{}, err
	}
	copied := make([]Table, len(tables))
	for i, p := range tables {
		var total int64
		if err := stx.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(p.name)).Scan(&total); err != nil {
			return Report{}, fmt.Errorf("transfer: count %s in the source: %w", p.name, err)
		}
		began := time.Now()
		report := func(n int64, done bool) {
			if opts.Progress != nil {
				opts.Progress(Progress{Table: p.name, Rows: n, Total: total, Elapsed: time.Since(began), Done: done})
			}
		}
		c, err := copyTable(ctx, stx, dtx, p, func(n int64) { report(n, false) })
		if err != nil {
			return Report{}, fmt.Errorf("transfer: %w", err)
		}
		report(c.rows, true)
		copied[i] = Table{Name: p.name, Rows: c.rows, Checksum: c.sum, Cleaned: c.cleaned}
	}
	for _, p := range tables {
		if err := resetSequences(ctx, stx, dtx, p.name); err != nil {
			return Report{}, fmt.Errorf("transfer: %w", err)
		}
	}
	for i, p := range tables {
		n, sum, err := sumTarget(ctx, dtx, p)
		if err != nil {
			return Report{}, fmt.Errorf("transfer: %w", err)
		}
		if want := copied[i]; n != want.Rows || sum != want.Checksum {
			return Report{}, &MismatchError{Table: p.name, SourceRows: want.Rows, TargetRows: n, SourceSum: want.Checksum, TargetSum: sum}
		}
	}
	return Report{Tables: copied}, nil
}

// prepare checks that the two databases agree and that the target is
// empty, locks the target's tables against other writers for the rest of
// the transaction, and returns the tables in the order to copy them.
func prepare(ctx context.Context, stx *sql.Tx, dtx pgx.Tx, lockTimeout time.Duration) ([]plan, error) {
	source, err := sqliteSchema(ctx, stx)
	if err != nil {
		return nil, fmt.Errorf("transfer: read the source's schema: %w", err)
	}
	target, err := postgresSchema(ctx, dtx)
	if err != nil {
		return nil, fmt.Errorf("transfer: read the target's schema: %w", err)
	}
	sv, err := sqliteVersions(ctx, stx)
	if err != nil {
		return nil, fmt.Errorf("transfer: read the source's migrations: %w", err)
	}
	tv, err := postgresVersions(ctx, dtx)
	if err != nil {
		return nil, fmt.Errorf("transfer: read the target's migrations: %w", err)
	}
	if !slices.Equal(sv, tv) {
		return nil, &MigrationError{Source: sv, Target: tv}
	}
	if problems := compareSchemas(source, target); len(problems) > 0 {
		return nil, &SchemaError{Problems: problems}
	}
	var names []string
	for _, n := range sortedNames(target) {
		if n != schemaMigrationTable {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, errors.New("transfer: the target has no tables to copy into")
	}
	order, err := copyOrder(ctx, dtx, names)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	quoted := make([]string, len(order))
	for i, n := range order {
		quoted[i] = quote(n)
	}
	if _, err := dtx.Exec(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", lockTimeout.Milliseconds())); err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	// EXCLUSIVE lets others read but not write until the commit, so the
	// emptiness seen below still holds when the rows go in.
	if _, err := dtx.Exec(ctx, "LOCK TABLE "+strings.Join(quoted, ", ")+" IN EXCLUSIVE MODE"); err != nil {
		return nil, fmt.Errorf("transfer: lock the target's tables (is a herald server using the target?): %w", err)
	}
	if err := checkEmpty(ctx, dtx, order); err != nil {
		return nil, err
	}
	plans := make([]plan, len(order))
	for i, n := range order {
		plans[i] = newPlan(target[n])
	}
	return plans, nil
}

// checkEmpty refuses a target holding any row the migrations did not
// write. The first migration creates the default newsletter; that row,
// untouched, is removed once every table has been looked at, so the
// source's own newsletters keep their IDs.
func checkEmpty(ctx context.Context, dtx pgx.Tx, tables []string) error {
	seeded := false
	for _, t := range tables {
		var n int64
		if err := dtx.QueryRow(ctx, "SELECT count(*) FROM "+quote(t)).Scan(&n); err != nil {
			return fmt.Errorf("transfer: count %s in the target: %w", t, err)
		}
		if n == 0 {
			continue
		}
		if t == "newsletter" && n == 1 {
			err := dtx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM newsletter WHERE id = 1 AND slug = 'news'
				AND name = 'Newsletter' AND description = 'Our journalism in your inbox.')`).Scan(&seeded)
			if err != nil {
				return fmt.Errorf("transfer: read the target's newsletter: %w", err)
			}
			if seeded {
				continue
			}
		}
		return &NotEmptyError{Table: t, Rows: n}
	}
	if seeded {
		if _, err := dtx.Exec(ctx, `DELETE FROM newsletter WHERE id = 1`); err != nil {
			return fmt.Errorf("transfer: remove the target's default newsletter: %w", err)
		}
	}
	return nil
}
