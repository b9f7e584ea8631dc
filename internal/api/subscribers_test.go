package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/delivery"
	"herald/internal/subscriber"
	"herald/internal/user"
	"herald/internal/webhook"
)

// signup records signups the way the site's box does.
func (e *testEnv) signup(emails ...string) {
	e.t.Helper()
	var batch []subscriber.Signup
	for _, a := range emails {
		batch = append(batch, subscriber.Signup{Email: a, Newsletters: []int64{1}, At: e.clock()})
	}
	if err := e.store.RecordSignups(context.Background(), batch, time.Hour); err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) subscriberID(email string) int64 {
	e.t.Helper()
	s, err := e.store.SubscriberByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatalf("SubscriberByEmail(%s) = %v", email, err)
	}
	return s.ID
}

func states(s subscriberJSON) map[int64]string {
	out := map[int64]string{}
	for _, sp := range s.Subscriptions {
		out[sp.NewsletterID] = sp.State
	}
	return out
}

func TestCreateSubscriber(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)

	var pending subscriberJSON
	r := e.do(tok, "POST", "/api/v1/subscribers", map[string]any{"email": " Reader@Example.COM ", "name": "Rea", "tags": []string{"Local"}, "newsletter_ids": []int64{1}})
	r.want(t, 201, &pending)
	if pending.Email != "Reader@example.com" || pending.Name != "Rea" || !cmp.Equal(pending.Tags, []string{"local"}) ||
		!cmp.Equal(states(pending), map[int64]string{1: "pending"}) {
		t.Errorf("created %+v; want Reader@example.com, pending, tagged local", pending)
	}
	var again subscriberJSON
	e.do(tok, "POST", "/api/v1/subscribers", map[string]any{"email": "reader@example.com", "newsletter_ids": []int64{1}}).want(t, 200, &again)
	if again.ID != pending.ID {
		t.Errorf("the same address again got subscriber %d; want %d", again.ID, pending.ID)
	}

	var confirmed subscriberJSON
	e.do(tok, "POST", "/api/v1/subscribers", map[string]any{"email": "moved@example.com", "newsletter_ids": []int64{1}, "confirmed": true, "tags": []string{"imported"}}).
		want(t, 201, &confirmed)
	if !cmp.Equal(states(confirmed), map[int64]string{1: "confirmed"}) || !cmp.Equal(confirmed.Tags, []string{"imported"}) {
		t.Errorf("created with confirmed: %+v; want confirmed and tagged", confirmed)
	}
	consents, err := e.store.Consents(context.Background(), confirmed.ID)
	if err != nil || len(consents) != 1 || consents[0].Action != subscriber.ConsentConfirm || consents[0].Wording != subscriber.WordingImportedConfirmed {
		t.Errorf("consent records of a subscriber added as confirmed: %+v, %v; want one confirm record with the import wording", consents, err)
	}

	// The pending address was sent a confirmation email by the signup
	// rules; the confirmed one was sent nothing.
	ds, err := e.store.ClaimDeliveries(context.Background(), delivery.Claim{Owner: "test", Now: e.clock().Add(time.Minute), Lease: time.Minute, Limit: 10})
	if err != nil || len(ds) != 1 || ds[0].Kind != delivery.KindConfirm || ds[0].Recipient != "Reader@example.com" {
		t.Errorf("queued mail = %+v, %v; want one confirmation email to Reader@example.com", ds, err)
	}

	// People who left are not added back as confirmed.
	e.do(tok, "POST", "/api/v1/subscribers/"+itoa(confirmed.ID)+"/unsubscribe", nil).want(t, 200, nil)
	e.do(tok, "POST", "/api/v1/subscribers", map[string]any{"email": "moved@example.com", "newsletter_ids": []int64{1}, "confirmed": true}).
		wantError(t, 409, "conflict", "email")

	e.do(tok, "POST", "/api/v1/subscribers", map[string]any{"email": "not an address", "newsletter_ids": []int64{1}}).
		wantError(t, 422, "validation_failed", "email")
	e.do(tok, "POST", "/api/v1/subscribers", map[string]any{"email": "x@example.com", "newsletter_ids": []int64{42}}).
		wantError(t, 422, "validation_failed", "newsletter_ids")
	e.do(tok, "POST", "/api/v1/subscribers", map[string]any{"email": "x@example.com", "newsletter_ids": []int64{1}, "tags": []string{"a,b"}}).
		wantError(t, 422, "validation_failed", "tags")
}

func TestListSubscribers(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	e.signup("a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com")
	ctx := context.Background()
	b := e.subscriberID("b@example.com")
	if _, err := e.store.ConfirmSubscriber(ctx, b, subscriber.Consent{SubscriberID: b, Action: subscriber.ConsentConfirm, At: e.clock()}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.UpdateSubscriberProfile(ctx, e.subscriberID("d@example.com"), "Dee", "", []string{"vip"}); err != nil {
		t.Fatal(err)
	}

	var got []string
	path := "/api/v1/subscribers?limit=2"
	for n := 0; n < 10; n++ {
		var p page[subscriberJSON]
		e.do(tok, "GET", path, nil).want(t, 200, &p)
		for _, s := range p.Items {
			got = append(got, s.Email)
		}
		if n == 0 {
			e.signup("late@example.com")
		}
		if p.NextCursor == "" {
			break
		}
		path = "/api/v1/subscribers?limit=2&cursor=" + p.NextCursor
	}
	want := []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com", "late@example.com"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("emails over all pages (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"state=confirmed", []string{"b@example.com"}},
		{"state=pending&newsletter_id=1&limit=3", []string{"a@example.com", "c@example.com", "d@example.com"}},
		{"newsletter_id=2", nil},
		{"tag=VIP", []string{"d@example.com"}},
		{"email=C@EXAMPLE.COM", []string{"c@example.com"}},
	} {
		var p page[subscriberJSON]
		e.do(tok, "GET", "/api/v1/subscribers?"+tc.query, nil).want(t, 200, &p)
		var emails []string
		for _, s := range p.Items {
			emails = append(emails, s.Email)
		}
		if diff := cmp.Diff(tc.want, emails); diff != "" {
			t.Errorf("GET /api/v1/subscribers?%s (-want +got):\n%s", tc.query, diff)
		}
	}
	e.do(tok, "GET", "/api/v1/subscribers?state=gone", nil).wantError(t, 400, "bad_request", "state")
	e.do(tok, "GET", "/api/v1/subscribers?newsletter_id=x", nil).wantError(t, 400, "bad_request", "newsletter_id")
}

func TestUpdateAndUnsubscribe(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	e.signup("reader@example.com")
	id := itoa(e.subscriberID("reader@example.com"))

	var s subscriberJSON
	e.do(tok, "PATCH", "/api/v1/subscribers/"+id, map[string]any{"name": "Rea Der", "tags": []string{"B", "a", "b"}}).want(t, 200, &s)
	if s.Name != "Rea Der" || !cmp.Equal(s.Tags, []string{"a", "b"}) {
		t.Errorf("after PATCH: name %q tags %v; want Rea Der and [a b]", s.Name, s.Tags)
	}
	e.do(tok, "PATCH", "/api/v1/subscribers/"+id, map[string]any{"name": "Only the name"}).want(t, 200, &s)
	if !cmp.Equal(s.Tags, []string{"a", "b"}) {
		t.Errorf("a PATCH without tags changed them to %v", s.Tags)
	}
	e.do(tok, "PATCH", "/api/v1/subscribers/"+id, map[string]any{"name": "two\nlines"}).wantError(t, 422, "validation_failed", "name")
	e.do(tok, "PATCH", "/api/v1/subscribers/999", map[string]any{"name": "x"}).wantError(t, 404, "not_found", "")

	e.do(tok, "POST", "/api/v1/subscribers/"+id+"/unsubscribe", map[string]any{"newsletter_id": 1}).want(t, 200, &s)
	if !cmp.Equal(states(s), map[int64]string{1: "unsubscribed"}) {
		t.Errorf("after unsubscribe: %v; want unsubscribed", states(s))
	}
	consents, err := e.store.Consents(context.Background(), s.ID)
	if err != nil || len(consents) != 2 || consents[1].Action != subscriber.ConsentUnsubscribe || consents[1].Source == "" {
		t.Errorf("consents after an API unsubscribe = %+v, %v; want the signup and an unsubscribe naming its source", consents, err)
	}
}

func TestImportSubscribers(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	e.signup("left@example.com", "known@example.com")
	ctx := context.Background()
	left := e.subscriberID("left@example.com")
	if _, err := e.store.UnsubscribeSubscriber(ctx, left, 0, subscriber.Consent{SubscriberID: left, Action: subscriber.ConsentUnsubscribe, At: e.clock()}); err != nil {
		t.Fatal(err)
	}
	file := "email,name,tags,state\n" +
		"ada@example.com,Ada,news;local,\n" + // 2 imported
		"bad-address,Bob,,\n" + // 3 rejected
		"ADA@example.com,,sports,\n" + // 4 merged into line 2
		"x\"y@example.com,,,\n" + // 5 rejected: bare quote
		"cy@example.com,Cy,,unsubscribed\n" + // 6 rejected by the file
		"left@example.com,,,\n" + // 7 rejected: left earlier
		"known@example.com,Known,,\n" + // 8 updated: gains a name
		",No Email,,\n" + // 9 rejected
		"dee@example.com,Dee,,pending\n" // 10 imported
	var got importJSON
	e.do(tok, "POST", "/api/v1/subscribers/import?newsletter_id=1&confirmed=true", file, "Content-Type", "text/csv; charset=utf-8").want(t, 200, &got)
	want := importJSON{Read: 9, Imported: 2, Updated: 1, Merged: 1, Skipped: 5, Rejected: []rejectedRow{
		{3, "That email address is missing an @ and a domain."},
		{5, `a quote (") inside a field that is not itself in quotes`},
		{6, subscriber.ReasonUnsubscribedFile},
		{7, subscriber.ReasonUnsubscribed},
		{9, "no email address"},
	}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(importJSON{})); diff != "" {
		t.Errorf("import result (-want +got):\n%s", diff)
	}

	var confirmed page[subscriberJSON]
	e.do(tok, "GET", "/api/v1/subscribers?state=confirmed", nil).want(t, 200, &confirmed)
	var emails []string
	for _, s := range confirmed.Items {
		emails = append(emails, s.Email)
	}
	if diff := cmp.Diff([]string{"known@example.com", "ada@example.com"}, emails); diff != "" {
		t.Errorf("confirmed after an import with confirmed=true (-want +got):\n%s", diff)
	}
	var ada page[subscriberJSON]
	e.do(tok, "GET", "/api/v1/subscribers?email=ada@example.com", nil).want(t, 200, &ada)
	if len(ada.Items) != 1 || !cmp.Equal(ada.Items[0].Tags, []string{"local", "news", "sports"}) {
		t.Errorf("ada after the import: %+v; want one subscriber with the tags of both rows", ada.Items)
	}

	for _, tc := range []struct {
		query, file, code, field string
		status                   int
	}{
		{"", "email\n", "bad_request", "newsletter_id", http.StatusBadRequest},
		{"newsletter_id=9", "email\n", "validation_failed", "newsletter_id", http.StatusUnprocessableEntity},
		{"newsletter_id=1&confirmed=maybe", "email\n", "bad_request", "confirmed", http.StatusBadRequest},
		{"newsletter_id=1", "", "validation_failed", "", http.StatusUnprocessableEntity},
		{"newsletter_id=1", "mail,name\n", "validation_failed", "", http.StatusUnprocessableEntity},
		// A quote never closed: where the rows begin is lost.
		{"newsletter_id=1", "email\nok@example.com\n\"open@example.com\nnext@example.com\n", "validation_failed", "file", http.StatusUnprocessableEntity},
	} {
		e.do(tok, "POST", "/api/v1/subscribers/import?"+tc.query, tc.file, "Content-Type", "text/csv").wantError(t, tc.status, tc.code, tc.field)
	}
}

// An import through the API leaves out a person erased on their request.
func TestImportLeavesOutTheErased(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	ctx := context.Background()
	var got importJSON
	e.do(tok, "POST", "/api/v1/subscribers/import?newsletter_id=1", "email\nana@example.com\n", "Content-Type", "text/csv").want(t, 200, &got)
	ana, err := e.store.SubscriberByEmail(ctx, "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.EraseSubscriber(ctx, ana.ID, subscriber.ErasureKey([]byte("test secret"), "ana@example.com"), "erased on request", e.clock()); err != nil {
		t.Fatal(err)
	}
	e.do(tok, "POST", "/api/v1/subscribers/import?newsletter_id=1", "email\nAna@Example.com\n", "Content-Type", "text/csv").want(t, 200, &got)
	if got.Imported != 0 || got.Skipped != 1 || len(got.Rejected) != 1 || got.Rejected[0].Reason != subscriber.ReasonErased {
		t.Errorf("import of an erased address = %+v; want it left out as erased", got)
	}
	if _, err := e.store.SubscriberByEmail(ctx, "ana@example.com"); err == nil {
		t.Error("the erased address was added again")
	}
	// Nor is the person added back one at a time, confirmed or not.
	for _, body := range []string{
		`{"email": "ana@example.com", "newsletter_ids": [1], "confirmed": true}`,
		`{"email": "ANA@example.com", "newsletter_ids": [1]}`,
	} {
		e.do(tok, "POST", "/api/v1/subscribers", body).wantError(t, http.StatusConflict, "conflict", "email")
	}
	if _, err := e.store.SubscriberByEmail(ctx, "ana@example.com"); err == nil {
		t.Error("the erased address was added again through POST /subscribers")
	}
}

// Adding tags to a stored subscriber stops at the limit, as the forms do.
func TestAddSubscriberKeepsTheTagLimit(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	tags := func(prefix string, n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%q", fmt.Sprintf("%s-%d", prefix, i))
		}
		return b.String()
	}
	for _, confirmed := range []bool{false, true} {
		email := fmt.Sprintf("bo-%v@example.com", confirmed)
		e.do(tok, "POST", "/api/v1/subscribers", fmt.Sprintf(`{"email": %q, "newsletter_ids": [1], "confirmed": %v, "tags": [%s]}`,
			email, confirmed, tags("old", 40))).want(t, http.StatusCreated, nil)
		e.do(tok, "POST", "/api/v1/subscribers", fmt.Sprintf(`{"email": %q, "newsletter_ids": [1], "confirmed": %v, "tags": [%s]}`,
			email, confirmed, tags("new", 30))).wantError(t, http.StatusUnprocessableEntity, "validation_failed", "tags")
		sub, err := e.store.SubscriberByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := e.store.SubscriberTags(context.Background(), sub.ID); len(got) != 40 {
			t.Errorf("confirmed=%v: %d tags after a refused add; want the 40 it had", confirmed, len(got))
		}
	}
}

// A token that may write subscribers but not read them, such as a signup
// form's, learns nothing of the person from its answers: not their
// record, not even whether the address was known.
func TestWriteOnlyTokenReadsNothing(t *testing.T) {
	e := newEnv(t)
	form := e.token(e.account(user.Editor), user.SubscriberWrite)
	editor := e.tokenFor(user.Editor)
	e.do(editor, "POST", "/api/v1/subscribers", `{"email": "ana@example.com", "name": "Ana", "newsletter_ids": [1], "confirmed": true}`).want(t, 201, nil)
	ana, err := e.store.SubscriberByEmail(context.Background(), "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/subscribers", `{"email": "ana@example.com", "newsletter_ids": [1]}`},
		{"POST", "/api/v1/subscribers", `{"email": "new@example.com", "newsletter_ids": [1]}`},
		{"PATCH", fmt.Sprintf("/api/v1/subscribers/%d", ana.ID), `{}`},
		{"POST", fmt.Sprintf("/api/v1/subscribers/%d/unsubscribe", ana.ID), `{"newsletter_id": 1}`},
	} {
		r := e.do(form, c.method, c.path, c.body)
		if r.status != http.StatusAccepted || strings.Contains(string(r.body), "@") || strings.Contains(string(r.body), "Ana") || r.header.Get("Location") != "" {
			t.Errorf("%s %s with a write-only token = %d %s (Location %q); want 202 and nothing of the person",
				c.method, c.path, r.status, r.body, r.header.Get("Location"))
		}
	}
	e.do(form, "GET", fmt.Sprintf("/api/v1/subscribers/%d", ana.ID), nil).wantError(t, 403, "forbidden", "")
}

// countingEvents counts the events emitted, by name.
type countingEvents struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingEvents) Emit(_ context.Context, event string, _ any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[event]++
	return nil
}

// Requests that unsubscribe the same person at once announce it once: a
// listener cannot tell repeats from new unsubscriptions.
func TestUnsubscribeAtOnceIsAnnouncedOnce(t *testing.T) {
	events := &countingEvents{n: map[string]int{}}
	e := newEnv(t, func(c *Config) { c.Events = events })
	tok := e.tokenFor(user.Editor)
	e.do(tok, "POST", "/api/v1/subscribers", `{"email": "ana@example.com", "newsletter_ids": [1], "confirmed": true}`).want(t, 201, nil)
	ana, err := e.store.SubscriberByEmail(context.Background(), "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			e.do(tok, "POST", fmt.Sprintf("/api/v1/subscribers/%d/unsubscribe", ana.ID), nil)
		})
	}
	wg.Wait()
	events.mu.Lock()
	defer events.mu.Unlock()
	if n := events.n[webhook.SubscriberUnsubscribed]; n != 1 {
		t.Errorf("%d subscriber.unsubscribed events for one person leaving once; want 1", n)
	}
}

// Nor does a write-only token learn, from a refusal, that an address left,
// bounced or was erased: those answers are the 202 a new address gets. An
// import reports on each address in its file, so it needs subscriber:read
// as well.
func TestWriteOnlyTokenLearnsNothingFromRefusals(t *testing.T) {
	e := newEnv(t)
	form := e.token(e.account(user.Editor), user.SubscriberWrite)
	editor := e.tokenFor(user.Editor)
	ctx := context.Background()
	e.signup("left@example.com", "erased@example.com")
	left := e.subscriberID("left@example.com")
	if _, err := e.store.UnsubscribeSubscriber(ctx, left, 0, subscriber.Consent{SubscriberID: left, Action: subscriber.ConsentUnsubscribe, At: e.clock()}); err != nil {
		t.Fatal(err)
	}
	erased := e.subscriberID("erased@example.com")
	if err := e.store.EraseSubscriber(ctx, erased, subscriber.ErasureKey([]byte("test secret"), "erased@example.com"), "erased on request", e.clock()); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		`{"email": "new@example.com", "newsletter_ids": [1], "confirmed": true}`,
		`{"email": "left@example.com", "newsletter_ids": [1], "confirmed": true}`,
		`{"email": "erased@example.com", "newsletter_ids": [1], "confirmed": true}`,
		`{"email": "erased@example.com", "newsletter_ids": [1]}`,
	} {
		r := e.do(form, "POST", "/api/v1/subscribers", body)
		if r.status != http.StatusAccepted || string(r.body) != "{\"accepted\":true}\n" {
			t.Errorf("POST /api/v1/subscribers %s with a write-only token = %d %s; want 202 {\"accepted\":true}", body, r.status, r.body)
		}
	}
	// A caller who may read is told why.
	e.do(editor, "POST", "/api/v1/subscribers", `{"email": "left@example.com", "newsletter_ids": [1], "confirmed": true}`).
		wantError(t, http.StatusConflict, "conflict", "email")

	e.do(form, "POST", "/api/v1/subscribers/import?newsletter_id=1", "email\nleft@example.com\n", "Content-Type", "text/csv").
		wantError(t, http.StatusForbidden, "forbidden", "")
	if s, err := e.store.SubscriberByEmail(ctx, "left@example.com"); err != nil || s.Subscriptions[0].State != subscriber.Unsubscribed {
		t.Errorf("left@example.com after a refused import: %+v, %v; want still unsubscribed", s, err)
	}
}

// An unsubscribe from a newsletter that does not exist is refused: it
// would otherwise answer 200 and leave the person subscribed to the one
// the client meant.
func TestUnsubscribeFromNoSuchNewsletter(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	e.signup("reader@example.com")
	id := e.subscriberID("reader@example.com")
	for _, nl := range []int64{999, -1} {
		e.do(tok, "POST", "/api/v1/subscribers/"+itoa(id)+"/unsubscribe", map[string]any{"newsletter_id": nl}).
			wantError(t, 422, "validation_failed", "newsletter_id")
	}
	consents, err := e.store.Consents(context.Background(), id)
	if err != nil || len(consents) != 1 {
		t.Errorf("consents after refused unsubscribes = %+v, %v; want the signup alone", consents, err)
	}
	e.do(tok, "POST", "/api/v1/subscribers/"+itoa(id)+"/unsubscribe", map[string]any{"newsletter_id": 1}).want(t, 200, nil)
}

// The language given with a new address is stored as the subscriber's,
// on both ways in, so a campaign in that language reaches them; a known
// address keeps its own, whoever asks and however they are answered.
func TestCreateSubscriberStoresLanguage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	editor := e.tokenFor(user.Editor)
	form := e.token(e.account(user.Editor), user.SubscriberWrite)
	e.do(editor, "POST", "/api/v1/subscribers", `{"email": "pending@example.com", "newsletter_ids": [1], "language": "FR"}`).want(t, 201, nil)
	e.do(editor, "POST", "/api/v1/subscribers", `{"email": "moved@example.com", "newsletter_ids": [1], "language": "fr", "confirmed": true}`).want(t, 201, nil)
	e.do(editor, "POST", "/api/v1/subscribers", `{"email": "de@example.com", "newsletter_ids": [1], "language": "de", "confirmed": true}`).want(t, 201, nil)
	id := e.subscriberID("pending@example.com")
	if _, err := e.store.ConfirmSubscriber(ctx, id, subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentConfirm, At: e.clock()}); err != nil {
		t.Fatal(err)
	}
	e.do(editor, "POST", "/api/v1/subscribers", `{"email": "de@example.com", "newsletter_ids": [1], "language": "fr", "confirmed": true}`).want(t, 200, nil)
	e.do(form, "POST", "/api/v1/subscribers", `{"email": "de@example.com", "newsletter_ids": [1], "language": "es"}`).want(t, 202, nil)
	for lang, want := range map[string]int{"fr": 2, "de": 1, "es": 0} {
		if n, err := e.store.AudienceSize(ctx, 1, lang, nil); err != nil || n != want {
			t.Errorf("AudienceSize(1, %q) = %d, %v; want %d", lang, n, err, want)
		}
	}
	for _, bad := range []string{"en_US", "english", "e"} {
		e.do(editor, "POST", "/api/v1/subscribers", map[string]any{"email": "x@example.com", "newsletter_ids": []int64{1}, "language": bad}).
			wantError(t, 422, "validation_failed", "language")
	}
}

// A subscriber's language is in every answer that shows the subscriber,
// and PATCH changes it by the rules that create stores it with; an empty
// one clears it, so the site's language applies again.
func TestSubscriberLanguageShownAndChanged(t *testing.T) {
	e := newEnv(t)
	editor := e.tokenFor(user.Editor)
	form := e.token(e.account(user.Editor), user.SubscriberWrite)
	var s subscriberJSON
	e.do(editor, "POST", "/api/v1/subscribers", `{"email": "ana@example.com", "newsletter_ids": [1], "language": "pt-BR"}`).want(t, 201, &s)
	if s.Language != "pt-br" {
		t.Errorf("POST /api/v1/subscribers with language pt-BR answered language %q; want pt-br", s.Language)
	}
	id := itoa(s.ID)
	language := func(when string) string {
		t.Helper()
		var one subscriberJSON
		e.do(editor, "GET", "/api/v1/subscribers/"+id, nil).want(t, 200, &one)
		var list page[subscriberJSON]
		e.do(editor, "GET", "/api/v1/subscribers?email=ana@example.com", nil).want(t, 200, &list)
		if len(list.Items) != 1 || list.Items[0].Language != one.Language {
			t.Errorf("%s: GET /api/v1/subscribers?email= = %+v; want ana with language %q, as GET /api/v1/subscribers/%s", when, list.Items, one.Language, id)
		}
		return one.Language
	}
	if got := language("after create"); got != "pt-br" {
		t.Errorf("GET /api/v1/subscribers/%s after create: language %q; want pt-br", id, got)
	}

	e.do(editor, "PATCH", "/api/v1/subscribers/"+id, `{"language": " FR "}`).want(t, 200, &s)
	if s.Language != "fr" || language("after PATCH fr") != "fr" {
		t.Errorf("PATCH language FR answered %q; want fr, stored", s.Language)
	}
	e.do(editor, "PATCH", "/api/v1/subscribers/"+id, `{"name": "Ana"}`).want(t, 200, &s)
	if s.Language != "fr" {
		t.Errorf("a PATCH without language changed it to %q; want fr kept", s.Language)
	}
	for _, bad := range []string{"en_US", "english", "e", "x\u0000"} {
		e.do(editor, "PATCH", "/api/v1/subscribers/"+id, map[string]any{"language": bad, "name": "Changed"}).
			wantError(t, 422, "validation_failed", "language")
	}
	if got := language("after refused PATCHes"); got != "fr" {
		t.Errorf("after refused PATCHes: language %q; want fr", got)
	}
	e.do(editor, "PATCH", "/api/v1/subscribers/"+id, `{"language": ""}`).want(t, 200, &s)
	if s.Language != "" || language("after PATCH \"\"") != "" {
		t.Errorf("PATCH language \"\" answered %q; want it cleared", s.Language)
	}
	if n, err := e.store.AudienceSize(context.Background(), 1, "fr", nil); err != nil || n != 0 {
		t.Errorf("AudienceSize(1, fr) after clearing = %d, %v; want 0", n, err)
	}

	// A token that may not read subscribers changes it and is told nothing.
	r := e.do(form, "PATCH", "/api/v1/subscribers/"+id, `{"language": "de"}`)
	if r.status != http.StatusAccepted || strings.Contains(string(r.body), "language") {
		t.Errorf("PATCH language with a write-only token = %d %s; want 202 and no record", r.status, r.body)
	}
	if got := language("after a write-only PATCH"); got != "de" {
		t.Errorf("after a write-only PATCH of de: language %q; want de", got)
	}
}
