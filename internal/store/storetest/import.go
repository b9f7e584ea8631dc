package storetest

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"herald/internal/delivery"
	"herald/internal/subscriber"
)

func importRows(t *testing.T, st Store, opts subscriber.ImportOptions, rows ...subscriber.ImportRow) subscriber.ImportResult {
	t.Helper()
	res, err := st.ImportSubscribers(context.Background(), 1, rows, opts)
	if err != nil {
		t.Fatalf("ImportSubscribers(%d rows, %+v) = %v", len(rows), opts, err)
	}
	slices.SortFunc(res.Skips, func(a, b subscriber.RowError) int { return cmp.Compare(a.Line, b.Line) })
	return res
}

// exported maps each address of the default newsletter to its export row.
func exported(t *testing.T, st Store) map[string]subscriber.ExportRow {
	t.Helper()
	m := map[string]subscriber.ExportRow{}
	var after int64
	for range 100 {
		page, err := st.ExportSubscribers(context.Background(), 1, after, 2)
		if err != nil {
			t.Fatalf("ExportSubscribers(1, %d, 2) = %v", after, err)
		}
		if len(page) == 0 {
			return m
		}
		for _, r := range page {
			if r.ID <= after {
				t.Fatalf("ExportSubscribers(1, %d, 2) returned ID %d", after, r.ID)
			}
			m[r.Email], after = r, r.ID
		}
	}
	t.Fatalf("ExportSubscribers never reached the end")
	return nil
}

func testImportAndExport(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	// Before the import: old@ is pending, gone@ left, bounce@ bounced.
	recordSignups(t, st, time.Hour, signup("old@example.com", t0), signup("gone@example.com", t0), signup("bounce@example.com", t0))
	ds := claim(t, st, "w", t0, time.Minute)
	if len(ds) != 3 {
		t.Fatalf("claimed %+v; want three confirmation emails", ds)
	}
	record(t, st, 3,
		delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Sent, At: t0},
		delivery.Result{ID: ds[1].ID, Fence: ds[1].Fence, State: delivery.Sent, At: t0},
		delivery.Result{ID: ds[2].ID, Fence: ds[2].Fence, State: delivery.Failed, At: t0, Code: 550, Status: "5.1.1", Suppress: true})
	gone := ds[1].SubscriberID
	if _, err := st.UnsubscribeSubscriber(ctx, gone, 0, subscriber.Consent{SubscriberID: gone, Action: subscriber.ConsentUnsubscribe, At: t0}); err != nil {
		t.Fatalf("UnsubscribeSubscriber(%d) = %v", gone, err)
	}
	since, err := st.LastSubscriberID(ctx)
	if err != nil || since != ds[2].SubscriberID {
		t.Fatalf("LastSubscriberID() = %d, %v; want %d", since, err, ds[2].SubscriberID)
	}

	t1 := t0.Add(time.Hour)
	opts := subscriber.ImportOptions{Source: "import list.csv", At: t1, Since: since}
	res := importRows(t, st, opts,
		subscriber.ImportRow{Line: 2, Email: "new1@example.com", Name: "Nia", Tags: []string{"a"}},
		subscriber.ImportRow{Line: 3, Email: "NEW1@example.com", Name: "Other", Tags: []string{"b", "a"}},
		subscriber.ImportRow{Line: 4, Email: "old@example.com", Name: "Olu", Tags: []string{"x"}},
		subscriber.ImportRow{Line: 5, Email: "gone@example.com"},
		subscriber.ImportRow{Line: 6, Email: "bounce@example.com"},
		subscriber.ImportRow{Line: 7, Email: "left@example.com", Unsubscribed: true},
		subscriber.ImportRow{Line: 8, Email: "new2@example.com", Pending: true},
	)
	want := subscriber.ImportResult{Imported: 2, Updated: 1, Merged: 1, Skipped: 3, Skips: []subscriber.RowError{
		{Line: 5, Reason: subscriber.ReasonUnsubscribed},
		{Line: 6, Reason: subscriber.ReasonSuppressed},
		{Line: 7, Reason: subscriber.ReasonUnsubscribedFile},
	}}
	if diff := gocmp.Diff(want, res); diff != "" {
		t.Errorf("first import (-want +got):\n%s", diff)
	}
	got := exported(t, st)
	for email, want := range map[string]subscriber.ExportRow{
		"old@example.com":    {Name: "Olu", State: subscriber.Pending, Tags: []string{"x"}, CreatedAt: t0},
		"gone@example.com":   {State: subscriber.Unsubscribed, CreatedAt: t0},
		"bounce@example.com": {State: subscriber.Pending, CreatedAt: t0},
		"new1@example.com":   {Name: "Nia", State: subscriber.Pending, Tags: []string{"a", "b"}, CreatedAt: t1},
		"new2@example.com":   {State: subscriber.Pending, CreatedAt: t1},
	} {
		want.Email, want.ID = email, got[email].ID
		if diff := gocmp.Diff(want, got[email]); diff != "" {
			t.Errorf("export of %s after the first import (-want +got):\n%s", email, diff)
		}
	}
	if len(got) != 5 {
		t.Errorf("export after the first import has %d addresses, want 5: %v", len(got), got)
	}
	cs, err := st.Consents(ctx, got["new1@example.com"].ID)
	wantConsent := []subscriber.Consent{{SubscriberID: got["new1@example.com"].ID, NewsletterID: 1, Action: subscriber.ConsentSignup,
		At: t1, Source: "import list.csv", Wording: subscriber.WordingImported}}
	if diff := gocmp.Diff(wantConsent, cs); err != nil || diff != "" {
		t.Errorf("Consents of new1 = %v (-want +got):\n%s", err, diff)
	}
	// An import never mails anyone.
	if ds := claim(t, st, "w", t1.Add(time.Hour), time.Minute); len(ds) != 0 {
		t.Errorf("the import queued %+v", ds)
	}

	// Vouching for consent confirms the pending, except whoever the file
	// says never confirmed; an address met again in a later chunk of the
	// same import is a repeat, not an update.
	since2, _ := st.LastSubscriberID(ctx)
	opts = subscriber.ImportOptions{Confirmed: true, Source: "import vouched.csv", At: t1.Add(time.Hour), Since: since2}
	res = importRows(t, st, opts,
		subscriber.ImportRow{Line: 2, Email: "old@example.com", Tags: []string{"x"}},
		subscriber.ImportRow{Line: 3, Email: "new1@example.com"},
		subscriber.ImportRow{Line: 4, Email: "new2@example.com", Pending: true},
		subscriber.ImportRow{Line: 5, Email: "new3@example.com"},
	)
	if diff := gocmp.Diff(subscriber.ImportResult{Imported: 1, Updated: 2, Unchanged: 1}, res); diff != "" {
		t.Errorf("second import (-want +got):\n%s", diff)
	}
	res = importRows(t, st, opts, subscriber.ImportRow{Line: 6, Email: "new3@example.com", Name: "Late"})
	if diff := gocmp.Diff(subscriber.ImportResult{Merged: 1}, res); diff != "" {
		t.Errorf("second chunk of the second import (-want +got):\n%s", diff)
	}
	got = exported(t, st)
	for email, want := range map[string]subscriber.State{
		"old@example.com": subscriber.Confirmed, "new1@example.com": subscriber.Confirmed,
		"new2@example.com": subscriber.Pending, "new3@example.com": subscriber.Confirmed,
	} {
		if got[email].State != want {
			t.Errorf("state of %s after vouching = %s, want %s", email, got[email].State, want)
		}
	}
	cs, _ = st.Consents(ctx, got["old@example.com"].ID)
	if len(cs) != 2 || cs[1].Action != subscriber.ConsentConfirm || cs[1].Wording != subscriber.WordingImportedConfirmed || cs[1].Source != "import vouched.csv" {
		t.Errorf("Consents of old = %+v; want its signup and the vouched confirmation", cs)
	}
	if _, err := st.ImportSubscribers(ctx, 1<<40, []subscriber.ImportRow{{Line: 2, Email: "x@example.com"}}, opts); err == nil {
		t.Errorf("ImportSubscribers(newsletter 1<<40) succeeded, want an error")
	}
}

// testImporterInFileOrder imports a file in chunks of three rows with the
// given number of writers: the totals come chunk by chunk and the skipped
// rows line by line, in the order of the file, and an address repeated in
// another chunk is merged, whichever writer has it.
func testImporterInFileOrder(t *testing.T, st Store, workers int) {
	ctx := context.Background()
	file := "email,tags\n" +
		"c@example.org,x\nb@example.org,\na@example.org,\n" +
		"bad1,\nbad2,\nbad3,\n" +
		"A@example.org,y\nd@example.org,\nbad4,\n" +
		"e@example.org,\nC@example.org,z\nf@example.org,\n" +
		"g@example.org,"
	r, err := subscriber.NewImportReader(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var skipped, chunks []int
	im := &subscriber.Importer{
		Store: st, NewsletterID: 1, ChunkSize: 3, Workers: workers,
		Options: subscriber.ImportOptions{Source: "import t.csv", At: time.Now()},
		OnSkip:  func(e subscriber.RowError) { skipped = append(skipped, e.Line) },
		OnChunk: func(total subscriber.ImportResult) { chunks = append(chunks, total.Read) },
	}
	res, err := im.Run(ctx, r)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := subscriber.ImportResult{Read: 13, Imported: 7, Merged: 2, Skipped: 4, Bytes: int64(len(file))}
	if diff := gocmp.Diff(want, res); diff != "" {
		t.Errorf("Run result (-want +got):\n%s", diff)
	}
	if diff := gocmp.Diff([]int{5, 6, 7, 10}, skipped); diff != "" {
		t.Errorf("skipped lines, in file order (-want +got):\n%s", diff)
	}
	if diff := gocmp.Diff([]int{3, 6, 9, 12, 13}, chunks); diff != "" {
		t.Errorf("running totals of rows read after each chunk (-want +got):\n%s", diff)
	}
	got := exported(t, st)
	if len(got) != 7 {
		t.Fatalf("exported %d subscribers; want 7: %+v", len(got), got)
	}
	for email, tags := range map[string][]string{"a@example.org": {"y"}, "c@example.org": {"x", "z"}, "g@example.org": nil} {
		row, ok := got[email]
		if !ok {
			t.Errorf("%s was not imported", email)
			continue
		}
		slices.Sort(row.Tags)
		if !slices.Equal(tags, row.Tags) {
			t.Errorf("tags of %s = %q; want %q", email, row.Tags, tags)
		}
	}
}

// testImportLanguage holds an import's language to the addresses it stores
// anew: one stored before keeps the language it has.
func testImportLanguage(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	de := subscriber.ImportOptions{Confirmed: true, Source: "test", At: t0, Language: "de"}
	importRows(t, st, de, subscriber.ImportRow{Line: 2, Email: "known@example.com"})
	fr := subscriber.ImportOptions{Confirmed: true, Source: "test", At: t0.Add(time.Minute), Language: "fr"}
	importRows(t, st, fr, subscriber.ImportRow{Line: 2, Email: "known@example.com"}, subscriber.ImportRow{Line: 3, Email: "new@example.com"})
	for lang, want := range map[string]int{"de": 1, "fr": 1} {
		if n, err := st.AudienceSize(ctx, 1, lang, nil); err != nil || n != want {
			t.Errorf("AudienceSize(1, %q) after imports in de then fr = %d, %v; want %d", lang, n, err, want)
		}
	}

	// A language column names each row's own: it is given to an address
	// stored anew in place of the import's, and fills an empty one, but
	// never replaces a language the subscriber has.
	recordSignups(t, st, time.Hour, signup("bare@example.com", t0))
	since, _ := st.LastSubscriberID(ctx)
	it := subscriber.ImportOptions{Confirmed: true, Source: "test", At: t0.Add(2 * time.Minute), Since: since, Language: "fr"}
	res := importRows(t, st, it,
		subscriber.ImportRow{Line: 2, Email: "known@example.com", Language: "it"},
		subscriber.ImportRow{Line: 3, Email: "bare@example.com", Language: "it"},
		subscriber.ImportRow{Line: 4, Email: "row@example.com", Language: "es"},
		subscriber.ImportRow{Line: 5, Email: "row@example.com", Language: "pt"},
		subscriber.ImportRow{Line: 6, Email: "plain@example.com"},
		subscriber.ImportRow{Line: 7, Email: "new@example.com", Language: "it"},
	)
	// known@ and new@ are confirmed already and keep their languages;
	// bare@ is confirmed by this import.
	if diff := gocmp.Diff(subscriber.ImportResult{Imported: 2, Updated: 1, Unchanged: 2, Merged: 1}, res); diff != "" {
		t.Errorf("import with a language column (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for email, r := range exported(t, st) {
		got[email] = r.Language
	}
	want := map[string]string{"known@example.com": "de", "new@example.com": "fr", "bare@example.com": "it",
		"row@example.com": "es", "plain@example.com": "fr"}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("languages exported after the import with a language column (-want +got):\n%s", diff)
	}

	// An address stored before whose only change is its empty language
	// filled counts as updated.
	recordSignups(t, st, time.Hour, signup("late@example.com", t0))
	since, _ = st.LastSubscriberID(ctx)
	it.Since, it.Confirmed = since, false
	res = importRows(t, st, it, subscriber.ImportRow{Line: 2, Email: "late@example.com", Language: "nl"})
	if diff := gocmp.Diff(subscriber.ImportResult{Updated: 1}, res); diff != "" {
		t.Errorf("import filling late@'s language (-want +got):\n%s", diff)
	}
	if r := exported(t, st)["late@example.com"]; r.Language != "nl" {
		t.Errorf("late@ exported with language %q; want nl", r.Language)
	}
}
