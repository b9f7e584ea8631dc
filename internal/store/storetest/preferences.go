package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/delivery"
	"herald/internal/subscriber"
)

// prefsSubscriber signs email up for the default newsletter, adds a second
// newsletter, and returns the subscriber and the second newsletter's ID.
func prefsSubscriber(t *testing.T, st Store, email string, at time.Time) (subscriber.Subscriber, int64) {
	t.Helper()
	ctx := context.Background()
	recordSignups(t, st, time.Hour, signup(email, at))
	nl, err := st.CreateNewsletter(ctx, &subscriber.Newsletter{Slug: "weekly", Name: "The Weekly", Language: "en", CreatedAt: at})
	if err != nil {
		t.Fatalf("CreateNewsletter(weekly) = %v", err)
	}
	list, err := st.ListSubscribers(ctx, 0, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListSubscribers(0, 10) = %+v, %v; want one subscriber", list, err)
	}
	return list[0], nl
}

// standing is a subscriber's name and state with each newsletter.
type standing struct {
	Name   string
	States map[int64]subscriber.State
}

func standingOf(t *testing.T, st Store, id int64) standing {
	t.Helper()
	sub, err := st.SubscriberByID(context.Background(), id)
	if err != nil {
		t.Fatalf("SubscriberByID(%d) = %v", id, err)
	}
	s := standing{Name: sub.Name, States: map[int64]subscriber.State{}}
	for _, sp := range sub.Subscriptions {
		s.States[sp.NewsletterID] = sp.State
	}
	return s
}

func consentsOf(t *testing.T, st Store, id int64) []subscriber.Consent {
	t.Helper()
	cs, err := st.Consents(context.Background(), id)
	if err != nil {
		t.Fatalf("Consents(%d) = %v", id, err)
	}
	return cs
}

func savePreferences(t *testing.T, st Store, id int64, c subscriber.PreferenceChange) subscriber.PreferenceOutcome {
	t.Helper()
	out, err := st.SavePreferences(context.Background(), id, c)
	if err != nil {
		t.Fatalf("SavePreferences(%d, %+v) = %v", id, c, err)
	}
	return out
}

func testPreferencesJoinLeaveRename(t *testing.T, st Store) {
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	sub, weekly := prefsSubscriber(t, st, "a@example.com", t0)
	before := len(consentsOf(t, st, sub.ID))
	at := t0.Add(time.Minute)
	change := subscriber.PreferenceChange{Join: []int64{weekly}, Leave: []int64{1}, Rename: true, Name: "Ada Lovelace",
		At: at, Source: subscriber.PreferencesSource, Wording: "Ticked newsletters are sent to you.", IP: "192.0.2.7"}
	out := savePreferences(t, st, sub.ID, change)
	if diff := cmp.Diff(subscriber.PreferenceOutcome{Joined: []int64{weekly}, Left: []int64{1}}, out); diff != "" {
		t.Errorf("SavePreferences(join %d, leave 1) outcome (-want +got):\n%s", weekly, diff)
	}
	want := standing{Name: "Ada Lovelace", States: map[int64]subscriber.State{1: subscriber.Unsubscribed, weekly: subscriber.Confirmed}}
	if diff := cmp.Diff(want, standingOf(t, st, sub.ID)); diff != "" {
		t.Errorf("after saving preferences (-want +got):\n%s", diff)
	}
	wantConsents := []subscriber.Consent{
		{SubscriberID: sub.ID, NewsletterID: 1, Action: subscriber.ConsentUnsubscribe, At: at, Source: "preferences page", IP: "192.0.2.7"},
		{SubscriberID: sub.ID, NewsletterID: weekly, Action: subscriber.ConsentSignup, At: at, Source: "preferences page", Wording: change.Wording, IP: "192.0.2.7"},
		{SubscriberID: sub.ID, NewsletterID: weekly, Action: subscriber.ConsentConfirm, At: at, Source: "preferences page", Wording: change.Wording, IP: "192.0.2.7"},
	}
	if diff := cmp.Diff(wantConsents, consentsOf(t, st, sub.ID)[before:]); diff != "" {
		t.Errorf("consent records of the save (-want +got):\n%s", diff)
	}
	// The reader is on the page: joining sends no email.
	if ds := claim(t, st, "t", t0.Add(2*time.Hour), time.Minute); len(ds) != 1 || ds[0].Kind != delivery.KindConfirm {
		t.Errorf("claimed %+v; want only the signup's confirmation email", ds)
	}

	// The same change again changes nothing and records nothing.
	before = len(consentsOf(t, st, sub.ID))
	change.Rename = false
	if out := savePreferences(t, st, sub.ID, change); out.Joined != nil || out.Left != nil || out.Refused {
		t.Errorf("saving the same change again = %+v; want nothing changed", out)
	}
	if got := len(consentsOf(t, st, sub.ID)); got != before {
		t.Errorf("saving the same change again added %d consent records", got-before)
	}

	// An unsubscribed newsletter is joined again, confirmed at once.
	out = savePreferences(t, st, sub.ID, subscriber.PreferenceChange{Join: []int64{1}, At: at.Add(time.Minute), Source: subscriber.PreferencesSource})
	if !cmp.Equal(out.Joined, []int64{1}) || standingOf(t, st, sub.ID).States[1] != subscriber.Confirmed {
		t.Errorf("joining newsletter 1 again = %+v, state %s; want it confirmed", out, standingOf(t, st, sub.ID).States[1])
	}
	// A pending subscription is left like a confirmed one.
	recordSignups(t, st, time.Hour, subscriber.Signup{Email: "b@example.com", Newsletters: []int64{1, weekly}, At: at})
	list, err := st.ListSubscribers(context.Background(), sub.ID, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListSubscribers(%d, 10) = %+v, %v; want b@example.com", sub.ID, list, err)
	}
	b := list[0]
	out = savePreferences(t, st, b.ID, subscriber.PreferenceChange{Leave: []int64{1, weekly}, At: at, Source: subscriber.PreferencesSource})
	if !cmp.Equal(out.Left, []int64{1, weekly}) {
		t.Errorf("leaving two pending subscriptions = %+v; want both left", out)
	}
}

func testPreferencesSuppressedAddress(t *testing.T, st Store) {
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	sub, weekly := prefsSubscriber(t, st, "gone@example.com", t0)
	ds := claim(t, st, "t", t0, time.Minute)
	if len(ds) != 1 {
		t.Fatalf("claimed %+v; want the confirmation email", ds)
	}
	record(t, st, 1, delivery.Result{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Failed, At: t0, Code: 550, Status: "5.1.1", Suppress: true, Attempted: true})
	before := len(consentsOf(t, st, sub.ID))

	out := savePreferences(t, st, sub.ID, subscriber.PreferenceChange{Join: []int64{weekly}, Leave: []int64{1}, Rename: true, Name: "Gone",
		At: t0.Add(time.Minute), Source: subscriber.PreferencesSource})
	if diff := cmp.Diff(subscriber.PreferenceOutcome{Left: []int64{1}, Refused: true}, out); diff != "" {
		t.Errorf("SavePreferences on a suppressed address (-want +got):\n%s", diff)
	}
	want := standing{Name: "Gone", States: map[int64]subscriber.State{1: subscriber.Unsubscribed}}
	if diff := cmp.Diff(want, standingOf(t, st, sub.ID)); diff != "" {
		t.Errorf("a suppressed address after saving (-want +got); leaving and the name apply, joining does not:\n%s", diff)
	}
	cs := consentsOf(t, st, sub.ID)[before:]
	if len(cs) != 1 || cs[0].Action != subscriber.ConsentUnsubscribe {
		t.Errorf("consent records of the save = %+v; want the one unsubscribe", cs)
	}
	out = savePreferences(t, st, sub.ID, subscriber.PreferenceChange{Join: []int64{1}, At: t0.Add(2 * time.Minute), Source: subscriber.PreferencesSource})
	if !out.Refused || out.Joined != nil || standingOf(t, st, sub.ID).States[1] != subscriber.Unsubscribed {
		t.Errorf("joining again on a suppressed address = %+v; want refused and still unsubscribed", out)
	}
}

func testPreferencesChangeNothingOnError(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	sub, weekly := prefsSubscriber(t, st, "a@example.com", t0)
	before, consents := standingOf(t, st, sub.ID), len(consentsOf(t, st, sub.ID))

	// The rename and the leave come before the failing join; none stays.
	c := subscriber.PreferenceChange{Join: []int64{weekly, 999}, Leave: []int64{1}, Rename: true, Name: "Someone",
		At: t0.Add(time.Minute), Source: subscriber.PreferencesSource}
	if out, err := st.SavePreferences(ctx, sub.ID, c); !errors.Is(err, subscriber.ErrNoNewsletter) {
		t.Fatalf("SavePreferences(join newsletter 999) = %+v, %v; want ErrNoNewsletter", out, err)
	}
	if diff := cmp.Diff(before, standingOf(t, st, sub.ID)); diff != "" {
		t.Errorf("a failed save changed the subscriber (-before +after):\n%s", diff)
	}
	if got := len(consentsOf(t, st, sub.ID)); got != consents {
		t.Errorf("a failed save left %d consent records", got-consents)
	}

	c.Join = []int64{weekly}
	if out, err := st.SavePreferences(ctx, sub.ID+100, c); !errors.Is(err, subscriber.ErrNotFound) {
		t.Errorf("SavePreferences(unknown subscriber %d) = %+v, %v; want ErrNotFound", sub.ID+100, out, err)
	}
	if diff := cmp.Diff(before, standingOf(t, st, sub.ID)); diff != "" {
		t.Errorf("a save for another subscriber changed this one (-before +after):\n%s", diff)
	}
}

// testPreferencesConfirmPending: a subscription waiting for confirmation
// that the reader joins on the page is confirmed, with its records; one
// confirmed already is left as it is.
func testPreferencesConfirmPending(t *testing.T, st Store) {
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	sub, weekly := prefsSubscriber(t, st, "p@example.com", t0)
	before := len(consentsOf(t, st, sub.ID))
	c := subscriber.PreferenceChange{Join: []int64{1}, At: t0.Add(time.Minute), Source: subscriber.PreferencesSource, Wording: "Ticked.", IP: "192.0.2.8"}
	if out := savePreferences(t, st, sub.ID, c); !cmp.Equal(out.Joined, []int64{1}) {
		t.Errorf("joining the pending newsletter 1: outcome %+v; want it joined", out)
	}
	if got := standingOf(t, st, sub.ID).States; got[1] != subscriber.Confirmed || got[weekly] != "" {
		t.Errorf("after joining the pending newsletter: %v; want 1 confirmed", got)
	}
	if n := len(consentsOf(t, st, sub.ID)) - before; n != 2 {
		t.Errorf("joining a pending newsletter added %d consent records, want 2 (signup, confirm)", n)
	}
	if out := savePreferences(t, st, sub.ID, c); len(out.Joined) != 0 {
		t.Errorf("joining it again: outcome %+v; want nothing joined", out)
	}
}
