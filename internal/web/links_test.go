package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http/httptest"
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
	wantStatus(t, "POST /subscribe", e.postForm("/subscribe", v, ""), 200)
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
	wantStatus(t, "POST /confirm again", e.postForm("/confirm/"+tok, nil, ""), 200)
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
	forms := findAll(doc, func(n *html.Node) bool { return n.Data == "form" && attrOr(n, "action") == "/unsubscribe/"+tok })
	if len(forms) != 2 {
		t.Fatalf("unsubscribe page has %d forms posting to itself, want 2 (this newsletter, all)", len(forms))
	}
	all := findAll(forms[1], func(n *html.Node) bool { return attrOr(n, "name") == "all" && attrOr(n, "value") == "1" })
	if len(all) != 1 {
		t.Error("second form does not ask to leave all newsletters")
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
}

func TestUnsubscribeAnyBody(t *testing.T) {
	e := newEnv(t)
	e.addNewsletter("weekly", "The Weekly")
	id := signedUp(t, e, "1", "2")
	tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeUnsubscribe, SubscriberID: id, NewsletterID: 1})

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

	r = httptest.NewRequest("POST", "/unsubscribe/"+tok, strings.NewReader(strings.Repeat("\x00garbage", 5000)))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=nope")
	wantStatus(t, "POST with a broken body", e.do(r), 200)

	wantStatus(t, "POST all=1", e.postForm("/unsubscribe/"+tok, map[string][]string{"all": {"1"}}, ""), 200)
	if got := states(t, e, id); got[1] != subscriber.Unsubscribed || got[2] != subscriber.Unsubscribed {
		t.Errorf("after leaving all: %v", got)
	}
}
