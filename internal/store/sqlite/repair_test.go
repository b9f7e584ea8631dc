package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// TestLedgerOfTheFirstBuildIsRepaired: a database whose ledger refuses the
// state 'held', as the first build made it, takes a pause once opened, and
// keeps its rows.
func TestLedgerOfTheFirstBuildIsRepaired(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := st.RecordSignups(ctx, []subscriber.Signup{{Email: "a@example.org", Newsletters: []int64{1}, At: now}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Rebuild the ledger as the first build had it.
	repair, err := os.ReadFile(filepath.Join("repair", "ledger_held.sql"))
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(repair), "'queued', 'held', 'sending'", "'queued', 'sending'", 1)
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(old); err != nil {
		t.Fatalf("make the old ledger: %v", err)
	}
	if _, err := raw.Exec(`UPDATE delivery SET state = 'held'`); err == nil || !strings.Contains(err.Error(), "CHECK") {
		t.Fatalf("the old ledger took 'held': %v", err)
	}
	raw.Close()

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(old ledger) = %v", err)
	}
	defer st.Close()
	id, err := st.CreateCampaign(ctx, &campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "S", Markdown: "x",
		ArticleMode: campaign.Full, State: campaign.Sending})
	if err != nil {
		t.Fatal(err)
	}
	list, _ := st.ListSubscribers(ctx, 0, 10)
	if _, err := st.ConfirmSubscriber(ctx, list[0].ID, subscriber.Consent{SubscriberID: list[0].ID, Action: subscriber.ConsentConfirm, At: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.MoveCampaign(ctx, id, campaign.Paused, now, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.FreezeChunk(ctx, id, 10, now); err != nil {
		t.Fatalf("freezing a paused campaign's audience after the repair = %v", err)
	}
	if ds, _, err := st.SubscriberLedger(ctx, list[0].ID, 0, 10); err != nil || len(ds) < 2 {
		t.Errorf("ledger after the repair = %d rows, %v; want the confirmation emails kept and the campaign's row", len(ds), err)
	}
}

// TestSubscriberIDsMigrationKeepsEveryRow: migration 12 rebuilds the
// subscriber table, which the subscriptions, consent records and tags
// refer to with ON DELETE CASCADE. Rebuilt from a database as migration 11
// left it, every row stays, and the ID of the erased newest subscriber is
// not given again.
func TestSubscriberIDsMigrationKeepsEveryRow(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, email := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		if err := st.RecordSignups(ctx, []subscriber.Signup{{Email: email, Newsletters: []int64{1}, At: now, Wording: "yes"}}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	c, err := st.SubscriberByEmail(ctx, "c@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.EraseSubscriber(ctx, c.ID, "erased:c", "erased on request", now); err != nil {
		t.Fatal(err)
	}
	st.Close()

	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	count := func(table string) int {
		var n int
		if err := raw.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The subscriber table as migration 11 left it.
	if _, err := raw.Exec(`PRAGMA foreign_keys = OFF;
		CREATE TABLE subscriber_old (id INTEGER PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, confirm_sent_at INTEGER NOT NULL DEFAULT 0,
			language TEXT NOT NULL DEFAULT '') STRICT;
		INSERT INTO subscriber_old SELECT id, email, email_key, name, created_at, confirm_sent_at, language FROM subscriber;
		DROP TABLE subscriber;
		ALTER TABLE subscriber_old RENAME TO subscriber;
		DELETE FROM sqlite_sequence WHERE name = 'subscriber';
		DELETE FROM schema_migration WHERE version = 12;`); err != nil {
		t.Fatalf("make the old table: %v", err)
	}
	before := map[string]int{}
	for _, table := range []string{"subscriber", "subscription", "consent", "delivery"} {
		before[table] = count(table)
	}
	raw.Close()

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(before migration 12) = %v", err)
	}
	defer st.Close()
	raw, err = sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for table, n := range before {
		if got := count(table); got != n {
			t.Errorf("%s: %d rows after migration 12, %d before", table, got, n)
		}
	}
	if err := st.RecordSignups(ctx, []subscriber.Signup{{Email: "d@example.org", Newsletters: []int64{1}, At: now}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if d, err := st.SubscriberByEmail(ctx, "d@example.org"); err != nil || d.ID <= c.ID {
		t.Errorf("after migration 12 a new subscriber got ID %d (%v); the erased one had %d", d.ID, err, c.ID)
	}
}
