package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// importDB is a store on disk with a second, raw connection to look at the
// tables no store method reads.
type importDB struct {
	st  *sqlite.Store
	raw *sql.DB
}

func openImportDB(t *testing.T) importDB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close(); st.Close() })
	return importDB{st, raw}
}

func (db importDB) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.raw.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// export reads the whole list of newsletter 1 as the export command does.
func (db importDB) export(t *testing.T) []subscriber.ExportRow {
	t.Helper()
	var all []subscriber.ExportRow
	var after int64
	for {
		page, err := db.st.ExportSubscribers(context.Background(), 1, after, 2)
		if err != nil {
			t.Fatalf("ExportSubscribers(1, %d, 2): %v", after, err)
		}
		all = append(all, page...)
		if len(page) < 2 {
			return all
		}
		after = page[len(page)-1].ID
	}
}

// importChunks applies rows as one import, chunk by chunk.
func (db importDB) importChunks(t *testing.T, opts subscriber.ImportOptions, chunks ...[]subscriber.ImportRow) subscriber.ImportResult {
	t.Helper()
	ctx := context.Background()
	since, err := db.st.LastSubscriberID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts.Since = since
	var total subscriber.ImportResult
	for _, rows := range chunks {
		res, err := db.st.ImportSubscribers(ctx, 1, rows, opts)
		if err != nil {
			t.Fatalf("ImportSubscribers(%v): %v", rows, err)
		}
		total.Imported += res.Imported
		total.Updated += res.Updated
		total.Unchanged += res.Unchanged
		total.Merged += res.Merged
		total.Skipped += res.Skipped
		total.Skips = append(total.Skips, res.Skips...)
	}
	return total
}

var ignoreExportTimes = cmpopts.IgnoreFields(subscriber.ExportRow{}, "ID", "CreatedAt")

func TestImportSubscribersMergesAndMailsNobody(t *testing.T) {
	db := openImportDB(t)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	opts := subscriber.ImportOptions{Source: "import list.csv", At: at}
	res := db.importChunks(t, opts,
		[]subscriber.ImportRow{
			{Line: 2, Email: "zoe@example.org", Tags: []string{"sport"}},
			{Line: 3, Email: "ann@example.org", Name: "Ann", Tags: []string{"local"}},
			{Line: 4, Email: "Zoe@example.org", Name: "Zoe", Tags: []string{"local", "sport"}},
		},
		// A later chunk repeats an address of the first.
		[]subscriber.ImportRow{{Line: 5, Email: "ann@example.org", Name: "Other", Tags: []string{"culture"}}},
	)
	want := subscriber.ImportResult{Imported: 2, Merged: 2}
	if diff := cmp.Diff(want, res, cmpopts.IgnoreFields(subscriber.ImportResult{}, "Skips")); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	got := db.export(t)
	wantRows := []subscriber.ExportRow{
		{Email: "ann@example.org", Name: "Ann", State: subscriber.Pending, Tags: []string{"culture", "local"}},
		{Email: "zoe@example.org", Name: "Zoe", State: subscriber.Pending, Tags: []string{"local", "sport"}},
	}
	if diff := cmp.Diff(wantRows, got, ignoreExportTimes); diff != "" {
		t.Errorf("export after import (-want +got):\n%s", diff)
	}
	if !got[0].CreatedAt.Equal(at) {
		t.Errorf("created_at = %v; want the import's time %v", got[0].CreatedAt, at)
	}
	if n := db.count(t, `SELECT count(*) FROM delivery`); n != 0 {
		t.Errorf("import queued %d emails; want none", n)
	}
	consents, err := db.st.Consents(context.Background(), got[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	wantConsent := []subscriber.Consent{{SubscriberID: got[0].ID, NewsletterID: 1, Action: subscriber.ConsentSignup,
		At: at, Source: "import list.csv", Wording: subscriber.WordingImported}}
	if diff := cmp.Diff(wantConsent, consents); diff != "" {
		t.Errorf("consent records of an imported address (-want +got):\n%s", diff)
	}
}

func TestImportSubscribersConfirmedNeverDowngrades(t *testing.T) {
	db := openImportDB(t)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	db.importChunks(t, subscriber.ImportOptions{Source: "import a.csv", At: at},
		[]subscriber.ImportRow{{Line: 2, Email: "pending@example.org"}})
	db.importChunks(t, subscriber.ImportOptions{Source: "import b.csv", At: at, Confirmed: true},
		[]subscriber.ImportRow{{Line: 2, Email: "confirmed@example.org"}})

	res := db.importChunks(t, subscriber.ImportOptions{Source: "import c.csv", At: at.Add(time.Hour), Confirmed: true},
		[]subscriber.ImportRow{
			{Line: 2, Email: "pending@example.org"},                  // upgraded
			{Line: 3, Email: "confirmed@example.org"},                // as it was
			{Line: 4, Email: "stays@example.org", Pending: true},     // the file says pending
			{Line: 5, Email: "left@example.org", Unsubscribed: true}, // the file says left
		})
	want := subscriber.ImportResult{Imported: 1, Updated: 1, Unchanged: 1, Skipped: 1,
		Skips: []subscriber.RowError{{Line: 5, Reason: subscriber.ReasonUnsubscribedFile}}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("--confirmed import over pending and confirmed (-want +got):\n%s", diff)
	}
	// A plain import never turns confirmed back into pending.
	res = db.importChunks(t, subscriber.ImportOptions{Source: "import d.csv", At: at.Add(2 * time.Hour)},
		[]subscriber.ImportRow{{Line: 2, Email: "confirmed@example.org"}, {Line: 3, Email: "pending@example.org"}})
	if res.Unchanged != 2 || res.Updated != 0 {
		t.Errorf("plain import over confirmed addresses = %+v; want 2 unchanged", res)
	}
	states := map[string]subscriber.State{}
	for _, r := range db.export(t) {
		states[r.Email] = r.State
	}
	wantStates := map[string]subscriber.State{"pending@example.org": subscriber.Confirmed,
		"confirmed@example.org": subscriber.Confirmed, "stays@example.org": subscriber.Pending}
	if diff := cmp.Diff(wantStates, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	n := db.count(t, `SELECT count(*) FROM consent c JOIN subscriber s ON s.id = c.subscriber_id
		WHERE s.email = 'pending@example.org' AND c.action = 'confirm' AND c.source = 'import c.csv' AND c.wording = ?`,
		subscriber.WordingImportedConfirmed)
	if n != 1 {
		t.Errorf("consent records confirming the upgrade: %d; want 1", n)
	}
	if n := db.count(t, `SELECT count(*) FROM consent`); n != 4 {
		t.Errorf("consent records: %d; want 4 (two first imports, one upgrade, one new)", n)
	}
}

func TestImportSubscribersKeepsOutWhoLeftOrBounced(t *testing.T) {
	db := openImportDB(t)
	ctx := context.Background()
	now := time.Now()
	if err := db.st.RecordSignups(ctx, []subscriber.Signup{{Email: "left@example.org", Newsletters: []int64{1}, At: now}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	list := db.export(t)
	if _, err := db.st.UnsubscribeSubscriber(ctx, list[0].ID, 0, subscriber.Consent{SubscriberID: list[0].ID, Action: subscriber.ConsentUnsubscribe, At: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.raw.Exec(`INSERT INTO suppression (email_key, reason, created_at) VALUES ('bounced@example.org', 'hard bounce', 0)`); err != nil {
		t.Fatal(err)
	}
	consents := db.count(t, `SELECT count(*) FROM consent`)
	res := db.importChunks(t, subscriber.ImportOptions{Source: "import x.csv", At: now, Confirmed: true},
		[]subscriber.ImportRow{
			{Line: 2, Email: "Left@example.org", Name: "Back", Tags: []string{"vip"}},
			{Line: 3, Email: "BOUNCED@example.org"},
			{Line: 4, Email: "left@example.org"},
		})
	want := subscriber.ImportResult{Skipped: 3, Skips: []subscriber.RowError{
		{Line: 3, Reason: subscriber.ReasonSuppressed},
		{Line: 2, Reason: subscriber.ReasonUnsubscribed}, {Line: 4, Reason: subscriber.ReasonUnsubscribed},
	}}
	if diff := cmp.Diff(want, res, cmpopts.SortSlices(func(a, b subscriber.RowError) bool { return a.Line < b.Line })); diff != "" {
		t.Errorf("import of an unsubscribed and a suppressed address (-want +got):\n%s", diff)
	}
	wantRows := []subscriber.ExportRow{{Email: "left@example.org", State: subscriber.Unsubscribed}}
	if diff := cmp.Diff(wantRows, db.export(t), ignoreExportTimes); diff != "" {
		t.Errorf("list after the import (-want +got):\n%s", diff)
	}
	if n := db.count(t, `SELECT count(*) FROM subscriber WHERE email_key = 'bounced@example.org'`); n != 0 {
		t.Errorf("suppressed address stored %d times; want 0", n)
	}
	if n := db.count(t, `SELECT count(*) FROM consent`); n != consents {
		t.Errorf("consent records went from %d to %d; want no new ones", consents, n)
	}
}

func TestImportSubscribersUpdatesAndIsIdempotent(t *testing.T) {
	db := openImportDB(t)
	ctx := context.Background()
	if err := db.st.RecordSignups(ctx, []subscriber.Signup{{Email: "old@example.org", Newsletters: []int64{1}, At: time.Now()}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	rows := []subscriber.ImportRow{
		{Line: 2, Email: "old@example.org", Name: "Olga", Tags: []string{"local"}},
		{Line: 3, Email: "new@example.org", Name: "Nina"},
	}
	opts := subscriber.ImportOptions{Source: "import x.csv", At: time.Now()}
	res := db.importChunks(t, opts, rows)
	if res.Imported != 1 || res.Updated != 1 {
		t.Errorf("first import = %+v; want 1 imported, 1 updated (name and tag given to the signup)", res)
	}
	before := db.export(t)
	consents := db.count(t, `SELECT count(*) FROM consent`)
	res = db.importChunks(t, opts, rows)
	want := subscriber.ImportResult{Unchanged: 2}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("second import of the same rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, db.export(t)); diff != "" {
		t.Errorf("list changed by importing the same rows again (-before +after):\n%s", diff)
	}
	if n := db.count(t, `SELECT count(*) FROM consent`); n != consents {
		t.Errorf("consent records went from %d to %d on a repeated import", consents, n)
	}
	wantRows := []subscriber.ExportRow{
		{Email: "old@example.org", Name: "Olga", State: subscriber.Pending, Tags: []string{"local"}},
		{Email: "new@example.org", Name: "Nina", State: subscriber.Pending},
	}
	if diff := cmp.Diff(wantRows, before, ignoreExportTimes); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

func TestImportSubscribersManyBatches(t *testing.T) {
	db := openImportDB(t)
	// More rows than one multi-row statement holds, with a repeat in the
	// middle of each batch, so some batches take the look-up path.
	var rows []subscriber.ImportRow
	for i := range 1234 {
		rows = append(rows, subscriber.ImportRow{Line: i + 2, Email: strings.Repeat("x", i%7+1) + "-" + strconv.Itoa(i) + "@example.org"})
	}
	first := db.importChunks(t, subscriber.ImportOptions{At: time.Now()}, rows[:700])
	res := db.importChunks(t, subscriber.ImportOptions{At: time.Now()}, rows)
	if first.Imported != 700 || res.Imported != 534 || res.Unchanged != 700 {
		t.Errorf("imports = %+v then %+v; want 700 new, then 534 new and 700 unchanged", first, res)
	}
	if n := db.count(t, `SELECT count(*) FROM subscription WHERE newsletter_id = 1 AND state = 'pending'`); n != 1234 {
		t.Errorf("pending subscriptions: %d; want 1234", n)
	}
}

func TestImportSubscribersUnknownNewsletter(t *testing.T) {
	db := openImportDB(t)
	_, err := db.st.ImportSubscribers(context.Background(), 99, []subscriber.ImportRow{{Line: 2, Email: "a@example.org"}}, subscriber.ImportOptions{At: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "newsletter 99") {
		t.Errorf("ImportSubscribers into newsletter 99 = %v; want an error naming it", err)
	}
	if n := db.count(t, `SELECT count(*) FROM subscriber`); n != 0 {
		t.Errorf("%d subscribers stored by a failed import; want 0", n)
	}
}

func TestImportSubscribersStatesByRowInOneChunk(t *testing.T) {
	db := openImportDB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	db.importChunks(t, subscriber.ImportOptions{Source: "import a.csv", At: at},
		[]subscriber.ImportRow{{Line: 2, Email: "c-old@example.org"}})
	// New addresses confirmed and pending by turns, with a stored one
	// between them, so that the new ones' IDs come in several runs.
	res := db.importChunks(t, subscriber.ImportOptions{Source: "import b.csv", At: at.Add(time.Hour), Confirmed: true},
		[]subscriber.ImportRow{
			{Line: 2, Email: "a@example.org"},
			{Line: 3, Email: "b@example.org", Pending: true},
			{Line: 4, Email: "c-old@example.org"},
			{Line: 5, Email: "d@example.org", Pending: true},
			{Line: 6, Email: "e@example.org"},
			{Line: 7, Email: "f@example.org"},
		})
	if diff := cmp.Diff(subscriber.ImportResult{Imported: 5, Updated: 1}, res); diff != "" {
		t.Errorf("import (-want +got):\n%s", diff)
	}
	want := map[string]subscriber.ConsentAction{
		"a@example.org": subscriber.ConsentConfirm, "b@example.org": subscriber.ConsentSignup,
		"d@example.org": subscriber.ConsentSignup, "e@example.org": subscriber.ConsentConfirm, "f@example.org": subscriber.ConsentConfirm,
	}
	for _, r := range db.export(t) {
		cs, err := db.st.Consents(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantState := subscriber.Confirmed
		if r.Email == "b@example.org" || r.Email == "d@example.org" {
			wantState = subscriber.Pending
		}
		if r.State != wantState {
			t.Errorf("state of %s = %s; want %s", r.Email, r.State, wantState)
		}
		if r.Email == "c-old@example.org" {
			if len(cs) != 2 || cs[1].Action != subscriber.ConsentConfirm || cs[1].Source != "import b.csv" {
				t.Errorf("consents of the upgraded c-old@example.org = %+v; want its signup, then the confirmation", cs)
			}
			continue
		}
		action, wording := subscriber.ImportOptions{Confirmed: want[r.Email] == subscriber.ConsentConfirm}.Consent()
		wantConsent := []subscriber.Consent{{SubscriberID: r.ID, NewsletterID: 1, Action: action, At: at.Add(time.Hour),
			Source: "import b.csv", Wording: wording}}
		if diff := cmp.Diff(wantConsent, cs); diff != "" {
			t.Errorf("consents of %s (-want +got):\n%s", r.Email, diff)
		}
	}
	if n := db.count(t, `SELECT count(*) FROM subscription`); n != 6 {
		t.Errorf("subscriptions: %d; want 6", n)
	}
}

func TestImportSubscribersMergesTagsWithoutTouchingRows(t *testing.T) {
	db := openImportDB(t)
	// The first row's tags have room to grow in place, over the third
	// row's; the third row repeats a tag.
	first := []string{"b", "a", "b"}
	rows := []subscriber.ImportRow{
		{Line: 2, Email: "x@example.org", Tags: first[:2:3]},
		{Line: 3, Email: "X@example.org", Tags: []string{"c", "a"}},
		{Line: 4, Email: "y@example.org", Tags: first},
	}
	db.importChunks(t, subscriber.ImportOptions{At: time.Now()}, rows)
	wantRows := []subscriber.ExportRow{
		{Email: "x@example.org", State: subscriber.Pending, Tags: []string{"a", "b", "c"}},
		{Email: "y@example.org", State: subscriber.Pending, Tags: []string{"a", "b"}},
	}
	if diff := cmp.Diff(wantRows, db.export(t), ignoreExportTimes); diff != "" {
		t.Errorf("tags merged from rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b", "a", "b"}, first); diff != "" {
		t.Errorf("a row's tags were written over (-before +after):\n%s", diff)
	}
}

func TestImportSubscribersLeavesForeignKeysOn(t *testing.T) {
	db := openImportDB(t)
	ctx := context.Background()
	// A failed import and a good one both hand the connection back.
	if _, err := db.st.ImportSubscribers(ctx, 99, []subscriber.ImportRow{{Line: 2, Email: "a@example.org"}}, subscriber.ImportOptions{At: time.Now()}); err == nil {
		t.Fatal("ImportSubscribers into newsletter 99 succeeded")
	}
	db.importChunks(t, subscriber.ImportOptions{At: time.Now(), Confirmed: true},
		[]subscriber.ImportRow{{Line: 2, Email: "a@example.org", Tags: []string{"x"}}, {Line: 3, Email: "b@example.org", Tags: []string{"y"}}})
	list := db.export(t)
	if err := db.st.EraseSubscriber(ctx, list[0].ID, "erased-key", "erased", time.Now()); err != nil {
		t.Fatal(err)
	}
	// Erasing deletes the subscriber row; foreign keys delete the rest.
	for _, table := range []string{"subscription", "consent", "subscriber_tag"} {
		if n := db.count(t, `SELECT count(*) FROM `+table+` WHERE subscriber_id = ?`, list[0].ID); n != 0 {
			t.Errorf("%d rows of %s left after erasing subscriber %d after an import; want 0 (foreign keys off?)", n, table, list[0].ID)
		}
	}
	if n := db.count(t, `SELECT count(*) FROM subscription WHERE subscriber_id = ?`, list[1].ID); n != 1 {
		t.Errorf("subscriptions of the other subscriber: %d; want 1", n)
	}
}

// BenchmarkImportSubscribers stores b.N generated rows into a fresh database
// on disk, confirmed, in chunks of 50,000 sorted rows as `herald subscriber
// import --confirmed` hands them over. CPU seconds are reported beside the time because on a
// busy machine they vary less.
//
//	go test -run '^$' -bench ImportSubscribers -benchtime 1000000x -cpuprofile cpu.out ./internal/store/sqlite
func BenchmarkImportSubscribers(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "herald.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rnd := rand.New(rand.NewPCG(1, 2))
	tags := []string{"local", "sport", "culture", "politics"}
	rows := make([]subscriber.ImportRow, b.N)
	for i := range rows {
		r := subscriber.ImportRow{Line: i + 2, Email: fmt.Sprintf("u%016x@example%d.org", rnd.Uint64(), rnd.IntN(100))}
		if i%3 == 0 {
			r.Name = fmt.Sprintf("Reader %d", i)
		}
		if i%4 == 0 {
			r.Tags = []string{tags[rnd.IntN(len(tags))]}
		}
		rows[i] = r
	}
	const chunk = 50000
	for from := 0; from < len(rows); from += chunk {
		part := rows[from:min(from+chunk, len(rows))]
		slices.SortFunc(part, func(a, b subscriber.ImportRow) int { return strings.Compare(a.Email, b.Email) })
	}
	opts := subscriber.ImportOptions{Source: "import bench.csv", At: time.Now(), Confirmed: true}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for from := 0; from < len(rows); from += chunk {
		if _, err := st.ImportSubscribers(ctx, 1, rows[from:min(from+chunk, len(rows))], opts); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu.Seconds(), "cpu-s")
	b.ReportMetric(float64(after.Oublock-before.Oublock)*512/1e6, "MB-written")
}
