package web

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/delivery"
	"herald/internal/subscriber"
)

// prefsReader signs reader@example.org up for newsletter 1 of two and
// returns their ID and preferences link.
func prefsReader(t *testing.T, e *testEnv) (int64, string) {
	t.Helper()
	e.addNewsletter("weekly", "The Weekly")
	id := signedUp(t, e, "1")
	return id, "/preferences/" + e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposePreferences, SubscriberID: id})
}

// reader is what a reader's record holds, to see whether a request changed
// it.
type reader struct {
	name     string
	states   map[int64]subscriber.State
	consents int
}

func readerOf(t *testing.T, e *testEnv, id int64) reader {
	t.Helper()
	sub, err := e.store.SubscriberByID(context.Background(), id)
	if err != nil {
		t.Fatalf("SubscriberByID(%d) = %v", id, err)
	}
	cs, err := e.store.Consents(context.Background(), id)
	if err != nil {
		t.Fatalf("Consents(%d) = %v", id, err)
	}
	return reader{name: sub.Name, states: states(t, e, id), consents: len(cs)}
}

func sameReader(t *testing.T, what string, got, want reader) {
	t.Helper()
	if got.name != want.name || got.consents != want.consents || len(got.states) != len(want.states) {
		t.Fatalf("%s changed the reader: %+v, want %+v", what, got, want)
	}
	for nl, st := range want.states {
		if got.states[nl] != st {
			t.Fatalf("%s changed the reader: %+v, want %+v", what, got, want)
		}
	}
}

// checkbox finds the newsletter checkbox of nl, with its label's text.
func checkbox(t *testing.T, doc *html.Node, nl string) (checked bool, label string) {
	t.Helper()
	boxes := findAll(doc, func(n *html.Node) bool {
		return n.Data == "input" && attrOr(n, "type") == "checkbox" && attrOr(n, "name") == "newsletter" && attrOr(n, "value") == nl
	})
	if len(boxes) != 1 {
		t.Fatalf("%d checkboxes for newsletter %s, want 1", len(boxes), nl)
	}
	id := attrOr(boxes[0], "id")
	labels := findAll(doc, func(n *html.Node) bool { return n.Data == "label" && attrOr(n, "for") == id })
	if id == "" || len(labels) != 1 {
		t.Fatalf("checkbox for newsletter %s has no label", nl)
	}
	_, checked = attr(boxes[0], "checked")
	return checked, textOf(labels[0])
}

func TestPreferencesPageChangesNothing(t *testing.T) {
	e := newEnv(t)
	id, link := prefsReader(t, e)
	before := readerOf(t, e, id)

	w := e.get(link)
	wantStatus(t, "GET "+link, w, 200)
	if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("preferences page headers = %v; want no-store and no-referrer", w.Header())
	}
	body := w.Body.String()
	if !strings.Contains(body, `name="robots" content="noindex"`) || !strings.Contains(body, "reader@example.org") {
		t.Errorf("preferences page is indexable or does not show the address:\n%s", body)
	}
	doc := parseHTML(t, body)
	forms := findAll(doc, func(n *html.Node) bool {
		return n.Data == "form" && attrOr(n, "method") == "post" && attrOr(n, "action") == link
	})
	if len(forms) != 2 {
		t.Fatalf("preferences page has %d forms posting to itself, want 2 (save, leave all):\n%s", len(forms), body)
	}
	legends := findAll(forms[0], func(n *html.Node) bool { return n.Data == "legend" })
	if len(findAll(forms[0], func(n *html.Node) bool { return n.Data == "fieldset" })) != 1 || len(legends) != 1 {
		t.Error("the newsletter choices are not a fieldset with a legend")
	}
	if on, label := checkbox(t, forms[0], "1"); !on || !strings.Contains(label, "waiting for confirmation") {
		t.Errorf("newsletter 1 (pending): checked %v, label %q; want checked, waiting for confirmation", on, label)
	}
	if on, label := checkbox(t, forms[0], "2"); on || !strings.Contains(label, "The Weekly") || strings.Contains(label, "waiting") {
		t.Errorf("newsletter 2 (not joined): checked %v, label %q; want unchecked The Weekly", on, label)
	}
	names := findAll(forms[0], func(n *html.Node) bool { return n.Data == "input" && attrOr(n, "name") == "name" })
	if len(names) != 1 || len(findAll(forms[0], func(n *html.Node) bool { return n.Data == "label" && attrOr(n, "for") == attrOr(names[0], "id") })) != 1 {
		t.Error("the name field is missing or has no label")
	}
	if !strings.Contains(textOf(forms[0]), "Save") || !strings.Contains(textOf(forms[1]), "Leave all our newsletters") ||
		len(findAll(forms[1], func(n *html.Node) bool { return attrOr(n, "name") == "all" && attrOr(n, "value") == "1" })) != 1 {
		t.Error("the page lacks a Save button or a separate form to leave all newsletters")
	}
	sameReader(t, "GET "+link, readerOf(t, e, id), before)
	e.get(link + "?saved=1")
	sameReader(t, "GET "+link+"?saved=1", readerOf(t, e, id), before)
}

func TestPreferencesSave(t *testing.T) {
	e := newEnv(t)
	id, link := prefsReader(t, e)
	w := e.postForm(link, url.Values{"newsletter": {"2"}, "name": {"  Ada Lovelace "}}, "")
	wantStatus(t, "POST "+link, w, 303)
	if got := w.Header().Get("Location"); got != link+"?saved=1" {
		t.Fatalf("POST %s redirects to %q, want %q", link, got, link+"?saved=1")
	}
	if got := states(t, e, id); got[1] != subscriber.Unsubscribed || got[2] != subscriber.Confirmed {
		t.Errorf("after unticking 1 and ticking 2: %v; want 1 unsubscribed, 2 confirmed at once", got)
	}
	cs, err := e.store.Consents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs[1:] { // the first is the signup from the box
		got = append(got, string(c.Action)+" "+c.Source+" "+c.IP)
		if c.Action != subscriber.ConsentUnsubscribe && c.Wording != linkLanguages["en"].PrefsWording {
			t.Errorf("%s record's wording = %q, want the page's sentence", c.Action, c.Wording)
		}
	}
	want := []string{"unsubscribe preferences page 192.0.2.1", "signup preferences page 192.0.2.1", "confirm preferences page 192.0.2.1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("consent records = %q, want %q", got, want)
	}

	w = e.get(link + "?saved=1")
	wantStatus(t, "GET after saving", w, 200)
	doc := parseHTML(t, w.Body.String())
	if !strings.Contains(w.Body.String(), "Your choices have been saved.") {
		t.Errorf("the page after saving does not say so:\n%s", w.Body)
	}
	if on, _ := checkbox(t, doc, "1"); on {
		t.Error("newsletter 1 is still ticked after leaving it")
	}
	if on, label := checkbox(t, doc, "2"); !on || strings.Contains(label, "waiting") {
		t.Errorf("newsletter 2: checked %v, label %q; want ticked and confirmed", on, label)
	}
	names := findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attrOr(n, "name") == "name" })
	if len(names) != 1 || attrOr(names[0], "value") != "Ada Lovelace" {
		t.Errorf("name field after saving = %v; want Ada Lovelace", names)
	}

	wantStatus(t, "POST all=1", e.postForm(link, url.Values{"all": {"1"}, "name": {"ignored"}}, ""), 303)
	if got := states(t, e, id); got[1] != subscriber.Unsubscribed || got[2] != subscriber.Unsubscribed {
		t.Errorf("after leaving all: %v", got)
	}
	if r := readerOf(t, e, id); r.name != "Ada Lovelace" {
		t.Errorf("leaving all changed the name to %q", r.name)
	}
	w = e.get(link + "?saved=1")
	if !strings.Contains(w.Body.String(), "You will receive no newsletters from us.") || strings.Contains(w.Body.String(), "Leave all") {
		t.Errorf("the page after leaving all:\n%s", w.Body)
	}
}

func TestPreferencesRefusedFormChangesNothing(t *testing.T) {
	e := newEnv(t)
	id, link := prefsReader(t, e)
	before := readerOf(t, e, id)
	for name, tc := range map[string]struct {
		form  url.Values
		field string
		msg   string
	}{
		"bad name":      {url.Values{"newsletter": {"2"}, "name": {"Ada\r\nBcc: x@example.org"}}, "name", "not allowed"},
		"long name":     {url.Values{"newsletter": {"2"}, "name": {strings.Repeat("a", 101)}}, "name", "longer than 100"},
		"no such list":  {url.Values{"newsletter": {"2", "99"}, "name": {"Ada"}}, "newsletter", "choose from the newsletters"},
		"not a number":  {url.Values{"newsletter": {"2", "two"}, "name": {"Ada"}}, "newsletter", "choose from the newsletters"},
		"too many list": {url.Values{"newsletter": strings.Fields(strings.Repeat("2 ", 101)), "name": {"Ada"}}, "newsletter", "choose from the newsletters"},
	} {
		w := e.postForm(link, tc.form, "")
		wantStatus(t, "POST "+name, w, 400)
		doc := parseHTML(t, w.Body.String())
		errs := findAll(doc, func(n *html.Node) bool { return attrOr(n, "id") == "pref-"+tc.field+"-error" })
		if len(errs) != 1 || !strings.Contains(textOf(errs[0]), tc.msg) {
			t.Errorf("POST %s: no message %q at the %s field:\n%s", name, tc.msg, tc.field, w.Body)
		}
		// The form comes back as the reader sent it.
		if on, _ := checkbox(t, doc, "2"); !on {
			t.Errorf("POST %s: the page forgot that newsletter 2 was ticked", name)
		}
		if on, _ := checkbox(t, doc, "1"); on {
			t.Errorf("POST %s: the page ticked newsletter 1 that the reader unticked", name)
		}
		sameReader(t, "POST "+name, readerOf(t, e, id), before)
	}
	r := httptest.NewRequest("POST", link, strings.NewReader("name="+strings.Repeat("a", 2*maxForm)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, "POST a body over the limit", e.do(r), 413)
	sameReader(t, "POST a body over the limit", readerOf(t, e, id), before)
}

func TestPreferencesSuppressedAddressIsNotJoined(t *testing.T) {
	e := newEnv(t)
	id, link := prefsReader(t, e)
	ctx := context.Background()
	ds, err := e.store.ClaimDeliveries(ctx, delivery.Claim{Owner: "t", Now: time.Now().Add(time.Minute), Lease: time.Minute, Limit: 10})
	if err != nil || len(ds) != 1 {
		t.Fatalf("ClaimDeliveries = %+v, %v; want the confirmation email", ds, err)
	}
	if _, err := e.store.RecordResults(ctx, []delivery.Result{{ID: ds[0].ID, Fence: ds[0].Fence, State: delivery.Failed,
		At: time.Now(), Code: 550, Status: "5.1.1", Suppress: true, Attempted: true}}); err != nil {
		t.Fatal(err)
	}
	w := e.get(link)
	if !strings.Contains(w.Body.String(), "cannot send it any newsletter") {
		t.Errorf("the page of a suppressed address does not say it cannot join:\n%s", w.Body)
	}
	posted := e.postForm(link, url.Values{"newsletter": {"1", "2"}, "name": {"Ada"}}, "")
	wantStatus(t, "POST", posted, 303)
	if loc := posted.Header().Get("Location"); loc != link+"?saved=1&refused=1" {
		t.Errorf("a refused join redirects to %q; want the page saying so", loc)
	}
	if !strings.Contains(e.get(posted.Header().Get("Location")).Body.String(), "could not be added") {
		t.Error("the page after a refused join does not say the newsletters were not added")
	}
	if got := states(t, e, id); got[1] != subscriber.Pending || got[2] != "" {
		t.Errorf("a suppressed address after ticking newsletter 2: %v; want 1 still pending, 2 not joined", got)
	}
	w = e.get(link + "?saved=1")
	if on, _ := checkbox(t, parseHTML(t, w.Body.String()), "2"); on || !strings.Contains(w.Body.String(), "cannot send it any newsletter") {
		t.Errorf("the page after a refused join:\n%s", w.Body)
	}
}

func TestPreferencesBadLinks(t *testing.T) {
	e := newEnv(t)
	id, link := prefsReader(t, e)
	before := readerOf(t, e, id)
	good := strings.TrimPrefix(link, "/preferences/")
	tampered := []byte(good)
	if tampered[5] == 'A' {
		tampered[5] = 'B'
	} else {
		tampered[5] = 'A'
	}
	other := subscriber.NewSigner([]byte("another secret")).Sign(subscriber.Token{Purpose: subscriber.PurposePreferences, SubscriberID: id})
	nobody := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposePreferences, SubscriberID: 9999})
	unsub := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeUnsubscribe, SubscriberID: id})
	confirm := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(time.Hour)})

	// What every other link page answers to a link that is not valid.
	ref := e.get("/unsubscribe/" + string(tampered))
	wantStatus(t, "GET a tampered unsubscribe link", ref, 400)
	form := url.Values{"newsletter": {"2"}, "name": {"Mallory"}, "all": {"1"}}.Encode()
	for name, path := range map[string]string{
		"tampered":                    "/preferences/" + string(tampered),
		"other key":                   "/preferences/" + other,
		"unknown subscriber":          "/preferences/" + nobody,
		"unsubscribe for preferences": "/preferences/" + unsub,
		"confirm for preferences":     "/preferences/" + confirm,
		"preferences for unsubscribe": "/unsubscribe/" + good,
		"preferences for confirm":     "/confirm/" + good,
		"long":                        "/preferences/" + strings.Repeat("A", 500),
	} {
		for _, method := range []string{"GET", "POST"} {
			r := httptest.NewRequest(method, path, strings.NewReader(form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := e.do(r)
			wantStatus(t, method+" "+name, w, 400)
			if w.Body.String() != ref.Body.String() {
				t.Errorf("%s %s answers otherwise than a bad unsubscribe link:\n%s", method, name, w.Body)
			}
		}
	}
	sameReader(t, "bad links", readerOf(t, e, id), before)
	if got := e.logs.String(); got != "" {
		t.Errorf("bad links were logged as errors:\n%s", got)
	}
}

// A page loaded before a newsletter was added changes nothing about it, and
// a newsletter waiting for confirmation that stays ticked is confirmed.
func TestPreferencesChangesOnlyWhatItShowed(t *testing.T) {
	e := newEnv(t)
	id, link := prefsReader(t, e)
	shown := e.get(link).Body.String()
	if strings.Count(shown, `name="shown"`) != 2 {
		t.Fatalf("the page does not say which newsletters it shows:\n%s", shown)
	}
	// Meanwhile a third newsletter is added and the reader joins it.
	e.addNewsletter("late", "Late")
	const late = 3
	if err := e.store.RecordSignups(context.Background(), []subscriber.Signup{{Email: "reader@example.org", Newsletters: []int64{late}, At: e.now}}, 0); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Minute) // past the newsletter list's cache
	w := e.postForm(link, url.Values{"shown": {"1", "2"}, "newsletter": {"1"}, "name": {"Reader"}}, "")
	wantStatus(t, "POST the page loaded before", w, 303)
	got := states(t, e, id)
	if got[1] != subscriber.Confirmed || got[2] != "" || got[late] != subscriber.Pending {
		t.Errorf("after saving a page that showed newsletters 1 and 2 only: %v; want 1 confirmed (it was ticked), 2 untouched, %d left pending", got, late)
	}
}

// On the preferences page, a newsletter in another language than the
// page's marks its name and description, and only them: the words around
// them are the page's.
func TestPreferencesMarksANewsletterInAnotherLanguage(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.CreateNewsletter(context.Background(), &subscriber.Newsletter{Slug: "matin", Name: "Le Matin",
		Description: "Les nouvelles du matin", Language: "fr", DigestTime: "07:00", Timezone: "UTC", CreatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	id := signedUp(t, e, "1", "2")
	prefs := "/preferences/" + e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposePreferences, SubscriberID: id})
	w := e.get(prefs)
	wantStatus(t, "GET "+prefs, w, 200)
	doc := parseHTML(t, w.Body.String())
	var got []string
	for _, n := range findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "lang"); return ok && n.Data != "html" }) {
		got = append(got, textOf(n)+"="+attrOr(n, "lang"))
	}
	want := "Le Matin=fr|Les nouvelles du matin=fr"
	if g := strings.Join(got, "|"); g != want || !strings.Contains(w.Body.String(), `<html lang="en" dir="ltr">`) {
		t.Errorf("GET %s for English and French newsletters: elements with lang = %q, want %q on an English page", prefs, g, want)
	}
}

// A refused preferences form puts the focus on the field it is about, as
// the signup box does, so a reader without sight of the page is told.
func TestPreferencesRefusedFocusesTheField(t *testing.T) {
	e := newEnv(t)
	_, link := prefsReader(t, e)
	for field, form := range map[string]url.Values{
		"name":       {"newsletter": {"2"}, "name": {strings.Repeat("a", 101)}},
		"newsletter": {"newsletter": {"2", "99"}, "name": {"Ada"}},
	} {
		w := e.postForm(link, form, "")
		wantStatus(t, "POST refused for "+field, w, 400)
		focused := findAll(parseHTML(t, w.Body.String()), func(n *html.Node) bool { _, ok := attr(n, "autofocus"); return ok })
		if len(focused) != 1 || attrOr(focused[0], "name") != field {
			t.Errorf("POST %s refused for %s: elements with autofocus = %v, want the first %s input", link, field, focused, field)
			continue
		}
		if got, want := attrOr(focused[0], "aria-describedby"), "pref-"+field+"-error"; got != want {
			t.Errorf("POST %s refused for %s: focused field described by %q, want %q", link, field, got, want)
		}
	}
	if strings.Contains(e.get(link).Body.String(), "autofocus") {
		t.Errorf("GET %s: a field takes the focus before anything was refused", link)
	}
}
