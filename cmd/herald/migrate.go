package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"herald/internal/store/transfer"
)

// migrateDataCommand copies a publication from its SQLite file into a new
// PostgreSQL database. The source is only read, so it may run while the
// server still serves from it; what the server writes after the copy's
// snapshot stays behind, which is why the summary says to stop it first
// for the final copy.
func migrateDataCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate-data", stdout, "")
	from := fs.String("from", defaultSource(getenv), "the SQLite database to copy, sqlite:PATH; left out, the one herald serve would open")
	to := fs.String("to", "", "the PostgreSQL database to copy into, postgres://user:pass@host/db; it must be new and empty")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{msg: fmt.Sprintf("migrate-data takes no arguments, got %q", pos[0])}
	}
	source, target, err := migrateEnds(*from, *to)
	if err != nil {
		return err
	}
	shown := redactURL(target)
	fmt.Fprintf(stderr, "copying %s into %s\n", source, shown)
	report, err := transfer.Copy(ctx, source, target, transfer.Options{Progress: func(p transfer.Progress) {
		rate := 0.0
		if s := p.Elapsed.Seconds(); s > 0 {
			rate = float64(p.Rows) / s
		}
		if p.Done {
			fmt.Fprintf(stderr, "  %-20s %9d %-4s  %8s  %9.0f rows/s\n", p.Table, p.Rows, verb(int(p.Rows), "row", "rows"), p.Elapsed.Round(time.Millisecond), rate)
			return
		}
		fmt.Fprintf(stderr, "  %-20s %9d of %s  %9.0f rows/s\n", p.Table, p.Rows, plural(int(p.Total), "row", "rows"), rate)
	}})
	var notEmpty *transfer.NotEmptyError
	if errors.As(err, &notEmpty) {
		return fmt.Errorf("nothing was committed to %s: %w: %s, then run migrate-data again", shown, err, recreate(target))
	}
	if err != nil {
		return fmt.Errorf("nothing was committed to %s: %w", shown, err)
	}
	var rows int64
	for _, t := range report.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(stdout, "copied %s, %s, in %s; row counts and SHA-256 checksums match the source\n",
		plural(len(report.Tables), "table", "tables"), plural(int(rows), "row", "rows"), report.Elapsed.Round(time.Millisecond))
	for _, t := range report.Tables {
		if t.Cleaned > 0 {
			fmt.Fprintf(stdout, "%s: %s held NUL or invalid UTF-8, which PostgreSQL refuses; copied with U+FFFD for each invalid byte and without NUL\n",
				t.Name, plural(int(t.Cleaned), "text value", "text values"))
		}
	}
	fmt.Fprintf(stdout, "the copy is of %s as it was when the copy began: if herald was still serving from it, "+
		"stop it, %s, and copy again before switching\n", source, recreate(target))
	return nil
}

// recreate says how to get an empty target again: a copy goes only into
// a database that holds nothing but what the migrations wrote, and
// dropping the database is the one sure way back to that.
func recreate(target string) string {
	u, err := url.Parse(target)
	name := ""
	if err == nil {
		name = strings.TrimPrefix(u.Path, "/")
	}
	if name == "" || strings.ContainsAny(name, "/ '\"") {
		return "drop the target database and create it again"
	}
	owner := ""
	if u.User != nil && u.User.Username() != "" {
		owner = "-O " + u.User.Username() + " "
	}
	return fmt.Sprintf("drop the database %s and create it again (as a PostgreSQL administrator: dropdb %s && createdb %s%s)",
		name, name, owner, name)
}

// defaultSource is the SQLite file herald serve would open with the same
// environment, so that on the server's own machine --from may be left out.
func defaultSource(getenv func(string) string) string {
	if db := getenv("HERALD_DATABASE"); db != "" {
		return db
	}
	data := getenv("HERALD_DATA")
	if data == "" {
		data = "herald-data"
	}
	return filepath.Join(data, "herald.db")
}

// migrateEnds checks and unwraps the two databases of migrate-data.
func migrateEnds(from, to string) (source, target string, err error) {
	if from == "" || to == "" {
		return "", "", &usageError{msg: "migrate-data needs --to postgres://… (and --from sqlite:PATH unless the default is right)"}
	}
	if strings.HasPrefix(from, "postgres://") || strings.HasPrefix(from, "postgresql://") {
		return "", "", &usageError{msg: "--from must be an SQLite database (sqlite:PATH); copying out of PostgreSQL is not supported"}
	}
	source = strings.TrimPrefix(strings.TrimPrefix(from, "sqlite:"), "file:")
	if source == "" {
		return "", "", &usageError{msg: "--from names no file"}
	}
	if !strings.HasPrefix(to, "postgres://") && !strings.HasPrefix(to, "postgresql://") {
		return "", "", &usageError{msg: "--to must be a PostgreSQL URL, postgres://user:pass@host/db"}
	}
	return source, to, nil
}

// redactURL hides the password of a database URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the target database"
	}
	return u.Redacted()
}

// migrateCommand applies the migrations the database lacks, as every
// command does when it opens the database, and says where the schema
// stands. Run before starting upgraded nodes, it keeps the first one to
// start from applying them while the others wait.
func migrateCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, pos, err := setup("migrate", args, getenv, stdout, nil)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{msg: fmt.Sprintf("migrate takes no arguments, got %q", pos[0])}
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	version, applied, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "the database is up to date: %s applied, the last numbered %d\n", plural(applied, "migration", "migrations"), version)
	return nil
}
