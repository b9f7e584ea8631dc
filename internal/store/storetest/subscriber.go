package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/delivery"
	"herald/internal/subscriber"
)

func testDefaultNewsletter(t *testing.T, st Store) {
	nls, err := st.Newsletters(context.Background())
	if err != nil {
		t.Fatalf("Newsletters() = %v", err)
	}
	if len(nls) != 1 || nls[0].ID != 1 || nls[0].Slug != "news" || nls[0].Language != "en" || nls[0].CreatedAt.IsZero() {
		t.Fatalf("Newsletters() = %+v; want the one default newsletter, ID 1, slug news, in en", nls)
	}
}

func testSignupConfirmUnsubscribeAndMailQueue(t *testing.T, st Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	recordSignups(t, st, time.Hour, signup("a@example.com", now), signup("b@example.com", now), signup("A@example.com", now.Add(time.Minute)))
	if diff := cmp.Diff(map[string]subscriber.State{"a@example.com": "pending", "b@example.com": "pending"}, states(t, st)); diff != "" {
		t.Errorf("states after signup (-want +got):\n%s", diff)
	}
	at := time.Now().Add(time.Second)
	ds := claim(t, st, "t", at, time.Minute)
	if diff := cmp.Diff([]string{"a@example.com", "b@example.com"}, recipients(ds)); diff != "" {
		t.Fatalf("claimed recipients (-want +got); one email per address within the hour:\n%s", diff)
	}
	for _, d := range ds {
		if d.Kind != delivery.KindConfirm || d.Attempts != 0 || d.Fence < 1 || d.CreatedAt.IsZero() || !d.FirstAttemptAt.IsZero() {
			t.Errorf("claimed %+v; want a confirmation email, no attempts, fence 1 or more, created, never tried", d)
		}
	}
	// A claimed delivery is not claimed twice while its lease holds.
	if again := claim(t, st, "t", at, time.Minute); len(again) != 0 {
		t.Fatalf("claimed %d leased deliveries again: %+v", len(again), again)
	}
	// A result with a stale fence is dropped.
	record(t, st, 0, delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence - 1, State: delivery.Sent, At: now, Attempted: true})
	record(t, st, 2,
		delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Sent, At: now, Attempted: true},
		delivery.Result{ID: ds[1].ID, Fence: ds[1].Fence, State: delivery.Failed, At: now, Code: 550, Status: "5.1.1", Suppress: true, Attempted: true},
	)
	if bad, err := st.IsSuppressed(ctx, ds[1].Recipient); err != nil || !bad {
		t.Errorf("IsSuppressed(%s) = %v, %v after a 5.1.1 bounce; want true", ds[1].Recipient, bad, err)
	}

	subs, err := st.ListSubscribers(ctx, 0, 10)
	if err != nil || len(subs) != 2 {
		t.Fatalf("ListSubscribers(0, 10) = %d subscribers, %v; want 2", len(subs), err)
	}
	a := subs[0]
	confirmed, err := st.ConfirmSubscriber(ctx, a.ID, subscriber.Consent{SubscriberID: a.ID, Action: subscriber.ConsentConfirm, At: now})
	if err != nil || len(confirmed) != 1 || confirmed[0].Slug != "news" {
		t.Fatalf("ConfirmSubscriber(%d) = %+v, %v; want the news newsletter", a.ID, confirmed, err)
	}
	welcome := claim(t, st, "t", time.Now().Add(time.Second), time.Minute)
	if len(welcome) != 1 || welcome[0].Kind != delivery.KindWelcome || welcome[0].SubscriberID != a.ID || welcome[0].Recipient != "a@example.com" {
		t.Fatalf("after confirming, claimed %+v; want one welcome email to subscriber %d", welcome, a.ID)
	}
	record(t, st, 1, delivery.Result{ID: welcome[0].ID, Fence: welcome[0].Fence, State: delivery.Sent, At: now, Attempted: true})
	// Confirming twice changes nothing and welcomes nobody again.
	confirmed, err = st.ConfirmSubscriber(ctx, a.ID, subscriber.Consent{SubscriberID: a.ID, Action: subscriber.ConsentConfirm, At: now})
	if err != nil || len(confirmed) != 0 {
		t.Fatalf("ConfirmSubscriber(%d) again = %+v, %v; want no newsletter: this call confirmed none", a.ID, confirmed, err)
	}
	// Signing up again while confirmed changes nothing and sends nothing.
	recordSignups(t, st, time.Hour, signup("a@example.com", now.Add(2*time.Hour)))
	if ds := claim(t, st, "t", time.Now().Add(3*time.Hour), time.Minute); len(ds) != 0 {
		t.Fatalf("confirming twice or signing up while confirmed queued %+v", ds)
	}
	if got := states(t, st)["a@example.com"]; got != subscriber.Confirmed {
		t.Errorf("state after signing up while confirmed = %s, want confirmed", got)
	}
	if _, err := st.UnsubscribeSubscriber(ctx, a.ID, 0, subscriber.Consent{SubscriberID: a.ID, Action: subscriber.ConsentUnsubscribe, At: now}); err != nil {
		t.Fatalf("UnsubscribeSubscriber(%d, 0) = %v", a.ID, err)
	}
	if got := states(t, st)["a@example.com"]; got != subscriber.Unsubscribed {
		t.Errorf("state after unsubscribe = %s, want unsubscribed", got)
	}
	cs, err := st.Consents(ctx, a.ID)
	if err != nil {
		t.Fatalf("Consents(%d) = %v", a.ID, err)
	}
	var actions []subscriber.ConsentAction
	for _, c := range cs {
		actions = append(actions, c.Action)
	}
	want := []subscriber.ConsentAction{"signup", "signup", "confirm", "signup", "unsubscribe"}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("consent history (-want +got):\n%s", diff)
	}
}

func testConfirmationEmailAtMostOncePerWindow(t *testing.T, st Store) {
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	recordSignups(t, st, time.Hour, signup("a@example.com", t0))
	ds := claim(t, st, "t", t0, time.Minute)
	if len(ds) != 1 {
		t.Fatalf("claimed %+v after one signup; want one confirmation email", ds)
	}
	record(t, st, 1, delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Sent, At: t0, Attempted: true})

	recordSignups(t, st, time.Hour, signup("a@example.com", t0.Add(30*time.Minute)))
	if ds := claim(t, st, "t", t0.Add(31*time.Minute), time.Minute); len(ds) != 0 {
		t.Fatalf("a second signup within the hour queued %+v", ds)
	}
	// Still pending two hours later: the reader gets a fresh link.
	recordSignups(t, st, time.Hour, signup("A@Example.com", t0.Add(2*time.Hour)))
	ds = claim(t, st, "t", t0.Add(2*time.Hour), time.Minute)
	if len(ds) != 1 || ds[0].Kind != delivery.KindConfirm || ds[0].Recipient != "A@Example.com" {
		t.Fatalf("signup after the hour queued %+v; want one confirmation email to A@Example.com", ds)
	}
	if !ds[0].CreatedAt.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("second confirmation created at %v, want the signup's time %v", ds[0].CreatedAt, t0.Add(2*time.Hour))
	}
}

func testSignupPassesOverUnknownNewsletter(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	in := signup("a@example.com", t0)
	in.Name = "Ann"
	in.Language = "pt-br"
	in.Newsletters = []int64{1, 999}
	nowhere := signup("b@example.com", t0)
	nowhere.Newsletters = []int64{999}
	twice := signup("c@example.com", t0)
	twice.Newsletters = []int64{1, 1}
	recordSignups(t, st, time.Hour, in, nowhere, twice)

	subs, err := st.ListSubscribers(ctx, 0, 10)
	if err != nil || len(subs) != 3 {
		t.Fatalf("ListSubscribers(0, 10) = %+v, %v; want the three addresses", subs, err)
	}
	if len(subs[2].Subscriptions) != 1 || subs[2].Subscriptions[0].State != subscriber.Pending {
		t.Errorf("subscriber c, who named newsletter 1 twice, has %+v; want one pending subscription", subs[2].Subscriptions)
	}
	want := subscriber.Subscriber{ID: subs[0].ID, Email: "a@example.com", Name: "Ann", Language: "pt-br", CreatedAt: t0,
		Subscriptions: []subscriber.Subscription{{NewsletterID: 1, NewsletterSlug: "news", State: subscriber.Pending, UpdatedAt: t0}}}
	if diff := cmp.Diff(want, subs[0]); diff != "" {
		t.Errorf("subscriber a (-want +got):\n%s", diff)
	}
	if len(subs[1].Subscriptions) != 0 {
		t.Errorf("subscriber b has %+v; want no subscription to an unknown newsletter", subs[1].Subscriptions)
	}
	cs, err := st.Consents(ctx, subs[0].ID)
	if err != nil {
		t.Fatalf("Consents(%d) = %v", subs[0].ID, err)
	}
	wantConsents := []subscriber.Consent{{SubscriberID: subs[0].ID, NewsletterID: 1, Action: subscriber.ConsentSignup,
		At: t0, Source: "/", Wording: "I agree", IP: "127.0.0.1"}}
	if diff := cmp.Diff(wantConsents, cs); diff != "" {
		t.Errorf("consents of a (-want +got):\n%s", diff)
	}
	// Nothing is pending for b, so b gets no email.
	if diff := cmp.Diff([]string{"a@example.com", "c@example.com"}, recipients(claim(t, st, "t", t0, time.Minute))); diff != "" {
		t.Errorf("claimed recipients (-want +got):\n%s", diff)
	}
}

func testSignupKeepsBatchDespiteOddText(t *testing.T, st Store) {
	t0 := time.Now().UTC()
	odd := signup("odd@example.com", t0)
	odd.Name = "Ren\xe9e"
	odd.Source = "/caf\xe9\xff"
	recordSignups(t, st, time.Hour, odd, signup("ok@example.com", t0))
	if diff := cmp.Diff(map[string]subscriber.State{"odd@example.com": "pending", "ok@example.com": "pending"}, states(t, st)); diff != "" {
		t.Errorf("states after a batch with invalid UTF-8 in one signup (-want +got):\n%s", diff)
	}
	if got := claim(t, st, "t", t0, time.Minute); len(got) != 2 {
		t.Errorf("claimed %+v; want both confirmation emails", got)
	}
}

func testSubscribersPagesAndNotFound(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	emails := []string{"e1@example.com", "e2@example.com", "e3@example.com", "e4@example.com", "e5@example.com"}
	var batch []subscriber.Signup
	for i, e := range emails {
		in := signup(e, t0)
		in.Language = []string{"", "fr", "pt-br"}[i%3]
		batch = append(batch, in)
	}
	recordSignups(t, st, time.Hour, batch...)
	var got, langs []string
	var after int64
	for range 10 {
		page, err := st.ListSubscribers(ctx, after, 2)
		if err != nil {
			t.Fatalf("ListSubscribers(%d, 2) = %v", after, err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("ListSubscribers(%d, 2) returned %d", after, len(page))
		}
		for _, s := range page {
			if s.ID <= after {
				t.Fatalf("ListSubscribers(%d, 2) returned ID %d", after, s.ID)
			}
			one, err := st.SubscriberByID(ctx, s.ID)
			if err != nil {
				t.Fatalf("SubscriberByID(%d) = %v", s.ID, err)
			}
			if diff := cmp.Diff(s, one); diff != "" {
				t.Errorf("SubscriberByID(%d) differs from the listing (-listed +got):\n%s", s.ID, diff)
			}
			got, langs = append(got, s.Email), append(langs, s.Language)
			after = s.ID
		}
	}
	if diff := cmp.Diff(emails, got); diff != "" {
		t.Errorf("pages of 2 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "fr", "pt-br", "", "fr"}, langs); diff != "" {
		t.Errorf("languages listed, as the signups gave them (-want +got):\n%s", diff)
	}
	if _, err := st.SubscriberByID(ctx, 1<<40); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("SubscriberByID(1<<40) error = %v, want subscriber.ErrNotFound", err)
	}
	c := subscriber.Consent{SubscriberID: 1 << 40, Action: subscriber.ConsentConfirm, At: t0}
	if _, err := st.ConfirmSubscriber(ctx, 1<<40, c); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("ConfirmSubscriber(1<<40) error = %v, want subscriber.ErrNotFound", err)
	}
}

func testUnsubscribeOneNewsletter(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	recordSignups(t, st, time.Hour, signup("a@example.com", t0))
	subs, err := st.ListSubscribers(ctx, 0, 1)
	if err != nil || len(subs) != 1 {
		t.Fatalf("ListSubscribers(0, 1) = %+v, %v", subs, err)
	}
	id := subs[0].ID
	leave := subscriber.Consent{SubscriberID: id, NewsletterID: 1, Action: subscriber.ConsentUnsubscribe, At: t0.Add(time.Minute), Source: "unsubscribe link"}
	// Another newsletter's unsubscribe leaves this one alone.
	if ended, err := st.UnsubscribeSubscriber(ctx, id, 999, leave); err != nil || len(ended) != 0 {
		t.Fatalf("UnsubscribeSubscriber(%d, 999) = %v, %v; want nothing ended", id, ended, err)
	}
	if got := states(t, st)["a@example.com"]; got != subscriber.Pending {
		t.Errorf("state after leaving another newsletter = %s, want pending", got)
	}
	// Of two calls, the first ends the subscription and says so; the
	// second ends nothing.
	for i, want := range [][]int64{{1}, nil} {
		if ended, err := st.UnsubscribeSubscriber(ctx, id, 1, leave); err != nil || !slices.Equal(ended, want) {
			t.Fatalf("UnsubscribeSubscriber(%d, 1), call %d = %v, %v; want %v", id, i+1, ended, err, want)
		}
	}
	sub, err := st.SubscriberByID(ctx, id)
	if err != nil {
		t.Fatalf("SubscriberByID(%d) = %v", id, err)
	}
	wantSubs := []subscriber.Subscription{{NewsletterID: 1, NewsletterSlug: "news", State: subscriber.Unsubscribed, UpdatedAt: t0.Add(time.Minute)}}
	if diff := cmp.Diff(wantSubs, sub.Subscriptions); diff != "" {
		t.Errorf("subscriptions after unsubscribing (-want +got):\n%s", diff)
	}
	// Unsubscribing twice records one consent; confirming nothing records none.
	if got, err := st.ConfirmSubscriber(ctx, id, subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentConfirm, At: t0}); err != nil || len(got) != 0 {
		t.Fatalf("ConfirmSubscriber(%d) after unsubscribing = %+v, %v; want no newsletters", id, got, err)
	}
	cs, err := st.Consents(ctx, id)
	if err != nil {
		t.Fatalf("Consents(%d) = %v", id, err)
	}
	if len(cs) != 2 {
		t.Fatalf("consents = %+v; want the signup and one unsubscribe", cs)
	}
	if diff := cmp.Diff(leave, cs[1]); diff != "" {
		t.Errorf("unsubscribe consent (-want +got):\n%s", diff)
	}
	// Signing up again brings the reader back as pending, with a new email.
	recordSignups(t, st, time.Hour, signup("a@example.com", t0.Add(2*time.Hour)))
	if got := states(t, st)["a@example.com"]; got != subscriber.Pending {
		t.Errorf("state after signing up again = %s, want pending", got)
	}
	if got := claim(t, st, "t", t0.Add(2*time.Hour), time.Minute); len(got) != 2 {
		t.Errorf("claimed %+v; want the first and the second confirmation email", got)
	}
}

// testConfirmAtOnce confirms one person from several callers at once: one
// of them confirms the subscription, and only that one says so, so the
// confirmation is announced once.
func testConfirmAtOnce(t *testing.T, st Store) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	recordSignups(t, st, time.Hour, signup("twice@example.com", now))
	subs, err := st.ListSubscribers(ctx, 0, 10)
	if err != nil || len(subs) != 1 {
		t.Fatalf("ListSubscribers(0, 10) = %+v, %v; want one subscriber", subs, err)
	}
	id := subs[0].ID
	const n = 6
	got := make([][]subscriber.Newsletter, n)
	errs := make([]error, n)
	race(t, st, n, func(i int) {
		got[i], errs[i] = st.ConfirmSubscriber(ctx, id, subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentConfirm, At: now})
	})
	said := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("ConfirmSubscriber(%d) at once = %v", id, errs[i])
		}
		said += len(got[i])
	}
	if said != 1 {
		t.Errorf("%d calls of ConfirmSubscriber(%d) at once returned %v; want the one newsletter from one call only", n, id, got)
	}
}
