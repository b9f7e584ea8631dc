package subscriber_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// heard keeps the events a service emits, as a webhook emitter would.
type heard struct{ events []string }

func (h *heard) Emit(_ context.Context, event string, payload any) error {
	p := payload.(map[string]any)
	h.events = append(h.events, fmt.Sprintf("%s %v", event, p["newsletter_ids"]))
	return nil
}

// prefsService is a service over a real store holding one pending reader of
// newsletter 1 and a second newsletter, and a preferences token for them.
func prefsService(t *testing.T) (svc *subscriber.Service, st *sqlite.Store, events *heard, id, weekly int64, token string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := st.RecordSignups(ctx, []subscriber.Signup{{Email: "reader@example.org", Name: "Rea", Newsletters: []int64{1}, At: now}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if weekly, err = st.CreateNewsletter(ctx, &subscriber.Newsletter{Slug: "weekly", Name: "The Weekly", Language: "en", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	subs, err := st.ListSubscribers(ctx, 0, 10)
	if err != nil || len(subs) != 1 {
		t.Fatalf("ListSubscribers = %+v, %v", subs, err)
	}
	signer := subscriber.NewSigner([]byte("a secret of at least thirty-two bytes"))
	events = &heard{}
	svc = subscriber.NewService(subscriber.Config{Store: st, Signer: signer, Events: events, Now: func() time.Time { return now }})
	id = subs[0].ID
	return svc, st, events, id, weekly, signer.Sign(subscriber.Token{Purpose: subscriber.PurposePreferences, SubscriberID: id})
}

func TestPreferencesShowsEveryNewsletter(t *testing.T) {
	svc, _, _, _, weekly, token := prefsService(t)
	p, err := svc.Preferences(context.Background(), token)
	if err != nil {
		t.Fatalf("Preferences(token) = %v", err)
	}
	var got []string
	for _, c := range p.Newsletters {
		got = append(got, fmt.Sprintf("%d:%s:%v", c.Newsletter.ID, c.State, c.Subscribed()))
	}
	want := []string{"1:pending:true", fmt.Sprintf("%d::false", weekly)}
	if p.Email != "reader@example.org" || p.Name != "Rea" || p.Suppressed || !slices.Equal(got, want) {
		t.Errorf("Preferences(token) = %+v, choices %v; want reader@example.org, Rea, not suppressed, choices %v", p, got, want)
	}
}

func TestPreferencesTokensServeNothingElse(t *testing.T) {
	ctx := context.Background()
	signer := subscriber.NewSigner([]byte("a secret of at least thirty-two bytes"))
	now := time.Unix(1_800_000_000, 0)
	prefs := signer.Sign(subscriber.Token{Purpose: subscriber.PurposePreferences, SubscriberID: 7})
	if _, err := signer.Verify(prefs, subscriber.PurposeUnsubscribe, now); !errors.Is(err, subscriber.ErrBadToken) {
		t.Errorf("a preferences token was accepted for unsubscribing: %v", err)
	}
	if _, err := signer.Verify(prefs, subscriber.PurposeConfirm, now); !errors.Is(err, subscriber.ErrBadToken) {
		t.Errorf("a preferences token was accepted for confirming: %v", err)
	}
	// Like unsubscribe links, preferences links do not expire.
	if _, err := signer.Verify(prefs, subscriber.PurposePreferences, now.Add(10*365*24*time.Hour)); err != nil {
		t.Errorf("preferences token refused years later: %v", err)
	}
	svc, _, _, id, _, _ := prefsService(t)
	unsub := signer.Sign(subscriber.Token{Purpose: subscriber.PurposeUnsubscribe, SubscriberID: id})
	if _, err := svc.Preferences(ctx, unsub); !errors.Is(err, subscriber.ErrBadToken) {
		t.Errorf("Preferences(unsubscribe token) = %v; want ErrBadToken", err)
	}
	if _, err := svc.SavePreferences(ctx, unsub, subscriber.PreferencesForm{LeaveAll: true}); !errors.Is(err, subscriber.ErrBadToken) {
		t.Errorf("SavePreferences(unsubscribe token) = %v; want ErrBadToken", err)
	}
}

func TestSavePreferencesAppliesTheDifference(t *testing.T) {
	ctx := context.Background()
	svc, st, events, id, weekly, token := prefsService(t)
	saved, err := svc.SavePreferences(ctx, token, subscriber.PreferencesForm{Newsletters: []int64{weekly}, Name: "  Ada  ", Wording: "Ticked is sent.", IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("SavePreferences(weekly only, Ada) = %v", err)
	}
	if len(saved.Joined) != 1 || saved.Joined[0].ID != weekly || len(saved.Left) != 1 || saved.Left[0].ID != 1 || !saved.Renamed || saved.Refused != nil {
		t.Errorf("SavePreferences(weekly only, Ada) = %+v; want weekly joined, 1 left, renamed", saved)
	}
	sub, err := st.SubscriberByID(ctx, id)
	if err != nil || sub.Name != "Ada" {
		t.Errorf("SubscriberByID(%d) = %+v, %v; want the name Ada, trimmed", id, sub, err)
	}
	want := []string{fmt.Sprintf("subscriber.confirmed [%d]", weekly), "subscriber.unsubscribed [1]"}
	if !slices.Equal(events.events, want) {
		t.Errorf("events = %q, want %q", events.events, want)
	}

	// The same form again changes nothing and tells no one.
	if saved, err := svc.SavePreferences(ctx, token, subscriber.PreferencesForm{Newsletters: []int64{weekly}, Name: "Ada"}); err != nil || saved.Joined != nil || saved.Left != nil || saved.Renamed {
		t.Errorf("SavePreferences(same again) = %+v, %v; want nothing changed", saved, err)
	}
	if len(events.events) != 2 {
		t.Errorf("saving the same again emitted %q", events.events[2:])
	}

	saved, err = svc.SavePreferences(ctx, token, subscriber.PreferencesForm{LeaveAll: true, Name: "ignored"})
	if err != nil || len(saved.Left) != 1 || saved.Left[0].ID != weekly || saved.Renamed {
		t.Errorf("SavePreferences(leave all) = %+v, %v; want weekly left, the name kept", saved, err)
	}
	if got := events.events[len(events.events)-1]; got != fmt.Sprintf("subscriber.unsubscribed [%d]", weekly) {
		t.Errorf("last event after leaving all = %q", got)
	}
}

func TestSavePreferencesRefusesBadFormsWhole(t *testing.T) {
	ctx := context.Background()
	svc, st, events, id, weekly, token := prefsService(t)
	before, _ := st.SubscriberByID(ctx, id)
	consents, _ := st.Consents(ctx, id)
	for name, f := range map[string]subscriber.PreferencesForm{
		"name with a line break": {Newsletters: []int64{weekly}, Name: "Ada\r\nBcc: x@example.org"},
		"name too long":          {Newsletters: []int64{weekly}, Name: strings.Repeat("é", 101)},
		"newsletter not offered": {Newsletters: []int64{weekly, 99}, Name: "Ada"},
	} {
		_, err := svc.SavePreferences(ctx, token, f)
		var ae *subscriber.AddressError
		if !errors.As(err, &ae) || ae.Reason == "" {
			t.Errorf("SavePreferences(%s) = %v; want an *AddressError with a reason", name, err)
		}
	}
	after, _ := st.SubscriberByID(ctx, id)
	now, _ := st.Consents(ctx, id)
	if after.Name != before.Name || len(after.Subscriptions) != len(before.Subscriptions) || after.Subscriptions[0].State != subscriber.Pending || len(now) != len(consents) || len(events.events) != 0 {
		t.Errorf("refused forms changed something: %+v, %d consent records, events %q; before %+v, %d", after, len(now), events.events, before, len(consents))
	}
}
