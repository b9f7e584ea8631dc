package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/store"
	"herald/internal/subscriber"
)

// importConfirmed adds confirmed subscribers of the default newsletter
// without queueing any mail.
func importConfirmed(t *testing.T, st Store, at time.Time, rows ...subscriber.ImportRow) {
	t.Helper()
	for i := range rows {
		rows[i].Line = i + 2
	}
	opts := subscriber.ImportOptions{Confirmed: true, Source: "test", At: at}
	if _, err := st.ImportSubscribers(context.Background(), 1, rows, opts); err != nil {
		t.Fatalf("ImportSubscribers(%d rows, %+v) = %v", len(rows), opts, err)
	}
}

func createCampaign(t *testing.T, st Store, c campaign.Campaign) int64 {
	t.Helper()
	id, err := st.CreateCampaign(context.Background(), &c)
	if err != nil {
		t.Fatalf("CreateCampaign(%q) = %v", c.Subject, err)
	}
	return id
}

func getCampaign(t *testing.T, st Store, id int64) campaign.Campaign {
	t.Helper()
	c, err := st.Campaign(context.Background(), id)
	if err != nil {
		t.Fatalf("Campaign(%d) = %v", id, err)
	}
	return c
}

func move(t *testing.T, st Store, id int64, to campaign.State, at, sendAt time.Time) {
	t.Helper()
	if err := st.MoveCampaign(context.Background(), id, to, at, sendAt); err != nil {
		t.Fatalf("MoveCampaign(%d, %s) = %v", id, to, err)
	}
}

// freezeAll freezes the whole audience in chunks of n.
func freezeAll(t *testing.T, st Store, id int64, n int, now time.Time) {
	t.Helper()
	for range 1000 {
		_, done, err := st.FreezeChunk(context.Background(), id, n, now)
		if err != nil {
			t.Fatalf("FreezeChunk(%d, %d) = %v", id, n, err)
		}
		if done {
			return
		}
	}
	t.Fatalf("FreezeChunk(%d, %d) never finished", id, n)
}

func testCampaignLifecycle(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	a1 := save(t, st, article.Article{Title: "First", PublishedAt: t0.Add(-time.Hour)})
	a2 := save(t, st, article.Article{Title: "Second", PublishedAt: t0.Add(-time.Hour)})
	importConfirmed(t, st, t0,
		subscriber.ImportRow{Email: "a@example.com", Name: "Ann", Tags: []string{"news"}},
		subscriber.ImportRow{Email: "b@example.com", Name: "Bo", Tags: []string{"sport"}},
		subscriber.ImportRow{Email: "c@example.com"},
		subscriber.ImportRow{Email: "p@example.com", Pending: true})

	want := campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "Issue 1", Preheader: "Inside",
		Markdown: "Hello", ArticleMode: campaign.Teaser, ArticleIDs: []int64{a2.ID, a1.ID},
		AudienceTags: []string{"news", "sport"}, State: campaign.Draft}
	id := createCampaign(t, st, want)
	want.ID = id
	ignoreStamps := cmpopts.IgnoreFields(campaign.Campaign{}, "CreatedAt", "UpdatedAt")
	if diff := cmp.Diff(want, getCampaign(t, st, id), ignoreStamps); diff != "" {
		t.Errorf("Campaign(%d) after CreateCampaign (-want +got):\n%s", id, diff)
	}
	// The audience as it stands, before sending: confirmed, with one of
	// the tags, as the freeze below writes it; in a language none has
	// stored, no one.
	for _, c := range []struct {
		lang string
		tags []string
		want int
	}{{"", []string{"news", "sport"}, 2}, {"", nil, 3}, {"fr", nil, 0}} {
		if n, err := st.AudienceSize(ctx, 1, c.lang, c.tags); err != nil || n != c.want {
			t.Errorf("AudienceSize(1, %q, %v) = %d, %v; want %d", c.lang, c.tags, n, err, c.want)
		}
	}
	other := createCampaign(t, st, campaign.Campaign{NewsletterID: 1, Subject: "Other", Markdown: "x", Kind: campaign.Manual, ArticleMode: campaign.Full, State: campaign.Draft})
	if list, err := st.ListCampaigns(ctx, 0, 10); err != nil || len(list) != 2 || list[0].ID != other || list[1].ID != id {
		t.Errorf("ListCampaigns(0, 10) = %+v, %v; want campaigns %d then %d", list, err, other, id)
	}
	if list, err := st.ListCampaigns(ctx, other, 10); err != nil || len(list) != 1 || list[0].ID != id {
		t.Errorf("ListCampaigns(%d, 10) = %+v, %v; want campaign %d", other, list, err, id)
	}
	if _, err := st.Campaign(ctx, 1<<40); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("Campaign(1<<40) error = %v, want campaign.ErrNotFound", err)
	}
	if err := st.MoveCampaign(ctx, id, campaign.Sent, t0, time.Time{}); !errors.Is(err, campaign.ErrState) {
		t.Errorf("MoveCampaign(draft to sent) error = %v, want campaign.ErrState", err)
	}
	if err := st.MoveCampaign(ctx, 1<<40, campaign.Sending, t0, time.Time{}); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("MoveCampaign(1<<40) error = %v, want campaign.ErrNotFound", err)
	}

	// A campaign taken back to draft is no longer to be sent at its time,
	// and one then sent at once was never sent at it.
	move(t, st, id, campaign.Scheduled, t0, t0.Add(2*time.Hour))
	move(t, st, id, campaign.Draft, t0, time.Time{})
	if c := getCampaign(t, st, id); !c.SendAt.IsZero() {
		t.Errorf("send_at after unscheduling = %v; want none", c.SendAt)
	}
	move(t, st, id, campaign.Scheduled, t0, t0.Add(time.Hour))
	if ids, err := st.DueCampaigns(ctx, t0.Add(time.Minute)); err != nil || len(ids) != 0 {
		t.Errorf("DueCampaigns before its time = %v, %v; want none", ids, err)
	}
	if ids, err := st.DueCampaigns(ctx, t0.Add(time.Hour)); err != nil || !cmp.Equal(ids, []int64{id}) {
		t.Errorf("DueCampaigns at its time = %v, %v; want [%d]", ids, err, id)
	}
	// Starting is conditional on being scheduled and due at that moment:
	// a campaign found due and then taken back to draft, or moved, stays.
	if err := st.StartDue(ctx, id, t0.Add(time.Minute)); !errors.Is(err, campaign.ErrState) {
		t.Errorf("StartDue before its time = %v, want campaign.ErrState", err)
	}
	move(t, st, id, campaign.Draft, t0, time.Time{})
	if err := st.StartDue(ctx, id, t0.Add(time.Hour)); !errors.Is(err, campaign.ErrState) {
		t.Errorf("StartDue of a campaign taken back to draft = %v, want campaign.ErrState", err)
	}
	move(t, st, id, campaign.Scheduled, t0, t0.Add(time.Hour))
	if err := st.StartDue(ctx, id, t0.Add(time.Hour)); err != nil {
		t.Fatalf("StartDue at its time = %v", err)
	}
	if err := st.StartDue(ctx, id, t0.Add(time.Hour)); !errors.Is(err, campaign.ErrState) {
		t.Errorf("StartDue twice = %v, want campaign.ErrState", err)
	}
	if ids, err := st.DueCampaigns(ctx, t0.Add(time.Hour)); err != nil || len(ids) != 0 {
		t.Errorf("DueCampaigns once it started = %v, %v; want none", ids, err)
	}
	if ids, err := st.CampaignsToFreeze(ctx); err != nil || !cmp.Equal(ids, []int64{id}) {
		t.Errorf("CampaignsToFreeze() = %v, %v; want [%d]", ids, err, id)
	}
	// The audience: confirmed, with one of the tags; p is pending, c untagged.
	for i, want := range []struct {
		added int
		done  bool
	}{{1, false}, {1, false}, {0, true}} {
		added, done, err := st.FreezeChunk(ctx, id, 1, t0.Add(time.Hour))
		if err != nil || added != want.added || done != want.done {
			t.Errorf("FreezeChunk call %d = %d, %v, %v; want %d, %v", i+1, added, done, err, want.added, want.done)
		}
	}
	c := getCampaign(t, st, id)
	if c.State != campaign.Sending || c.Total != 2 || !c.FrozenAt.Equal(t0.Add(time.Hour)) || !c.StartedAt.Equal(t0.Add(time.Hour)) || !c.SendAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("Campaign(%d) after freezing = %+v; want sending, total 2, started, sent and frozen at %v", id, c, t0.Add(time.Hour))
	}
	if ids, err := st.CampaignsToFreeze(ctx); err != nil || len(ids) != 0 {
		t.Errorf("CampaignsToFreeze() after freezing = %v, %v; want none", ids, err)
	}

	at := t0.Add(time.Hour)
	ds := claim(t, st, "w", at, time.Minute)
	wantClaim := []delivery.Delivery{
		{Kind: delivery.KindCampaign, CampaignID: id, Recipient: "a@example.com", Name: "Ann", Subscribed: true, CreatedAt: at},
		{Kind: delivery.KindCampaign, CampaignID: id, Recipient: "b@example.com", Name: "Bo", Subscribed: true, CreatedAt: at},
	}
	if diff := cmp.Diff(wantClaim, ds, cmpopts.IgnoreFields(delivery.Delivery{}, "ID", "Fence", "SubscriberID")); diff != "" {
		t.Fatalf("claimed campaign deliveries (-want +got):\n%s", diff)
	}
	// a bounces hard; b leaves before its retry, which is then skipped.
	record(t, st, 2,
		delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Failed, At: at, Code: 550, Status: "5.1.1", Suppress: true, Attempted: true},
		delivery.Result{ID: ds[1].ID, Fence: ds[1].Fence, State: delivery.Queued, NextAttempt: at.Add(time.Minute), FirstAttempt: at, At: at, Code: 421, Attempted: true})
	if _, err := st.UnsubscribeSubscriber(ctx, ds[1].SubscriberID, 1, subscriber.Consent{SubscriberID: ds[1].SubscriberID, Action: subscriber.ConsentUnsubscribe, At: at}); err != nil {
		t.Fatalf("UnsubscribeSubscriber(%d) = %v", ds[1].SubscriberID, err)
	}
	retry := claim(t, st, "w", at.Add(time.Minute), time.Minute)
	if len(retry) != 1 || retry[0].ID != ds[1].ID || retry[0].Subscribed || retry[0].Attempts != 1 {
		t.Fatalf("claimed %+v for the retry; want b's delivery, no longer subscribed, after 1 attempt", retry)
	}
	if ids, err := st.FinishCampaigns(ctx, at); err != nil || len(ids) != 0 {
		t.Errorf("FinishCampaigns with a delivery open = %v, %v; want none", ids, err)
	}
	record(t, st, 1, delivery.Result{ID: retry[0].ID, Fence: retry[0].Fence, State: delivery.Skipped, At: at.Add(time.Minute)})
	if ids, err := st.FinishCampaigns(ctx, at.Add(2*time.Minute)); err != nil || !cmp.Equal(ids, []int64{id}) {
		t.Errorf("FinishCampaigns() = %v, %v; want [%d]", ids, err, id)
	}
	c = getCampaign(t, st, id)
	if c.State != campaign.Sent || c.Sent != 0 || c.Failed != 1 || c.Skipped != 1 || c.Remaining() != 0 || !c.FinishedAt.Equal(at.Add(2*time.Minute)) {
		t.Errorf("Campaign(%d) when finished = %+v; want sent with 0 sent, 1 failed, 1 skipped, finished at %v", id, c, at.Add(2*time.Minute))
	}

	// A test send goes outside the ledger, and says when the address is
	// suppressed.
	if err := st.QueueTestSend(ctx, id, "A@example.com", at); err != nil {
		t.Fatalf("QueueTestSend(%d) = %v", id, err)
	}
	ds = claim(t, st, "w", at, time.Minute)
	if len(ds) != 1 || ds[0].Kind != delivery.KindCampaignTest || ds[0].CampaignID != id || ds[0].SubscriberID != 0 || !ds[0].Suppressed || ds[0].Subscribed {
		t.Fatalf("claimed %+v after a test send; want one campaign_test delivery to a suppressed address", ds)
	}
	record(t, st, 1, delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Sent, At: at})
	if c := getCampaign(t, st, id); c.Sent != 0 {
		t.Errorf("a test send counted in the campaign: sent = %d", c.Sent)
	}
	// Quotas count by the minute: the minute holding since counts whole.
	minute := at.Truncate(time.Minute)
	for since, want := range map[time.Time]int{at: 1, minute: 1, at.Add(-time.Hour): 1, minute.Add(time.Minute): 0} {
		if n, err := st.SentSince(ctx, since); err != nil || n != want {
			t.Errorf("SentSince(%v) = %d, %v; want %d", since, n, err, want)
		}
	}
}

func testCampaignPauseResume(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	importConfirmed(t, st, t0, subscriber.ImportRow{Email: "r1@example.com"}, subscriber.ImportRow{Email: "r2@example.com"}, subscriber.ImportRow{Email: "r3@example.com"})
	id := createCampaign(t, st, campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "Now", Markdown: "x", ArticleMode: campaign.Full, State: campaign.Sending})
	freezeAll(t, st, id, 10, t0)
	first, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "w", Now: t0, Lease: time.Minute, Limit: 1})
	if err != nil || len(first) != 1 {
		t.Fatalf("ClaimDeliveries(limit 1) = %+v, %v", first, err)
	}
	move(t, st, id, campaign.Paused, t0, time.Time{})
	if ds := claim(t, st, "w", t0, time.Minute); len(ds) != 0 {
		t.Errorf("claimed %+v from a paused campaign", ds)
	}
	// The lease runs out while paused: the row waits with the others.
	if ds := claim(t, st, "w", t0.Add(2*time.Minute), time.Minute); len(ds) != 0 {
		t.Errorf("claimed %+v from a paused campaign after a lease ran out", ds)
	}
	move(t, st, id, campaign.Sending, t0.Add(3*time.Minute), time.Time{})
	ds := claim(t, st, "w", t0.Add(3*time.Minute), time.Minute)
	if diff := cmp.Diff([]string{"r1@example.com", "r2@example.com", "r3@example.com"}, recipients(ds)); diff != "" {
		t.Fatalf("claimed after resuming (-want +got):\n%s", diff)
	}
	for _, d := range ds {
		if d.ID == first[0].ID && d.Fence <= first[0].Fence {
			t.Errorf("the row leased before the pause came back with fence %d, want above %d", d.Fence, first[0].Fence)
		}
	}
	record(t, st, 0, delivery.Result{ID: first[0].ID, Fence: first[0].Fence, State: delivery.Sent, At: t0, Attempted: true})
	var rs []delivery.Result
	for _, d := range ds {
		rs = append(rs, delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: t0.Add(3 * time.Minute), Attempted: true})
	}
	record(t, st, 3, rs...)
	if ids, err := st.FinishCampaigns(ctx, t0.Add(4*time.Minute)); err != nil || !cmp.Equal(ids, []int64{id}) {
		t.Errorf("FinishCampaigns() = %v, %v; want [%d]", ids, err, id)
	}
	if c := getCampaign(t, st, id); c.Sent != 3 || c.Total != 3 || c.State != campaign.Sent || !c.StartedAt.Equal(c.CreatedAt) {
		t.Errorf("Campaign(%d) = %+v; want sent 3 of 3, started when created", id, c)
	}
}

// testHandedBackWhilePausedIsHeld hands a row back unsent after its
// campaign was paused: it waits with the held rows, out of the queue, and
// goes out after the campaign resumes.
func testHandedBackWhilePausedIsHeld(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	importConfirmed(t, st, t0, subscriber.ImportRow{Email: "r1@example.com"}, subscriber.ImportRow{Email: "r2@example.com"})
	id := createCampaign(t, st, campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "Now", Markdown: "x", ArticleMode: campaign.Full, State: campaign.Sending})
	freezeAll(t, st, id, 10, t0)
	out := claim(t, st, "w", t0, time.Minute)
	if len(out) != 2 {
		t.Fatalf("claimed %+v, want both rows", out)
	}
	move(t, st, id, campaign.Paused, t0, time.Time{})
	if depth, _, err := st.QueueStats(ctx); err != nil || depth != 2 {
		t.Errorf("QueueStats() with two rows out with a worker = %d, %v; want 2 waiting", depth, err)
	}
	record(t, st, 2,
		delivery.Result{ID: out[0].ID, Fence: out[0].Fence, State: delivery.Queued, At: t0, NextAttempt: t0, FirstAttempt: t0},
		delivery.Result{ID: out[1].ID, Fence: out[1].Fence, State: delivery.Sent, At: t0, Attempted: true})
	if depth, _, err := st.QueueStats(ctx); err != nil || depth != 0 {
		t.Errorf("QueueStats() after the paused campaign's row came back = %d, %v; want 0: it is held", depth, err)
	}
	move(t, st, id, campaign.Sending, t0.Add(time.Minute), time.Time{})
	again := claim(t, st, "w", t0.Add(time.Minute), time.Minute)
	if len(again) != 1 || again[0].ID != out[0].ID || again[0].LeaseExpired {
		t.Errorf("claimed after resuming = %+v; want row %d, its lease not counted as lapsed", again, out[0].ID)
	}
}

func testCampaignCancelSkipsTheRest(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	importConfirmed(t, st, t0, subscriber.ImportRow{Email: "r1@example.com"}, subscriber.ImportRow{Email: "r2@example.com"}, subscriber.ImportRow{Email: "r3@example.com"})
	id := createCampaign(t, st, campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "Now", Markdown: "x", ArticleMode: campaign.Full, State: campaign.Sending})
	freezeAll(t, st, id, 10, t0)
	inFlight, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "w", Now: t0, Lease: time.Minute, Limit: 1})
	if err != nil || len(inFlight) != 1 {
		t.Fatalf("ClaimDeliveries(limit 1) = %+v, %v", inFlight, err)
	}
	move(t, st, id, campaign.Paused, t0, time.Time{})
	move(t, st, id, campaign.Cancelled, t0.Add(time.Second), time.Time{})
	if err := st.MoveCampaign(ctx, id, campaign.Sending, t0, time.Time{}); !errors.Is(err, campaign.ErrState) {
		t.Errorf("MoveCampaign(cancelled to sending) error = %v, want campaign.ErrState", err)
	}
	// The message in flight still gets its outcome; until then it is
	// counted as in flight, and after its lease it is not.
	for _, tc := range []struct {
		at   time.Time
		want int
	}{{t0.Add(time.Second), 1}, {t0.Add(time.Hour), 0}} {
		if n, err := st.CampaignInFlight(ctx, id, tc.at); err != nil || n != tc.want {
			t.Errorf("CampaignInFlight(%d, %v) after cancelling = %d, %v; want %d", id, tc.at.Sub(t0), n, err, tc.want)
		}
	}
	record(t, st, 1, delivery.Result{ID: inFlight[0].ID, Fence: inFlight[0].Fence, State: delivery.Sent, At: t0, Attempted: true})
	if n, err := st.CampaignInFlight(ctx, id, t0.Add(time.Second)); err != nil || n != 0 {
		t.Errorf("CampaignInFlight(%d) once its answer is written = %d, %v; want 0", id, n, err)
	}
	if ds := claim(t, st, "w", t0.Add(time.Hour), time.Minute); len(ds) != 0 {
		t.Errorf("claimed %+v from a cancelled campaign", ds)
	}
	c := getCampaign(t, st, id)
	if c.State != campaign.Cancelled || c.Sent != 1 || c.Skipped != 2 || !c.FinishedAt.Equal(t0.Add(time.Second)) {
		t.Errorf("Campaign(%d) after cancelling = %+v; want cancelled, 1 sent, 2 skipped, finished at %v", id, c, t0.Add(time.Second))
	}
	if ids, err := st.FinishCampaigns(ctx, t0.Add(time.Hour)); err != nil || len(ids) != 0 {
		t.Errorf("FinishCampaigns() = %v, %v; want none: a cancelled campaign stays cancelled", ids, err)
	}
}

// testCancelledRowsComingBackAreSkipped: a row out with a worker when its
// campaign was cancelled, whose answer hands it back or defers it, is
// skipped then, not left queued for a campaign that will never send again.
func testCancelledRowsComingBackAreSkipped(t *testing.T, st AdminStore) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	importConfirmed(t, st, t0, subscriber.ImportRow{Email: "r1@example.com"}, subscriber.ImportRow{Email: "r2@example.com"}, subscriber.ImportRow{Email: "r3@example.com"})
	id := createCampaign(t, st, campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "Now", Markdown: "x", ArticleMode: campaign.Full, State: campaign.Sending})
	freezeAll(t, st, id, 10, t0)
	out := claim(t, st, "w", t0, time.Minute)
	if len(out) != 3 {
		t.Fatalf("claimed %+v, want the three rows", out)
	}
	move(t, st, id, campaign.Cancelled, t0.Add(time.Second), time.Time{})
	at := t0.Add(2 * time.Second)
	record(t, st, 3,
		delivery.Result{ID: out[0].ID, Fence: out[0].Fence, State: delivery.Queued, At: at, NextAttempt: at, FirstAttempt: out[0].FirstAttemptAt},
		delivery.Result{ID: out[1].ID, Fence: out[1].Fence, State: delivery.Queued, At: at, NextAttempt: at.Add(time.Minute), FirstAttempt: at,
			Attempted: true, Code: 451, Text: "try later"},
		delivery.Result{ID: out[2].ID, Fence: out[2].Fence, State: delivery.Sent, At: at, Attempted: true})
	for _, d := range out[:2] {
		list, _, err := st.CampaignLedger(ctx, id, delivery.Skipped, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(list, func(l delivery.Delivery) bool { return l.ID == d.ID }) {
			t.Errorf("delivery %d (%s) of the cancelled campaign, handed back or deferred, is not skipped: skipped rows %+v", d.ID, d.Recipient, list)
		}
	}
	if queued, _, err := st.CampaignLedger(ctx, id, delivery.Queued, 0, 10); err != nil || len(queued) != 0 {
		t.Errorf("queued rows of the cancelled campaign = %+v, %v; want none", queued, err)
	}
	if c := getCampaign(t, st, id); c.Sent != 1 || c.Skipped != 2 || c.Remaining() != 0 {
		t.Errorf("Campaign(%d) = sent %d, skipped %d, remaining %d; want 1, 2, 0", id, c.Sent, c.Skipped, c.Remaining())
	}
	if n, err := st.CampaignInFlight(ctx, id, at); err != nil || n != 0 {
		t.Errorf("CampaignInFlight(%d) = %d, %v; want 0", id, n, err)
	}
}

// testFreezeConcurrently freezes one audience from four processes at once:
// every subscriber gets exactly one row.
func testFreezeConcurrently(t *testing.T, st Store) {
	const audience, workers = 60, 4
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	var rows []subscriber.ImportRow
	for i := range audience {
		rows = append(rows, subscriber.ImportRow{Email: fmt.Sprintf("f%03d@example.com", i)})
	}
	importConfirmed(t, st, t0, rows...)
	id := createCampaign(t, st, campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: "All", Markdown: "x", ArticleMode: campaign.Full, State: campaign.Sending})
	race(t, st, workers, func(int) {
		for {
			_, done, err := st.FreezeChunk(ctx, id, 7, t0)
			if err != nil {
				t.Errorf("FreezeChunk(%d, 7) = %v", id, err)
				return
			}
			if done {
				return
			}
		}
	})
	if c := getCampaign(t, st, id); c.Total != audience || c.FrozenAt.IsZero() {
		t.Errorf("Campaign(%d) after %d workers froze it = total %d, frozen at %v; want %d and a time", id, workers, c.Total, c.FrozenAt, audience)
	}
	seen := map[string]bool{}
	for _, d := range claim(t, st, "w", t0, time.Minute) {
		if seen[d.Recipient] {
			t.Errorf("%s has two deliveries", d.Recipient)
		}
		seen[d.Recipient] = true
	}
	if len(seen) != audience {
		t.Errorf("claimed deliveries for %d addresses, want %d", len(seen), audience)
	}
}

func testNewslettersAndDigestClock(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	n := subscriber.Newsletter{Slug: "sport", Name: "Sport", Description: "Scores", SenderName: "Desk", SenderEmail: "sport@example.com",
		ReplyTo: "desk@example.com", Language: "fr", CreatedAt: t0, Digest: "weekly", DigestTime: "08:30", DigestWeekday: 5, Timezone: "Europe/Paris"}
	id, err := st.CreateNewsletter(ctx, &n)
	if err != nil {
		t.Fatalf("CreateNewsletter(sport) = %v", err)
	}
	n.ID = id
	if _, err := st.CreateNewsletter(ctx, &subscriber.Newsletter{Slug: "sport", Name: "Again", CreatedAt: t0}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("CreateNewsletter(sport) again error = %v, want store.ErrDuplicate", err)
	}
	nls, err := st.Newsletters(ctx)
	if err != nil || len(nls) != 2 {
		t.Fatalf("Newsletters() = %+v, %v; want the default and sport", nls, err)
	}
	if diff := cmp.Diff(n, nls[1]); diff != "" {
		t.Errorf("Newsletters()[1] (-want +got):\n%s", diff)
	}

	// Processes racing on the digest clock create one digest.
	const racers = 8
	var won atomic.Int32
	race(t, st, racers, func(i int) {
		c := &campaign.Campaign{NewsletterID: id, Kind: campaign.Digest, Subject: fmt.Sprintf("Digest %d", i), Markdown: "x",
			ArticleMode: campaign.Teaser, State: campaign.Sending}
		ok, err := st.RecordDigest(ctx, id, time.Time{}, t0, c)
		if err != nil {
			t.Errorf("RecordDigest(%d) = %v", id, err)
		}
		if ok {
			won.Add(1)
		}
	})
	list, err := st.ListCampaigns(ctx, 0, 100)
	if err != nil {
		t.Fatalf("ListCampaigns() = %v", err)
	}
	if won.Load() != 1 || len(list) != 1 || list[0].Kind != campaign.Digest || list[0].NewsletterID != id {
		t.Errorf("%d processes advanced the digest clock: %d won, campaigns %+v; want one win and one digest", racers, won.Load(), list)
	}
	nls, _ = st.Newsletters(ctx)
	if len(nls) != 2 || !nls[1].LastDigestAt.Equal(t0) {
		t.Errorf("Newsletters()[1].LastDigestAt = %+v; want %v", nls, t0)
	}
	// The clock moves on without a campaign when there is nothing to send.
	if ok, err := st.RecordDigest(ctx, id, t0, t0.Add(time.Hour), nil); err != nil || !ok {
		t.Errorf("RecordDigest(nothing to send) = %v, %v; want the clock advanced", ok, err)
	}
	if ok, err := st.RecordDigest(ctx, id, t0, t0.Add(2*time.Hour), nil); err != nil || ok {
		t.Errorf("RecordDigest(from a stale time) = %v, %v; want false", ok, err)
	}
}

// testDigestArticleIDs lists the articles of a newsletter's recent
// digests: not those of its other campaigns, nor other newsletters'.
func testDigestArticleIDs(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	var ids []int64
	for _, title := range []string{"In the digest", "In a manual issue", "In another digest"} {
		a := article.Article{Title: title, Language: "en", Status: article.Published, PublishedAt: t0}
		if err := a.Normalize(); err != nil {
			t.Fatal(err)
		}
		id, err := st.SaveArticle(ctx, &a)
		if err != nil {
			t.Fatalf("SaveArticle(%s) = %v", title, err)
		}
		ids = append(ids, id)
	}
	morning, err := st.CreateNewsletter(ctx, &subscriber.Newsletter{Slug: "morning", Name: "Morning", CreatedAt: t0, Digest: "daily"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []campaign.Campaign{
		{NewsletterID: morning, Kind: campaign.Digest, ArticleIDs: ids[:1]},
		{NewsletterID: morning, Kind: campaign.Manual, ArticleIDs: ids[1:2]},
		{NewsletterID: 1, Kind: campaign.Digest, ArticleIDs: ids[2:]},
	} {
		c.Subject, c.ArticleMode, c.State = "Issue", campaign.Teaser, campaign.Sent
		if _, err := st.CreateCampaign(ctx, &c); err != nil {
			t.Fatalf("CreateCampaign(%+v) = %v", c, err)
		}
	}
	if got, err := st.DigestArticleIDs(ctx, morning, t0.Add(-time.Minute)); err != nil || !cmp.Equal(got, ids[:1]) {
		t.Errorf("DigestArticleIDs(morning, a minute ago) = %v, %v; want %v", got, err, ids[:1])
	}
	if got, err := st.DigestArticleIDs(ctx, morning, time.Now().Add(time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("DigestArticleIDs(morning, in an hour) = %v, %v; want none", got, err)
	}
}

func testArticlesByID(t *testing.T, st Store) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := save(t, st, article.Article{Title: "One", PublishedAt: now, Authors: []article.Author{{Name: "Ana"}}})
	b := save(t, st, article.Article{Title: "Two", Status: article.Draft})
	list, err := st.ArticlesByID(context.Background(), []int64{b.ID, 1 << 40, a.ID})
	if err != nil {
		t.Fatalf("ArticlesByID() = %v", err)
	}
	if len(list) != 2 || list[0].Slug != "two" || list[1].Slug != "one" || len(list[1].Authors) != 1 {
		t.Errorf("ArticlesByID(two, missing, one) = %+v; want two then one, with its author", list)
	}
	if list, err := st.ArticlesByID(context.Background(), nil); err != nil || len(list) != 0 {
		t.Errorf("ArticlesByID(none) = %+v, %v; want nothing", list, err)
	}
}

// testAudienceByLanguage narrows a campaign to the readers who signed up in
// one language. A subscriber keeps the language of the first signup.
func testAudienceByLanguage(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	in := func(email, lang string, at time.Time) subscriber.Signup {
		s := signup(email, at)
		s.Language = lang
		return s
	}
	recordSignups(t, st, time.Hour, in("fr1@example.com", "fr", t0), in("en1@example.com", "en", t0), in("fr2@example.com", "fr", t0))
	recordSignups(t, st, time.Hour, in("fr1@example.com", "en", t0.Add(time.Minute)), in("none@example.com", "", t0.Add(time.Minute)))
	list, err := st.ListSubscribers(ctx, 0, 100)
	if err != nil || len(list) != 4 {
		t.Fatalf("ListSubscribers(0, 100) = %d subscribers, %v; want 4", len(list), err)
	}
	for _, s := range list {
		if _, err := st.ConfirmSubscriber(ctx, s.ID, subscriber.Consent{SubscriberID: s.ID, Action: subscriber.ConsentConfirm, At: t0.Add(time.Hour)}); err != nil {
			t.Fatalf("ConfirmSubscriber(%d) = %v", s.ID, err)
		}
	}
	for lang, want := range map[string][]string{"fr": {"fr1@example.com", "fr2@example.com"}, "en": {"en1@example.com"}} {
		id := createCampaign(t, st, campaign.Campaign{NewsletterID: 1, Kind: campaign.Manual, Subject: lang, Markdown: "x",
			ArticleMode: campaign.Full, AudienceLanguage: lang, State: campaign.Sending})
		if _, done, err := st.FreezeChunk(ctx, id, 100, t0.Add(time.Hour)); err != nil || !done {
			t.Fatalf("FreezeChunk(%d) = %v, %v; want done", id, done, err)
		}
		var got []string
		for _, d := range claim(t, st, "w-"+lang, t0.Add(2*time.Hour), time.Minute) {
			if d.CampaignID == id {
				got = append(got, d.Recipient)
			}
		}
		slices.Sort(got)
		if !cmp.Equal(got, want) {
			t.Errorf("audience of a campaign in %q = %v, want %v", lang, got, want)
		}
	}
}
