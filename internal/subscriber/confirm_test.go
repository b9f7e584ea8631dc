package subscriber_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// overtaken is a real store in which something else happens to the
// subscriber just before a confirmation reaches it, as when the reader
// pressed the button in two tabs at once.
type overtaken struct {
	*sqlite.Store
	first func(ctx context.Context, id int64)
}

func (o *overtaken) ConfirmSubscriber(ctx context.Context, id int64, c subscriber.Consent) ([]subscriber.Newsletter, error) {
	if f := o.first; f != nil {
		o.first = nil
		f(ctx, id)
	}
	return o.Store.ConfirmSubscriber(ctx, id, c)
}

// A confirmation announces what it confirmed itself: nothing, and so no
// event at all, when another confirmation came first, also when the
// reader left since.
func TestConfirmAnnouncesOnlyWhatItConfirmed(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		first  func(t *testing.T, st *sqlite.Store) func(ctx context.Context, id int64)
		events []string
	}{
		{"alone", nil, []string{"subscriber.confirmed [1]"}},
		{"after another confirmation", func(t *testing.T, st *sqlite.Store) func(ctx context.Context, id int64) {
			return func(ctx context.Context, id int64) { confirm(t, st, id) }
		}, nil},
		{"after another confirmation and leaving", func(t *testing.T, st *sqlite.Store) func(ctx context.Context, id int64) {
			return func(ctx context.Context, id int64) {
				confirm(t, st, id)
				if _, err := st.UnsubscribeSubscriber(ctx, id, 0, subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentUnsubscribe, At: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			now := time.Now().UTC().Truncate(time.Millisecond)
			if err := st.RecordSignups(ctx, []subscriber.Signup{{Email: "reader@example.org", Newsletters: []int64{1}, At: now}}, time.Hour); err != nil {
				t.Fatal(err)
			}
			subs, err := st.ListSubscribers(ctx, 0, 10)
			if err != nil || len(subs) != 1 {
				t.Fatalf("ListSubscribers = %+v, %v", subs, err)
			}
			store := &overtaken{Store: st}
			if tc.first != nil {
				store.first = tc.first(t, st)
			}
			signer := subscriber.NewSigner([]byte("a secret of at least thirty-two bytes"))
			events := &heard{}
			svc := subscriber.NewService(subscriber.Config{Store: store, Signer: signer, Events: events, Now: func() time.Time { return now }})
			token := signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: subs[0].ID, Expires: now.Add(time.Hour)})
			if _, err := svc.Confirm(ctx, token, "192.0.2.1"); err != nil {
				t.Fatalf("Confirm(token) = %v", err)
			}
			if !slices.Equal(events.events, tc.events) {
				t.Errorf("Confirm(token) %s emitted %q; want %q", tc.name, events.events, tc.events)
			}
		})
	}
}

func confirm(t *testing.T, st *sqlite.Store, id int64) {
	t.Helper()
	c := subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentConfirm, At: time.Now(), Source: "another tab"}
	if _, err := st.ConfirmSubscriber(context.Background(), id, c); err != nil {
		t.Fatalf("ConfirmSubscriber(%d) = %v", id, err)
	}
}
