package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"herald/internal/delivery"
)

// testOddTextReadsBackAlike stores text from outside that is not valid
// UTF-8 or holds NUL: a mail server's answer in Latin-1, a signup form's
// page path. PostgreSQL cannot hold such bytes, so both stores keep the
// text with each invalid byte as U+FFFD and without NUL, and read it back
// the same; a database moved from one engine to the other then holds what
// it held before.
func testOddTextReadsBackAlike(t *testing.T, st AdminStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	in := signup("odd@example.org", now)
	in.Source, in.Wording = "/articles/caf\xe9", "Send it\x00 to me"
	recordSignups(t, st, time.Hour, in)
	list, err := st.SearchSubscribers(ctx, "odd@example.org", "", 0, "", 0, 2)
	if err != nil || len(list) != 1 {
		t.Fatalf("SearchSubscribers(odd@example.org) = %d found, %v", len(list), err)
	}
	id := list[0].ID
	cs, err := st.Consents(ctx, id)
	admMust(t, "Consents", err)
	if len(cs) != 1 || cs[0].Source != "/articles/caf\uFFFD" || cs[0].Wording != "Send it to me" {
		t.Errorf("Consents(%d) after a signup from %q with wording %q = %+v; want source %q and wording %q",
			id, in.Source, in.Wording, cs, "/articles/caf\uFFFD", "Send it to me")
	}

	ds := claim(t, st, "w", now, time.Minute)
	if len(ds) != 1 {
		t.Fatalf("claimed %+v; want the confirmation email", ds)
	}
	long := strings.Repeat("é", 600) // 1,200 bytes: the text is cut to 1,000
	record(t, st, 1, delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Failed, At: now, Attempted: true,
		Code: 550, Status: "5.1.1\x00", Text: "Empf\xe4nger unbekannt " + long, MessageID: "<m\xff@example.org>", Suppress: true})
	_, rs, err := st.SubscriberLedger(ctx, id, 0, 10)
	admMust(t, "SubscriberLedger", err)
	wantText := "Empf\uFFFDnger unbekannt " + strings.Repeat("é", 489) // the first 1,000 bytes
	if len(rs) != 1 || rs[0].Status != "5.1.1" || rs[0].Text != wantText || rs[0].MessageID != "<m\uFFFD@example.org>" {
		t.Errorf("SubscriberLedger(%d) after a bounce in Latin-1 = %+v; want status 5.1.1, text %q, message ID %q",
			id, rs, wantText, "<m\uFFFD@example.org>")
	}
	if got, err := st.IsSuppressed(ctx, "odd@example.org"); err != nil || !got {
		t.Errorf("IsSuppressed(odd@example.org) = %v, %v after a bounce with odd text; want true", got, err)
	}
}
