package postgres_test

import (
	"context"
	"testing"
	"time"

	"herald/internal/subscriber"
)

// A signup group is one transaction although it is sent as one batch
// without BEGIN and COMMIT: when its last statement fails, the rows its
// first statements wrote are gone too.
func TestASignupGroupThatFailsLeavesNothing(t *testing.T) {
	ctx := context.Background()
	st, conn := openWithConn(t)
	// The confirmation email is queued by the group's last statement; make
	// the queue refuse it.
	if _, err := conn.Exec(ctx, `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'queue refused'; END $$;
		CREATE TRIGGER refuse BEFORE INSERT ON delivery FOR EACH ROW EXECUTE FUNCTION refuse()`); err != nil {
		t.Fatal(err)
	}
	batch := []subscriber.Signup{
		{Email: "one@example.com", Newsletters: []int64{1}, At: time.Now(), Source: "/", Wording: "yes"},
		{Email: "two@example.com", Newsletters: []int64{1}, At: time.Now(), Source: "/", Wording: "yes"},
	}
	if err := st.RecordSignups(ctx, batch, time.Hour); err == nil {
		t.Fatal("RecordSignups succeeded although the queue refused the emails")
	}
	for _, table := range []string{"subscriber", "subscription", "consent", "delivery"} {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows left in %s after the failed group, want 0", n, table)
		}
	}
	// The pool's connection is usable again, and a group without the
	// trigger goes through whole.
	if _, err := conn.Exec(ctx, `DROP TRIGGER refuse ON delivery`); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordSignups(ctx, batch, time.Hour); err != nil {
		t.Fatalf("RecordSignups after the failure = %v", err)
	}
}
