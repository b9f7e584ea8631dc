package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/article"
	"herald/internal/delivery"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

func open(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func save(t *testing.T, st *sqlite.Store, a article.Article) article.Article {
	t.Helper()
	if err := a.Normalize(); err != nil {
		t.Fatalf("Normalize(%q): %v", a.Title, err)
	}
	a.BodyHTML = "<p>" + a.Body + "</p>"
	id, err := st.SaveArticle(context.Background(), &a)
	if err != nil {
		t.Fatalf("SaveArticle(%q): %v", a.Slug, err)
	}
	a.ID = id
	return a
}

func TestOpenTwiceKeepsDataAndMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := st.EnsureSetting(ctx, "secret", "one")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	second, err := st.EnsureSetting(ctx, "secret", "two")
	if err != nil || second != first {
		t.Fatalf("EnsureSetting after reopen = %q, %v; want %q", second, err, first)
	}
	nls, err := st.Newsletters(ctx)
	if err != nil || len(nls) != 1 {
		t.Fatalf("Newsletters = %v, %v; want the one default newsletter", nls, err)
	}
}

func TestArticlesListingAndTranslations(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	// The translation is saved before its original: it must still join it.
	save(t, st, article.Article{Title: "Bonjour", Slug: "bonjour", Language: "fr", TranslationOf: "hello", PublishedAt: now.Add(-time.Hour), Authors: []article.Author{{Name: "Ana"}}})
	save(t, st, article.Article{Title: "Hello", Slug: "hello", PublishedAt: now.Add(-2 * time.Hour), Section: "World", Tags: []article.Tag{{Name: "Big news"}}, Authors: []article.Author{{Name: "Ana"}, {Name: "Bo"}}})
	save(t, st, article.Article{Title: "Draft", Status: article.Draft})
	save(t, st, article.Article{Title: "Future", PublishedAt: now.Add(time.Hour), Status: article.Scheduled})

	got, err := st.ArticleBySlug(ctx, "hello")
	if err != nil {
		t.Fatalf("ArticleBySlug(hello): %v", err)
	}
	if diff := cmp.Diff([]article.Ref{{Slug: "bonjour", Language: "fr", Title: "Bonjour"}}, got.Translations); diff != "" {
		t.Errorf("translations of hello (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]article.Author{{Name: "Ana", Slug: "ana"}, {Name: "Bo", Slug: "bo"}}, got.Authors); diff != "" {
		t.Errorf("authors (-want +got):\n%s", diff)
	}
	if !got.PublishedAt.Equal(now.Add(-2 * time.Hour)) {
		t.Errorf("PublishedAt = %v, want %v", got.PublishedAt, now.Add(-2*time.Hour))
	}

	slugs := func(q article.Query) []string {
		list, err := st.ListArticles(ctx, q, now)
		if err != nil {
			t.Fatalf("ListArticles(%+v): %v", q, err)
		}
		var s []string
		for _, a := range list {
			s = append(s, a.Slug)
		}
		return s
	}
	for _, c := range []struct {
		q    article.Query
		want []string
	}{
		{article.Query{}, []string{"bonjour", "hello"}},
		{article.Query{Limit: 1}, []string{"bonjour"}},
		{article.Query{Tag: "big-news"}, []string{"hello"}},
		{article.Query{Section: "world"}, []string{"hello"}},
		{article.Query{Author: "bo"}, []string{"hello"}},
		{article.Query{Language: "fr"}, []string{"bonjour"}},
		{article.Query{Before: article.Cursor{PublishedAt: now.Add(-time.Hour), ID: 1 << 40}}, []string{"bonjour", "hello"}},
		{article.Query{Before: article.Cursor{PublishedAt: now.Add(-time.Hour), ID: 1}}, []string{"hello"}},
		{article.Query{AllStates: true}, []string{"future", "bonjour", "hello", "draft"}},
	} {
		if diff := cmp.Diff(c.want, slugs(c.q)); diff != "" {
			t.Errorf("ListArticles(%+v) (-want +got):\n%s", c.q, diff)
		}
	}
	if _, err := st.ArticleBySlug(ctx, "nope"); !errors.Is(err, article.ErrNotFound) {
		t.Errorf("ArticleBySlug(nope) error = %v, want ErrNotFound", err)
	}

	// Publishing the same slug again updates it and replaces its tags.
	save(t, st, article.Article{Title: "Hello again", Slug: "hello", PublishedAt: now.Add(-2 * time.Hour)})
	got, _ = st.ArticleBySlug(ctx, "hello")
	if got.Title != "Hello again" || len(got.Tags) != 0 || len(got.Authors) != 0 {
		t.Errorf("after update got title %q tags %v authors %v", got.Title, got.Tags, got.Authors)
	}
}

func signup(email string, at time.Time) subscriber.Signup {
	return subscriber.Signup{Email: email, Newsletters: []int64{1}, Source: "/", Wording: "I agree", IP: "127.0.0.1", At: at}
}

func states(t *testing.T, st *sqlite.Store) map[string]subscriber.State {
	t.Helper()
	list, err := st.ListSubscribers(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]subscriber.State{}
	for _, s := range list {
		for _, sp := range s.Subscriptions {
			m[s.Email] = sp.State
		}
	}
	return m
}

func TestSignupConfirmUnsubscribeAndMailQueue(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	now := time.Now().UTC()
	err := st.RecordSignups(ctx, []subscriber.Signup{signup("a@example.com", now), signup("b@example.com", now), signup("A@example.com", now.Add(time.Minute))}, time.Hour)
	if err != nil {
		t.Fatalf("RecordSignups: %v", err)
	}
	if diff := cmp.Diff(map[string]subscriber.State{"a@example.com": "pending", "b@example.com": "pending"}, states(t, st)); diff != "" {
		t.Errorf("states after signup (-want +got):\n%s", diff)
	}
	claim := func() []delivery.Delivery {
		list, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "t", Now: time.Now().Add(time.Second), Lease: time.Minute, Limit: 100})
		if err != nil {
			t.Fatalf("ClaimDeliveries: %v", err)
		}
		return list
	}
	ds := claim()
	if len(ds) != 2 {
		t.Fatalf("claimed %d deliveries, want 2 (one per address within the hour): %+v", len(ds), ds)
	}
	// A claimed delivery is not claimed twice while its lease holds.
	if again := claim(); len(again) != 0 {
		t.Fatalf("claimed %d leased deliveries again", len(again))
	}
	// A result with a stale fence is dropped.
	n, err := st.RecordResults(ctx, []delivery.Result{{ID: ds[0].ID, Fence: ds[0].Fence - 1, State: delivery.Sent, At: now, Attempted: true}})
	if err != nil || n != 0 {
		t.Fatalf("RecordResults(stale fence) = %d, %v; want 0 applied", n, err)
	}
	n, err = st.RecordResults(ctx, []delivery.Result{
		{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Sent, At: now, Attempted: true},
		{ID: ds[1].ID, Fence: ds[1].Fence, State: delivery.Failed, At: now, Code: 550, Status: "5.1.1", Suppress: true, Attempted: true},
	})
	if err != nil || n != 2 {
		t.Fatalf("RecordResults = %d, %v; want 2", n, err)
	}
	if bad, _ := st.IsSuppressed(ctx, ds[1].Recipient); !bad {
		t.Errorf("IsSuppressed(%s) = false after a 5.1.1 bounce", ds[1].Recipient)
	}

	subs, _ := st.ListSubscribers(ctx, 0, 10)
	a := subs[0]
	confirmed, err := st.ConfirmSubscriber(ctx, a.ID, subscriber.Consent{SubscriberID: a.ID, Action: subscriber.ConsentConfirm, At: now})
	if err != nil || len(confirmed) != 1 {
		t.Fatalf("ConfirmSubscriber = %v, %v; want the newsletter", confirmed, err)
	}
	if ds := claim(); len(ds) != 1 || ds[0].Kind != delivery.KindWelcome {
		t.Fatalf("after confirming, claimed %+v; want one welcome email", ds)
	}
	// Signing up again while confirmed changes nothing and sends nothing.
	if err := st.RecordSignups(ctx, []subscriber.Signup{signup("a@example.com", now.Add(2*time.Hour))}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if ds := claim(); len(ds) != 0 {
		t.Fatalf("signup of a confirmed address queued %+v", ds)
	}
	if err := st.UnsubscribeSubscriber(ctx, a.ID, 0, subscriber.Consent{SubscriberID: a.ID, Action: subscriber.ConsentUnsubscribe, At: now}); err != nil {
		t.Fatal(err)
	}
	if got := states(t, st)["a@example.com"]; got != subscriber.Unsubscribed {
		t.Errorf("state after unsubscribe = %s", got)
	}
	cs, err := st.Consents(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
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

func TestExpiredLeaseIsClaimedAgainWithNewFence(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	now := time.Now().UTC()
	if err := st.RecordSignups(ctx, []subscriber.Signup{signup("c@example.com", now)}, time.Hour); err != nil {
		t.Fatal(err)
	}
	first, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "dead", Now: now, Lease: time.Second, Limit: 10})
	if err != nil || len(first) != 1 {
		t.Fatalf("first claim = %v, %v", first, err)
	}
	second, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "alive", Now: now.Add(2 * time.Second), Lease: time.Minute, Limit: 10})
	if err != nil || len(second) != 1 || second[0].Fence <= first[0].Fence {
		t.Fatalf("claim after expiry = %+v, %v; want the row with a higher fence than %d", second, err, first[0].Fence)
	}
	// The dead owner's late answer is ignored; the new owner's counts.
	if n, _ := st.RecordResults(ctx, []delivery.Result{{ID: first[0].ID, Fence: first[0].Fence, State: delivery.Sent, At: now, Attempted: true}}); n != 0 {
		t.Errorf("stale owner's result applied")
	}
	if n, _ := st.RecordResults(ctx, []delivery.Result{{ID: second[0].ID, Fence: second[0].Fence, State: delivery.Queued, NextAttempt: now.Add(time.Hour), At: now, Attempted: true}}); n != 1 {
		t.Errorf("current owner's result not applied")
	}
	if later, _ := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "x", Now: now.Add(time.Minute), Lease: time.Minute, Limit: 10}); len(later) != 0 {
		t.Errorf("a delivery deferred for an hour was claimed after a minute")
	}
	if later, _ := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "x", Now: now.Add(2 * time.Hour), Lease: time.Minute, Limit: 10}); len(later) != 1 || later[0].Attempts != 1 {
		t.Errorf("deferred delivery after its time = %+v; want one with 1 attempt", later)
	}
}
