package transfer_test

import (
	"context"
	"database/sql"
	"maps"
	"testing"

	"github.com/jackc/pgx/v5"

	"herald/internal/store/pgtest"
	"herald/internal/store/transfer"
)

// TestCopyCleansTextPostgreSQLCannotHold: a database written by an older
// Herald may hold text with invalid UTF-8 or NUL, such as a mail server's
// answer in Latin-1. PostgreSQL refuses such text, so the copy stores it
// as the PostgreSQL store would have (U+FFFD for each invalid byte, NUL
// dropped), verifies what it wrote, and says how many values it changed.
func TestCopyCleansTextPostgreSQLCannotHold(t *testing.T) {
	pgtest.ServerURL(t)
	ctx := context.Background()
	src, path := openSQLite(t)
	fill(t, src)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	must(t, "open the source beside the store", err)
	defer db.Close()
	for _, q := range []string{
		`UPDATE delivery SET smtp_text = CAST(X'456d7066e46e67657220756e62656b616e6e74' AS TEXT) WHERE smtp_code = 550`,
		`UPDATE suppression SET reason = CAST(X'35353020352e312e3120456d7066e46e676572' AS TEXT)`,
		`UPDATE consent SET source = CAST(X'2f6361660065' AS TEXT) WHERE id = 1`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u := pgtest.Database(t)
	report, err := transfer.Copy(ctx, path, u, transfer.Options{})
	if err != nil {
		t.Fatalf("Copy(%s) with invalid UTF-8 and NUL in the source = %v; want the copy made", path, err)
	}
	cleaned := map[string]int64{}
	for _, tb := range report.Tables {
		if tb.Cleaned > 0 {
			cleaned[tb.Name] = tb.Cleaned
		}
	}
	if want := map[string]int64{"delivery": 1, "suppression": 1, "consent": 1}; !maps.Equal(cleaned, want) {
		t.Errorf("Copy reported cleaned values %v; want %v", cleaned, want)
	}
	conn, err := pgx.Connect(ctx, u)
	must(t, "connect to the target", err)
	defer conn.Close(ctx)
	var text, reason, source string
	err = conn.QueryRow(ctx, `SELECT (SELECT smtp_text FROM delivery WHERE smtp_code = 550),
		(SELECT reason FROM suppression), (SELECT source FROM consent WHERE id = 1)`).Scan(&text, &reason, &source)
	must(t, "read the copied text", err)
	if text != "Empf\uFFFDnger unbekannt" || reason != "550 5.1.1 Empf\uFFFDnger" || source != "/cafe" {
		t.Errorf("copied text = %q, %q, %q; want %q, %q, %q", text, reason, source,
			"Empf\uFFFDnger unbekannt", "550 5.1.1 Empf\uFFFDnger", "/cafe")
	}
}
