package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/subscriber"
)

// signedUp signs reader@example.org up and returns their ID.
func signedUp(t *testing.T, e *testEnv, newsletters ...string) int64 {
	t.Helper()
	v := signupForm("reader@example.org")
	if len(newsletters) > 0 {
		v["newsletter"] = newsletters
	}
	wantStatus(t, "POST /subscribe", e.postForm("/subscribe", v, ""), http.StatusSeeOther)
	subs := e.subscribers()
	if len(subs) != 1 {
		t.Fatalf("%d subscribers after one signup", len(subs))
	}
	return subs[0].ID
}

func states(t *testing.T, e *testEnv, id int64) map[int64]subscriber.State {
	t.Helper()
	s, err := e.store.SubscriberByID(context.Background(), id)
	if err != nil {
		t.Fatalf("SubscriberByID(%d) = %v", id, err)
	}
	out := map[int64]subscriber.State{}
	for _, sub := range s.Subscriptions {
		out[sub.NewsletterID] = sub.State
	}
	return out
}

func TestConfirm(t *testing.T) {
	e := newEnv(t)
	id := signedUp(t, e)
	tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(time.Hour)})

	w := e.get("/confirm/" + tok)
	wantStatus(t, "GET /confirm", w, 200)
	if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("confirm page headers = %v", w.Header())
	}
	doc := parseHTML(t, w.Body.String())
	forms := findAll(doc, func(n *html.Node) bool { return n.Data == "form" })
	if len(forms) != 1 || attrOr(forms[0], "method") != "post" || attrOr(forms[0], "action") != "/confirm/"+tok {
		t.Fatalf("confirm page has no form posting to itself:\n%s", w.Body)
	}
	if len(findAll(forms[0], func(n *html.Node) bool { return n.Data == "button" })) != 1 {
		t.Error("confirm form has no button")
	}
	if !strings.Contains(w.Body.String(), "<li>Newsletter</li>") || !strings.Contains(w.Body.String(), `name="robots" content="noindex"`) {
		t.Errorf("confirm page does not name the newsletter or is indexable:\n%s", w.Body)
	}
	if got := states(t, e, id)[1]; got != subscriber.Pending {
		t.Fatalf("after GET the subscription is %s; a GET must not confirm", got)
	}

	w = e.postForm("/confirm/"+tok, nil, "")
	wantStatus(t, "POST /confirm", w, 200)
	if !strings.Contains(w.Body.String(), "You are subscribed") {
		t.Errorf("confirmed page:\n%s", w.Body)
	}
	if got := states(t, e, id)[1]; got != subscriber.Confirmed {
		t.Errorf("after POST the subscription is %s, want confirmed", got)
	}

	// Once confirmed, the link says so instead of offering the button again.
	for _, r := range []*http.Request{httptest.NewRequest("GET", "/confirm/"+tok, nil), httptest.NewRequest("POST", "/confirm/"+tok, nil)} {
		w := e.do(r)
		wantStatus(t, r.Method+" /confirm after confirming", w, 200)
		body := w.Body.String()
		if !strings.Contains(body, "already confirmed") || !strings.Contains(body, "<li>Newsletter</li>") || strings.Contains(body, "<form") {
			t.Errorf("%s /confirm after confirming: want the subscription already confirmed, the newsletter and no form:\n%s", r.Method, body)
		}
	}
	if n := len(consents(t, e, id)); n != 2 {
		t.Errorf("%d consent records after signing up and confirming twice, want 2 (signup, confirm)", n)
	}
}

// TestConfirmAfterLeaving follows a confirmation link after the reader
// unsubscribed: nothing waits, so nothing is offered and nothing changes.
func TestConfirmAfterLeaving(t *testing.T) {
	e := newEnv(t)
	id := signedUp(t, e)
	tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(time.Hour)})
	unsub := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeUnsubscribe, SubscriberID: id, NewsletterID: 1})
	wantStatus(t, "POST /unsubscribe", e.postForm("/unsubscribe/"+unsub, nil, ""), 200)
	before := len(consents(t, e, id))

	for _, r := range []*http.Request{httptest.NewRequest("GET", "/confirm/"+tok, nil), httptest.NewRequest("POST", "/confirm/"+tok, nil)} {
		w := e.do(r)
		wantStatus(t, r.Method+" /confirm after leaving", w, 200)
		body := w.Body.String()
		doc := parseHTML(t, body)
		if len(findAll(doc, func(n *html.Node) bool { return n.Data == "form" || attrOr(n, "class") == "newsletter-names" })) != 0 {
			t.Errorf("%s /confirm after leaving offers a form or lists newsletters:\n%s", r.Method, body)
		}
		if !strings.Contains(body, "Nothing to confirm") || strings.Contains(body, "You are subscribed") {
			t.Errorf("%s /confirm after leaving does not say nothing waits for confirmation:\n%s", r.Method, body)
		}
		if len(findAll(doc, func(n *html.Node) bool { return attrOr(n, "href") == "/subscribe?language=en" })) != 1 {
			t.Errorf("%s /confirm after leaving has no link to sign up again:\n%s", r.Method, body)
		}
	}
	if got := states(t, e, id)[1]; got != subscriber.Unsubscribed {
		t.Errorf("after following the confirmation link the subscription is %s, want unsubscribed", got)
	}
	if n := len(consents(t, e, id)); n != before {
		t.Errorf("%d consent records after following the confirmation link, want %d as before", n, before)
	}
}

func TestBadLinks(t *testing.T) {
	e := newEnv(t)
	id := signedUp(t, e)
	good := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(time.Hour)})
	tampered := []byte(good)
	if tampered[5] == 'A' {
		tampered[5] = 'B'
	} else {
		tampered[5] = 'A'
	}
	other := subscriber.NewSigner([]byte("another secret")).Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id})
	nobody := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: 9999})
	unsub := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeUnsubscribe, SubscriberID: id})
	expired := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(-time.Hour)})

	for name, path := range map[string]string{
		"tampered":                "/confirm/" + string(tampered),
		"other key":               "/confirm/" + other,
		"unknown subscriber":      "/confirm/" + nobody,
		"unsubscribe for confirm": "/confirm/" + unsub,
		"confirm for unsubscribe": "/unsubscribe/" + good,
		"garbage":                 "/unsubscribe/%00%ff",
		"long":                    "/confirm/" + strings.Repeat("A", 500),
	} {
		for _, method := range []string{"GET", "POST"} {
			w := e.do(httptest.NewRequest(method, path, strings.NewReader("List-Unsubscribe=One-Click")))
			wantStatus(t, method+" "+name, w, 400)
			if !strings.Contains(w.Body.String(), "This link is not valid") {
				t.Errorf("%s %s: page does not say the link is not valid", method, name)
			}
		}
	}
	for _, method := range []string{"GET", "POST"} {
		w := e.do(httptest.NewRequest(method, "/confirm/"+expired, nil))
		wantStatus(t, method+" expired", w, 410)
		if !strings.Contains(w.Body.String(), "expired") || !strings.Contains(w.Body.String(), "sign up again") {
			t.Errorf("expired page:\n%s", w.Body)
		}
	}
	if got := states(t, e, id)[1]; got != subscriber.Pending {
		t.Errorf("bad links changed the subscription to %s", got)
	}
	if got := e.logs.String(); got != "" {
		t.Errorf("bad links were logged as errors:\n%s", got)
	}
}

func TestUnsubscribeOneClick(t *testing.T) {
	e := newEnv(t)
	id := signedUp(t, e)
	tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeUnsubscribe, SubscriberID: id, NewsletterID: 1})

	w := e.get("/unsubscribe/" + tok)
	wantStatus(t, "GET /unsubscribe", w, 200)
	doc := parseHTML(t, w.Body.String())
	// On one newsletter only, leaving it is leaving all: one button.
	forms := findAll(doc, func(n *html.Node) bool { return n.Data == "form" && attrOr(n, "action") == "/unsubscribe/"+tok })
	if len(forms) != 1 || strings.Contains(w.Body.String(), `name="all"`) {
		t.Fatalf("unsubscribe page of a reader of one newsletter has %d forms, want 1 and no leave-all:\n%s", len(forms), w.Body)
	}
	if got := states(t, e, id)[1]; got != subscriber.Pending {
		t.Fatalf("GET changed the subscription to %s", got)
	}

	// What a mail provider sends: no cookie, no page visit.
	r := httptest.NewRequest("POST", "/unsubscribe/"+tok, strings.NewReader("List-Unsubscribe=One-Click"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = e.do(r)
	wantStatus(t, "one-click POST", w, 200)
	if !strings.Contains(w.Body.String(), "You have been unsubscribed") {
		t.Errorf("unsubscribed page:\n%s", w.Body)
	}
	if got := states(t, e, id)[1]; got != subscriber.Unsubscribed {
		t.Errorf("after one-click POST the subscription is %s", got)
	}

	w = e.get("/unsubscribe/" + tok)
	wantStatus(t, "GET /unsubscribe after leaving", w, 200)
	if body := w.Body.String(); !strings.Contains(body, "already unsubscribed") || !strings.Contains(body, "<li>Newsletter</li>") || strings.Contains(body, "<form") {
		t.Errorf("GET /unsubscribe after leaving: want already unsubscribed from Newsletter and no form:\n%s", body)
	}
}

// unsubscribeForms returns the forms of the unsubscribe page at path: the
// one that leaves the link's newsletter and the one that leaves all.
func unsubscribeForms(t *testing.T, e *testEnv, path string) (one, all int) {
	t.Helper()
	w := e.get(path)
	wantStatus(t, "GET "+path, w, 200)
	for _, f := range findAll(parseHTML(t, w.Body.String()), func(n *html.Node) bool { return n.Data == "form" }) {
		if attrOr(f, "action") != path {
			t.Errorf("form posts to %q, want %q", attrOr(f, "action"), path)
		}
		if len(findAll(f, func(n *html.Node) bool { return attrOr(n, "name") == "all" && attrOr(n, "value") == "1" })) > 0 {
			all++
		} else {
			one++
		}
	}
	return one, all
}

func TestUnsubscribeAnyBody(t *testing.T) {
	e := newEnv(t)
	e.addNewsletter("weekly", "The Weekly")
	id := signedUp(t, e, "1", "2")
	tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeUnsubscribe, SubscriberID: id, NewsletterID: 1})

	path := "/unsubscribe/" + tok
	if one, all := unsubscribeForms(t, e, path); one != 1 || all != 1 {
		t.Errorf("reader of two newsletters: %d forms to leave one, %d to leave all; want 1 and 1", one, all)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("List-Unsubscribe", "One-Click")
	mw.Close()
	r := httptest.NewRequest("POST", "/unsubscribe/"+tok, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	wantStatus(t, "multipart POST", e.do(r), 200)
	if got := states(t, e, id); got[1] != subscriber.Unsubscribed || got[2] != subscriber.Pending {
		t.Errorf("after leaving newsletter 1: %v", got)
	}

	// Left this one, still on the other: only leaving all is offered.
	w := e.get(path)
	if one, all := unsubscribeForms(t, e, path); one != 0 || all != 1 || !strings.Contains(w.Body.String(), "already unsubscribed") {
		t.Errorf("after leaving newsletter 1: %d forms to leave it, %d to leave all; want 0 and 1, and already unsubscribed:\n%s", one, all, w.Body)
	}

	r = httptest.NewRequest("POST", "/unsubscribe/"+tok, strings.NewReader(strings.Repeat("\x00garbage", 5000)))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=nope")
	wantStatus(t, "POST with a broken body", e.do(r), 200)

	wantStatus(t, "POST all=1", e.postForm("/unsubscribe/"+tok, map[string][]string{"all": {"1"}}, ""), 200)
	if got := states(t, e, id); got[1] != subscriber.Unsubscribed || got[2] != subscriber.Unsubscribed {
		t.Errorf("after leaving all: %v", got)
	}
	if one, all := unsubscribeForms(t, e, path); one != 0 || all != 0 {
		t.Errorf("after leaving all: %d forms to leave one, %d to leave all; want none", one, all)
	}
}

// TestLinkPagesInTheNewsletterLanguage: the pages an email's links open
// speak the language of the newsletter the email was about.
func TestLinkPagesInTheNewsletterLanguage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nl, err := e.store.CreateNewsletter(ctx, &subscriber.Newsletter{Slug: "matin", Name: "Le Matin", Language: "fr-FR",
		DigestTime: "07:00", Timezone: "UTC", CreatedAt: e.now})
	if err != nil {
		t.Fatal(err)
	}
	id := signedUp(t, e, strconv.FormatInt(nl, 10))
	sign := func(p subscriber.Purpose, nl int64) string {
		return e.signer.Sign(subscriber.Token{Purpose: p, SubscriberID: id, NewsletterID: nl, Expires: e.now.Add(time.Hour)})
	}
	confirm := "/confirm/" + sign(subscriber.PurposeConfirm, 0)
	for _, step := range []struct {
		what string
		w    *httptest.ResponseRecorder
		want []string
	}{
		{"GET " + confirm, e.get(confirm), []string{`<html lang="fr" dir="ltr">`, "Confirmez votre abonnement", "Confirmer mon abonnement", "Le Matin"}},
		{"POST " + confirm, e.postForm(confirm, nil, ""), []string{`<html lang="fr" dir="ltr">`, "Vous êtes abonné"}},
		{"GET unsubscribe", e.get("/unsubscribe/" + sign(subscriber.PurposeUnsubscribe, nl)), []string{"Me désabonner"}},
		{"GET preferences", e.get("/preferences/" + sign(subscriber.PurposePreferences, 0)), []string{`<html lang="fr" dir="ltr">`, "Vos newsletters", "Enregistrer"}},
	} {
		wantStatus(t, step.what, step.w, http.StatusOK)
		for _, want := range step.want {
			if !strings.Contains(step.w.Body.String(), html.EscapeString(want)) && !strings.Contains(step.w.Body.String(), want) {
				t.Errorf("%s lacks %q", step.what, want)
			}
		}
	}
	// Joining another newsletter on the French page records the French
	// sentence the reader was shown.
	prefs := "/preferences/" + sign(subscriber.PurposePreferences, 0)
	w := e.postForm(prefs, url.Values{"newsletter": {"1", strconv.FormatInt(nl, 10)}, "name": {"Reader"}}, "")
	wantStatus(t, "POST preferences", w, http.StatusSeeOther)
	cs := consents(t, e, id)
	if last := cs[len(cs)-1]; last.NewsletterID != 1 || last.Wording != linkLanguages["fr"].PrefsWording {
		t.Errorf("last consent record = %+v; want newsletter 1 joined with the French sentence", last)
	}
}

// A reader already on an English newsletter who confirms a French one is
// answered in French, about the French one alone.
func TestConfirmAnswersAboutWhatItConfirmed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nl, err := e.store.CreateNewsletter(ctx, &subscriber.Newsletter{Slug: "lettre", Name: "La Lettre", Language: "fr",
		DigestTime: "07:00", Timezone: "UTC", CreatedAt: e.now})
	if err != nil {
		t.Fatal(err)
	}
	id := signedUp(t, e, "1")
	if _, err := e.store.ConfirmSubscriber(ctx, id, subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentConfirm, At: e.now}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.RecordSignups(ctx, []subscriber.Signup{{Email: "reader@example.org", Newsletters: []int64{nl}, At: e.now}}, 0); err != nil {
		t.Fatal(err)
	}
	confirm := "/confirm/" + e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(time.Hour)})
	w := e.postForm(confirm, nil, "")
	wantStatus(t, "POST "+confirm, w, http.StatusOK)
	doc := parseHTML(t, w.Body.String())
	var listed []string
	for _, ul := range findAll(doc, func(n *html.Node) bool { return attrOr(n, "class") == "newsletter-names" }) {
		for _, li := range findAll(ul, func(n *html.Node) bool { return n.Data == "li" }) {
			listed = append(listed, textOf(li))
		}
	}
	if !strings.Contains(w.Body.String(), `<html lang="fr" dir="ltr">`) || strings.Join(listed, "|") != "La Lettre" {
		t.Errorf("confirming La Lettre answers with lang %v and the list %q; want French and La Lettre alone:\n%s",
			strings.Contains(w.Body.String(), `lang="fr"`), listed, w.Body)
	}
}

// A link that is not valid, or expired and names no one any more, is
// answered in the site's language, with a way to sign up again for one
// that expired.
func TestBadLinksInTheSiteLanguage(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Site.Language = "fr" })
	id := signedUp(t, e) + 1000
	bad := e.get("/unsubscribe/not-a-token")
	wantStatus(t, "GET a forged link", bad, http.StatusBadRequest)
	if body := bad.Body.String(); !strings.Contains(body, `<html lang="fr" dir="ltr">`) || !strings.Contains(body, html.EscapeString("Ce lien n'est pas valide")) {
		t.Errorf("a forged link on a French site:\n%s", body)
	}
	expired := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(-time.Hour)})
	w := e.get("/confirm/" + expired)
	wantStatus(t, "GET an expired link", w, http.StatusGone)
	if body := w.Body.String(); !strings.Contains(body, "Ce lien a expiré") || !strings.Contains(body, `href="/subscribe?language=fr"`) {
		t.Errorf("an expired link on a French site:\n%s", body)
	}
}

// An expired confirmation link tells a reader who confirmed since that
// they are confirmed, exactly as the link did in time, and changes nothing.
func TestExpiredConfirmOfAConfirmedReader(t *testing.T) {
	e := newEnv(t)
	id := signedUp(t, e)
	ctx := context.Background()
	if _, err := e.store.ConfirmSubscriber(ctx, id, subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentConfirm, At: e.now}); err != nil {
		t.Fatal(err)
	}
	before := len(consents(t, e, id))
	sign := func(expires time.Time) string {
		return "/confirm/" + e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: expires})
	}
	fresh, expired := sign(e.now.Add(time.Hour)), sign(e.now.Add(-time.Hour))
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		want := e.do(httptest.NewRequest(method, fresh, nil))
		got := e.do(httptest.NewRequest(method, expired, nil))
		wantStatus(t, method+" an expired link of a confirmed reader", got, http.StatusOK)
		if !strings.Contains(got.Body.String(), "Already confirmed") || got.Body.String() != want.Body.String() {
			t.Errorf("%s an expired link of a confirmed reader answers:\n%s\nwant what the link said in time:\n%s", method, got.Body, want.Body)
		}
	}
	if n := len(consents(t, e, id)); n != before {
		t.Errorf("following confirmation links of a confirmed reader wrote %d consent records, want none", n-before)
	}
}

// An expired confirmation link of a reader still waiting confirms nothing
// and says it expired in the language of the newsletter it was about, not
// the site's; a forged or altered one stays refused.
func TestExpiredConfirmInTheNewsletterLanguage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nl, err := e.store.CreateNewsletter(ctx, &subscriber.Newsletter{Slug: "matin", Name: "Le Matin", Language: "fr",
		DigestTime: "07:00", Timezone: "UTC", CreatedAt: e.now})
	if err != nil {
		t.Fatal(err)
	}
	id := signedUp(t, e, strconv.FormatInt(nl, 10))
	tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(-time.Hour)})
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		w := e.do(httptest.NewRequest(method, "/confirm/"+tok, nil))
		wantStatus(t, method+" an expired link", w, http.StatusGone)
		body := w.Body.String()
		for _, want := range []string{`<html lang="fr" dir="ltr">`, html.EscapeString("Ce lien a expiré"), `href="/subscribe?language=fr"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s an expired link about Le Matin on an English site lacks %s:\n%s", method, want, body)
			}
		}
	}
	if st := states(t, e, id)[nl]; st != subscriber.Pending {
		t.Errorf("after an expired confirmation link, the subscription is %v, want still pending", st)
	}
	// The same expired token with one character changed, and one signed
	// with another key, are not genuine: they say nothing of the reader.
	c := "A"
	if tok[5] == 'A' {
		c = "B"
	}
	altered := tok[:5] + c + tok[6:]
	other := subscriber.NewSigner([]byte("another secret")).Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(-time.Hour)})
	for _, bad := range []string{altered, other} {
		w := e.postForm("/confirm/"+bad, nil, "")
		wantStatus(t, "POST a forged expired link", w, http.StatusBadRequest)
		if body := w.Body.String(); !strings.Contains(body, `<html lang="en" dir="ltr">`) || strings.Contains(body, "Le Matin") {
			t.Errorf("POST a forged expired link answers:\n%s", body)
		}
	}
	if st := states(t, e, id)[nl]; st != subscriber.Pending {
		t.Errorf("after forged confirmation links, the subscription is %v, want still pending", st)
	}
}
