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
