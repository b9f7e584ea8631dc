package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/subscriber"
	"herald/internal/webhook"
)

// The newsroom app's view of the delivery ledger, and erasure, which must
// find a person's address wherever the ledger and the outbox hold it.

func testLedgerOfCampaignAndSubscriber(t *testing.T, st AdminStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	var subs []int64
	for _, m := range []string{"ana@example.org", "bo@example.org", "cy@example.org"} {
		id := admSignup(t, st, m, now.Add(-time.Hour))
		_, err := st.ConfirmSubscriber(ctx, id, subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentConfirm, At: now.Add(-time.Hour)})
		admMust(t, "ConfirmSubscriber", err)
		subs = append(subs, id)
	}
	// The confirmation and welcome mail goes out first.
	for _, d := range claim(t, st, "w", now, time.Minute) {
		record(t, st, 1, delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: now, Attempted: true})
	}
	c := campaign.Campaign{NewsletterID: 1, Subject: "Issue", Markdown: "Hello", ArticleMode: campaign.Full, State: campaign.Draft, Kind: campaign.Manual}
	cid, _ := st.CreateCampaign(ctx, &c)
	admMust(t, "QueueTestSend", st.QueueTestSend(ctx, cid, "desk@example.org", now))
	admMust(t, "MoveCampaign(sending)", st.MoveCampaign(ctx, cid, campaign.Sending, now, time.Time{}))
	_, _, err := st.FreezeChunk(ctx, cid, 100, now)
	admMust(t, "FreezeChunk", err)
	for _, d := range claim(t, st, "w", now, time.Minute) {
		r := delivery.Result{ID: d.ID, Fence: d.Fence, State: delivery.Sent, At: now, FirstAttempt: now, Attempted: true}
		if d.Recipient == "bo@example.org" {
			r.State, r.Code, r.Status, r.Text = delivery.Failed, 550, "5.7.1", "refused: policy"
		}
		record(t, st, 1, r)
	}
	ds, rs, err := st.CampaignLedger(ctx, cid, delivery.Failed, 0, 10)
	admMust(t, "CampaignLedger(failed)", err)
	if len(ds) != 1 || ds[0].Recipient != "bo@example.org" || rs[0].Code != 550 || rs[0].Status != "5.7.1" ||
		rs[0].Text != "refused: policy" || rs[0].State != delivery.Failed || !rs[0].At.Equal(now) || ds[0].Kind != delivery.KindCampaign {
		t.Errorf("failed ledger = %+v %+v", ds, rs)
	}
	all, _, _ := st.CampaignLedger(ctx, cid, "", 0, 10)
	after, _, _ := st.CampaignLedger(ctx, cid, "", all[0].ID, 10)
	if len(all) != 3 || len(after) != 2 {
		t.Errorf("campaign ledger: %d rows, %d after the first; want 3 and 2", len(all), len(after))
	}
	mine, _, err := st.SubscriberLedger(ctx, subs[0], 0, 10)
	admMust(t, "SubscriberLedger", err)
	var kinds []delivery.Kind
	for _, d := range mine {
		kinds = append(kinds, d.Kind)
	}
	if !slices.Equal(kinds, []delivery.Kind{delivery.KindCampaign, delivery.KindWelcome, delivery.KindConfirm}) {
		t.Errorf("SubscriberLedger kinds, newest first = %v", kinds)
	}
	older, _, _ := st.SubscriberLedger(ctx, subs[0], mine[0].ID, 10)
	if len(older) != 2 {
		t.Errorf("SubscriberLedger below the newest: %d rows, want 2", len(older))
	}
	tests, _, err := st.AddressedDeliveries(ctx, delivery.KindCampaignTest, 5)
	admMust(t, "AddressedDeliveries", err)
	if len(tests) != 1 || tests[0].Recipient != "desk@example.org" || tests[0].CampaignID != cid {
		t.Errorf("test sends = %+v", tests)
	}
	qid, err := st.QueueAddressed(ctx, "test_email", "owner@example.org", now)
	admMust(t, "QueueAddressed", err)
	got, rsq, _ := st.AddressedDeliveries(ctx, "test_email", 5)
	if len(got) != 1 || got[0].ID != qid || rsq[0].State != delivery.Queued || got[0].SubscriberID != 0 {
		t.Errorf("queued test email = %+v %+v", got, rsq)
	}
	if n, _ := st.CampaignUnsubscribes(ctx, cid); n != 0 {
		t.Errorf("CampaignUnsubscribes before anyone left = %d", n)
	}
	// Ana, who got it, leaves; Bo, whose copy failed, leaves too and does
	// not count.
	for _, id := range subs[:2] {
		_, err := st.UnsubscribeSubscriber(ctx, id, 1, subscriber.Consent{SubscriberID: id,
			Action: subscriber.ConsentUnsubscribe, At: now.Add(time.Minute)})
		admMust(t, "UnsubscribeSubscriber", err)
	}
	if n, err := st.CampaignUnsubscribes(ctx, cid); err != nil || n != 1 {
		t.Errorf("CampaignUnsubscribes = %d, %v; want 1", n, err)
	}
}

func testErasureForgetsTheAddress(t *testing.T, st AdminStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	ana := admSignup(t, st, "Ana@Example.org", now)
	bo := admSignup(t, st, "bo@example.org", now)
	for _, id := range []int64{ana, bo} {
		_, err := st.ConfirmSubscriber(ctx, id, subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentConfirm, At: now})
		admMust(t, "ConfirmSubscriber", err)
	}
	admMust(t, "SetSubscriberTags", st.SetSubscriberTags(ctx, ana, []string{"local"}))
	_, err := st.AddOutboxMessage(ctx, mail.OutboxMessage{From: "n@example.org", To: "ana@example.org", Subject: "Hi", Data: []byte("x"), CreatedAt: now})
	admMust(t, "AddOutboxMessage", err)
	c := campaign.Campaign{NewsletterID: 1, Subject: "Issue", Markdown: "Hello", ArticleMode: campaign.Full, State: campaign.Draft, Kind: campaign.Manual}
	cid, _ := st.CreateCampaign(ctx, &c)
	admMust(t, "QueueTestSend", st.QueueTestSend(ctx, cid, "ANA@example.org", now))
	admMust(t, "MoveCampaign(sending)", st.MoveCampaign(ctx, cid, campaign.Sending, now, time.Time{}))
	_, _, err = st.FreezeChunk(ctx, cid, 100, now)
	admMust(t, "FreezeChunk", err)

	ws, isWebhooks := st.(WebhookStore)
	var event int64
	if isWebhooks {
		event, _, err = ws.AddWebhookEvent(ctx, webhook.Event{Name: webhook.SubscriberConfirmed,
			Payload: fmt.Appendf(nil, `{"id": %d, "email": "Ana@Example.org"}`, ana), CreatedAt: now})
		admMust(t, "AddWebhookEvent", err)
	}

	if some, err := st.HasErasures(ctx); err != nil || some {
		t.Errorf("HasErasures before any erasure = %v, %v; want false", some, err)
	}
	admMust(t, "EraseSubscriber", st.EraseSubscriber(ctx, ana, "erased:abc123", "erased on request", now))
	if some, err := st.HasErasures(ctx); err != nil || !some {
		t.Errorf("HasErasures after an erasure = %v, %v; want true", some, err)
	}
	if isWebhooks {
		if ev, err := ws.WebhookEvent(ctx, event); err != nil || strings.Contains(strings.ToLower(string(ev.Payload)), "ana@") {
			t.Errorf("webhook event about the erased person = %s, %v; want the address gone", ev.Payload, err)
		}
	}
	if _, err := st.SubscriberByID(ctx, ana); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("SubscriberByID(erased) = %v, want subscriber.ErrNotFound", err)
	}
	if list, _ := st.Consents(ctx, ana); len(list) != 0 {
		t.Errorf("%d consent records left", len(list))
	}
	if tags, _ := st.SubscriberTags(ctx, ana); len(tags) != 0 {
		t.Errorf("tags left: %v", tags)
	}
	// The ledger's rows are no longer the person's: a subscriber given
	// the same ID later must not inherit them.
	if ds, _, _ := st.SubscriberLedger(ctx, ana, 0, 100); len(ds) != 0 {
		t.Errorf("the erased person's ID still has %d ledger rows", len(ds))
	}
	ds, rs, _ := st.SubscriberLedger(ctx, -ana, 0, 100)
	if len(ds) == 0 {
		t.Error("the erased person's ledger rows are gone; they should stay, blank")
	}
	for i, d := range ds {
		if d.Recipient != "" || rs[i].Text != "" {
			t.Errorf("ledger row %d still holds %q / %q", d.ID, d.Recipient, rs[i].Text)
		}
		if d.Kind == delivery.KindCampaign && rs[i].State != delivery.Skipped {
			t.Errorf("the erased person's campaign mail is %s, want skipped", rs[i].State)
		}
	}
	tests, testResults, _ := st.AddressedDeliveries(ctx, delivery.KindCampaignTest, 5)
	if len(tests) != 1 || tests[0].Recipient != "" || testResults[0].State != delivery.Skipped {
		t.Errorf("test send to the erased address = %+v %+v; want it blank and skipped", tests, testResults)
	}
	if out, _ := st.ListOutbox(ctx, 0, 10); len(out) != 0 {
		t.Errorf("outbox still holds %d messages to the address", len(out))
	}
	if found, _ := st.SuppressedKeys(ctx, []string{"erased:abc123", "ana@example.org", "bo@example.org"}); !slices.Equal(found, []string{"erased:abc123"}) {
		t.Errorf("SuppressedKeys = %v, want only the keyed hash", found)
	}
	cp, _ := st.Campaign(ctx, cid)
	if cp.Skipped != 1 || cp.Total != 2 {
		t.Errorf("campaign counters after erasure: total %d, skipped %d; want 2 and 1", cp.Total, cp.Skipped)
	}
	// Bo's mail is untouched and still goes out.
	left := claim(t, st, "w", now, time.Minute)
	if got := recipients(left); !slices.Contains(got, "bo@example.org") || slices.Contains(got, "") {
		t.Errorf("claimable after erasure: %v", got)
	}
	if err := st.EraseSubscriber(ctx, ana, "erased:abc123", "again", now); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("EraseSubscriber twice = %v, want subscriber.ErrNotFound", err)
	}
}

// testErasedIDsAreNotGivenAgain: the links in an erased person's emails,
// and whatever listeners keyed by their ID, must never reach the next
// person to sign up or be imported, even when the erased ID was the
// highest.
func testErasedIDsAreNotGivenAgain(t *testing.T, st AdminStore) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	admSignup(t, st, "ana@example.org", now)
	bo := admSignup(t, st, "bo@example.org", now)
	admMust(t, "EraseSubscriber", st.EraseSubscriber(ctx, bo, "erased:bo", "erased on request", now))
	cy := admSignup(t, st, "cy@example.org", now)
	if cy <= bo {
		t.Errorf("a signup after erasing subscriber %d got ID %d", bo, cy)
	}
	admMust(t, "EraseSubscriber", st.EraseSubscriber(ctx, cy, "erased:cy", "erased on request", now))
	importConfirmed(t, st, now, subscriber.ImportRow{Email: "dee@example.org"})
	dee, err := st.SearchSubscribers(ctx, "dee@example.org", "", 0, "", 0, 2)
	if err != nil || len(dee) != 1 {
		t.Fatalf("SearchSubscribers(dee) = %v, %v", dee, err)
	}
	if dee[0].ID <= cy {
		t.Errorf("an import after erasing subscriber %d gave ID %d", cy, dee[0].ID)
	}
}
