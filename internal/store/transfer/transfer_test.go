package transfer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/article"
	"herald/internal/mail"
	"herald/internal/store/pgtest"
	"herald/internal/store/transfer"
	"herald/internal/subscriber"
	"herald/internal/user"
)

func TestCopyKeepsEverything(t *testing.T) {
	pgtest.ServerURL(t)
	ctx := context.Background()
	src, path := openSQLite(t)
	fill(t, src)
	want := read(t, src)
	if len(want.Articles) != 5 || len(want.Subscribers) != 5 || len(want.Campaigns) != 2 || len(want.Ledger[1]) != 2 ||
		want.QueueDepth != 2 || len(want.Users) != 1 || len(want.Tokens) != 1 || len(want.Event.Payload) == 0 || !want.Suppressed["ed@example.com"] {
		t.Fatalf("the fixture reads back as %d articles, %d subscribers, %d campaigns, %d ledger rows, %d waiting, %d users, %d tokens, "+
			"a %d-byte event, ed suppressed %v; want 5, 5, 2, 2, 2 (a retry and a webhook), 1, 1, an event, true",
			len(want.Articles), len(want.Subscribers), len(want.Campaigns), len(want.Ledger[1]), want.QueueDepth, len(want.Users),
			len(want.Tokens), len(want.Event.Payload), want.Suppressed["ed@example.com"])
	}
	before := fileSums(t, path)
	u := pgtest.Database(t)

	var events []transfer.Progress
	report, err := transfer.Copy(ctx, path, u, transfer.Options{Progress: func(p transfer.Progress) { events = append(events, p) }})
	if err != nil {
		t.Fatalf("Copy(%s) = %v", path, err)
	}
	if diff := cmp.Diff(before, fileSums(t, path)); diff != "" {
		t.Errorf("the source's files changed during the copy (-before +after):\n%s", diff)
	}

	// Every table of the target was copied, after the tables it refers to.
	got := counts(t, u)
	var order []string
	for _, tb := range report.Tables {
		order = append(order, tb.Name)
		if got[tb.Name] != tb.Rows || len(tb.Checksum) != 64 {
			t.Errorf("report for %s: %d rows, checksum %q; the target has %d rows", tb.Name, tb.Rows, tb.Checksum, got[tb.Name])
		}
	}
	if len(order) != len(got) {
		t.Errorf("copied tables %v; the target has %d tables: %v", order, len(got), got)
	}
	for _, pair := range [][2]string{{"article", "article_tag"}, {"article", "campaign_article"}, {"campaign", "campaign_article"},
		{"newsletter", "campaign"}, {"subscriber", "subscription"}, {"newsletter", "subscription"}, {"user_account", "session"}} {
		if slices.Index(order, pair[0]) > slices.Index(order, pair[1]) {
			t.Errorf("copy order %v puts %s before %s, which refers to it", order, pair[1], pair[0])
		}
	}
	for _, table := range []string{"article", "article_author", "subscription", "consent", "subscriber_tag", "suppression",
		"campaign", "campaign_article", "delivery", "outbox", "setting", "user_account", "session", "api_token", "login_attempt",
		"webhook_endpoint", "webhook_event"} {
		if got[table] == 0 {
			t.Errorf("target table %s is empty; the fixture fills it", table)
		}
	}
	done := map[string]int64{}
	for _, e := range events {
		if e.Done {
			done[e.Table] = e.Rows
		}
	}
	for _, tb := range report.Tables {
		if n, ok := done[tb.Name]; !ok || n != tb.Rows {
			t.Errorf("progress for %s: done with %d rows (reported %v); want %d", tb.Name, n, ok, tb.Rows)
		}
	}

	dst := openPostgres(t, u)
	if diff := cmp.Diff(want, read(t, dst)); diff != "" {
		t.Errorf("the PostgreSQL store answers differently from the SQLite one (-sqlite +postgres):\n%s", diff)
	}

	// New rows continue the copied IDs instead of colliding with them.
	a := article.Article{Title: "After the move", PublishedAt: t0}
	must(t, "Normalize", a.Normalize())
	if id, err := dst.SaveArticle(ctx, &a); err != nil || id != int64(len(want.Articles))+1 {
		t.Errorf("SaveArticle after the copy = %d, %v; want ID %d", id, err, len(want.Articles)+1)
	}
	if id, err := dst.AddOutboxMessage(ctx, mail.OutboxMessage{From: "a@example.org", To: "b@example.org", Subject: "x", Data: []byte("x"), CreatedAt: t0}); err != nil || id != 2 {
		t.Errorf("AddOutboxMessage after the copy = %d, %v; want ID 2", id, err)
	}
	if id, err := dst.CreateUser(ctx, user.User{Email: "new@example.org", Role: user.Viewer, PasswordHash: "x", CreatedAt: t0, PasswordChangedAt: t0}); err != nil || id != 2 {
		t.Errorf("CreateUser after the copy = %d, %v; want ID 2", id, err)
	}
	if err := dst.RecordSignups(ctx, []subscriber.Signup{{Email: "new@example.com", Newsletters: []int64{1}, At: t0}}, time.Hour); err != nil {
		t.Errorf("RecordSignups after the copy = %v", err)
	}
	if subs, err := dst.ListSubscribers(ctx, 0, 100); err != nil || len(subs) != len(want.Subscribers)+1 || subs[len(subs)-1].ID != int64(len(want.Subscribers))+1 {
		t.Errorf("ListSubscribers after a new signup = %d subscribers, %v; want %d, the last with ID %d", len(subs), err, len(want.Subscribers)+1, len(want.Subscribers)+1)
	}
	if ok, err := dst.MigrationsApplied(ctx); err != nil || !ok {
		t.Errorf("MigrationsApplied on the target = %v, %v; want true", ok, err)
	}
}

func TestRefusesNonEmptyTarget(t *testing.T) {
	pgtest.ServerURL(t)
	ctx := context.Background()
	src, path := openSQLite(t)
	fill(t, src)
	for name, dirty := range map[string]func(t *testing.T, u string){
		"setting": func(t *testing.T, u string) {
			if _, err := openPostgres(t, u).EnsureSetting(ctx, "secret", "theirs"); err != nil {
				t.Fatalf("EnsureSetting on the target = %v", err)
			}
		},
		"newsletter": func(t *testing.T, u string) {
			openPostgres(t, u)
			execPostgres(t, u, `UPDATE newsletter SET name = 'Our letter' WHERE id = 1`)
		},
		"delivery": func(t *testing.T, u string) {
			openPostgres(t, u)
			execPostgres(t, u, `INSERT INTO delivery (id, kind, subscriber_id, recipient, state, next_attempt_at, created_at)
				VALUES (1, 'confirm', 1, 'x@example.com', 'queued', 0, 0)`)
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := pgtest.Database(t)
			dirty(t, u)
			before := counts(t, u)
			_, err := transfer.Copy(ctx, path, u, transfer.Options{})
			var ne *transfer.NotEmptyError
			if !errors.As(err, &ne) || ne.Table != name || !strings.Contains(err.Error(), name) {
				t.Fatalf("Copy into a target with a row in %s = %v; want a NotEmptyError naming %s", name, err, name)
			}
			if diff := cmp.Diff(before, counts(t, u)); diff != "" {
				t.Errorf("the refused target changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestFailureLeavesTargetEmpty(t *testing.T) {
	pgtest.ServerURL(t)
	src, path := openSQLite(t)
	fill(t, src)
	t.Run("an insert fails mid-copy", func(t *testing.T) {
		t.Parallel()
		u := pgtest.Database(t)
		openPostgres(t, u)
		execPostgres(t, u, `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
			`CREATE TRIGGER refuse BEFORE INSERT ON webhook_event FOR EACH ROW EXECUTE FUNCTION refuse()`)
		_, err := transfer.Copy(context.Background(), path, u, transfer.Options{})
		if err == nil || !strings.Contains(err.Error(), "webhook_event") || !strings.Contains(err.Error(), "refused by the test") {
			t.Fatalf("Copy with inserts into webhook_event refused = %v; want the refusal, naming the table", err)
		}
		checkPristine(t, u)
	})
	t.Run("the context ends mid-copy", func(t *testing.T) {
		t.Parallel()
		u := pgtest.Database(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var copied atomic.Int32
		_, err := transfer.Copy(ctx, path, u, transfer.Options{Progress: func(p transfer.Progress) {
			if p.Done && copied.Add(1) == 3 {
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Copy cancelled after %d tables = %v; want context.Canceled", copied.Load(), err)
		}
		checkPristine(t, u)
	})
	t.Run("a table reads back different", func(t *testing.T) {
		t.Parallel()
		u := pgtest.Database(t)
		openPostgres(t, u)
		execPostgres(t, u, `CREATE FUNCTION alter_value() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN NEW.value := NEW.value || ' '; RETURN NEW; END $$`,
			`CREATE TRIGGER alter_value BEFORE INSERT ON setting FOR EACH ROW EXECUTE FUNCTION alter_value()`)
		_, err := transfer.Copy(context.Background(), path, u, transfer.Options{})
		var me *transfer.MismatchError
		if !errors.As(err, &me) || me.Table != "setting" || me.SourceRows != me.TargetRows || me.SourceSum == me.TargetSum {
			t.Fatalf("Copy with settings altered on insert = %v; want a MismatchError on setting with equal counts and different sums", err)
		}
		checkPristine(t, u)
	})
}

func TestRefusesDifferentSchemas(t *testing.T) {
	pgtest.ServerURL(t)
	ctx := context.Background()
	_, path := openSQLite(t)
	for _, tc := range []struct {
		name, change, want string
	}{
		{"column in the target only", `ALTER TABLE setting ADD COLUMN note TEXT`, "column setting.note is in the target only"},
		{"table in the target only", `CREATE TABLE extra (id BIGINT PRIMARY KEY)`, "table extra is in the target only"},
		{"different type", `ALTER TABLE outbox ALTER COLUMN data TYPE TEXT`, "column outbox.data is BLOB in the source but text in the target"},
		{"migration this Herald lacks", `INSERT INTO schema_migration (version, applied_at) VALUES (9999, 0)`, "a newer Herald migrated it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := pgtest.Database(t)
			openPostgres(t, u)
			execPostgres(t, u, tc.change)
			_, err := transfer.Copy(ctx, path, u, transfer.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Copy after %q = %v; want an error saying %q", tc.change, err, tc.want)
			}
			checkPristine(t, u)
		})
	}
}

// TestCopyWhileTheServerWrites copies a source that keeps taking signups:
// the copy is of one moment, so it still verifies, and later signups stay
// behind in the source.
func TestCopyWhileTheServerWrites(t *testing.T) {
	pgtest.ServerURL(t)
	ctx := context.Background()
	src, path := openSQLite(t)
	fill(t, src)
	var batch []subscriber.Signup
	for i := range 3000 {
		batch = append(batch, subscriber.Signup{Email: "bulk" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + time.Duration(i).String() + "@example.com",
			Newsletters: []int64{1}, Source: "/", At: t0})
	}
	must(t, "RecordSignups(3000)", src.RecordSignups(ctx, batch, time.Hour))
	u := pgtest.Database(t)

	stop := make(chan struct{})
	written := make(chan int)
	go func() {
		n := 0
		defer func() { written <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			email := "late-" + time.Now().Format("150405.000000000") + "@example.com"
			if err := src.RecordSignups(ctx, []subscriber.Signup{{Email: email, Newsletters: []int64{1}, At: t0}}, time.Hour); err != nil {
				t.Errorf("RecordSignups(%s) during the copy = %v", email, err)
				return
			}
			n++
		}
	}()
	report, err := transfer.Copy(ctx, path, u, transfer.Options{})
	close(stop)
	late := <-written
	if err != nil {
		t.Fatalf("Copy while the source takes signups = %v", err)
	}
	var copied int64
	for _, tb := range report.Tables {
		if tb.Name == "subscriber" {
			copied = tb.Rows
		}
	}
	subs, err := src.LastSubscriberID(ctx)
	must(t, "LastSubscriberID", err)
	if got := counts(t, u)["subscriber"]; got != copied || copied > subs {
		t.Errorf("target has %d subscribers, the report %d, the source %d after %d late signups", got, copied, subs, late)
	}
	t.Logf("%d signups written to the source during the copy; %d of %d subscribers copied", late, copied, subs)
}

func TestMissingSource(t *testing.T) {
	_, err := transfer.Copy(context.Background(), filepath.Join(t.TempDir(), "nope.db"), "postgres://127.0.0.1:1/x", transfer.Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Copy from a missing file = %v; want an error wrapping os.ErrNotExist", err)
	}
}

// TestCopyNeverGivesAnErasedID: the newest subscriber, erased before the
// move, keeps their ID to themselves on PostgreSQL too.
func TestCopyNeverGivesAnErasedID(t *testing.T) {
	pgtest.ServerURL(t)
	ctx := context.Background()
	src, path := openSQLite(t)
	for _, email := range []string{"ana@example.com", "bo@example.com"} {
		must(t, "RecordSignups", src.RecordSignups(ctx, []subscriber.Signup{{Email: email, Newsletters: []int64{1}, At: t0}}, time.Hour))
	}
	bo, err := src.SubscriberByEmail(ctx, "bo@example.com")
	must(t, "SubscriberByEmail", err)
	must(t, "EraseSubscriber", src.EraseSubscriber(ctx, bo.ID, "erased:bo", "erased on request", t0))
	u := pgtest.Database(t)
	if _, err := transfer.Copy(ctx, path, u, transfer.Options{}); err != nil {
		t.Fatalf("Copy(%s) = %v", path, err)
	}
	dst := openPostgres(t, u)
	must(t, "RecordSignups", dst.RecordSignups(ctx, []subscriber.Signup{{Email: "cy@example.com", Newsletters: []int64{1}, At: t0}}, time.Hour))
	if cy, err := dst.SubscriberByEmail(ctx, "cy@example.com"); err != nil || cy.ID <= bo.ID {
		t.Errorf("the first subscriber after the move got ID %d (%v); the erased one had %d", cy.ID, err, bo.ID)
	}
}
