package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/internal/subscriber"
)

// TestDeclineLeavesOnlyWhatWasNeverConfirmed: the unsubscribe link of a
// confirmation email, used one click at a time as a mail provider does,
// leaves the subscription the email asked about; a newsletter the reader
// confirmed before stays.
func TestDeclineLeavesOnlyWhatWasNeverConfirmed(t *testing.T) {
	e := newEnv(t)
	e.addNewsletter("weekly", "The Weekly")
	id := signedUp(t, e, "1")
	confirm := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(time.Hour)})
	wantStatus(t, "POST /confirm", e.do(httptest.NewRequest("POST", "/confirm/"+confirm, nil)), http.StatusOK)
	wantStatus(t, "POST /subscribe", e.postForm("/subscribe", func() map[string][]string {
		v := signupForm("reader@example.org")
		v["newsletter"] = []string{"2"}
		return v
	}(), ""), http.StatusSeeOther)
	if got := states(t, e, id); got[1] != subscriber.Confirmed || got[2] != subscriber.Pending {
		t.Fatalf("before declining: %v", got)
	}

	tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeDecline, SubscriberID: id})
	page := e.get("/unsubscribe/" + tok)
	wantStatus(t, "GET /unsubscribe (decline)", page, http.StatusOK)
	if body := page.Body.String(); !strings.Contains(body, "The Weekly") || strings.Contains(body, "<li>Newsletter</li>") {
		t.Errorf("the decline page should name the newsletter waiting for confirmation only:\n%s", body)
	}
	r := httptest.NewRequest("POST", "/unsubscribe/"+tok, strings.NewReader("List-Unsubscribe=One-Click"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, "one-click POST (decline)", e.do(r), http.StatusOK)
	if got := states(t, e, id); got[1] != subscriber.Confirmed || got[2] != subscriber.Unsubscribed {
		t.Errorf("after declining: %v; want the confirmed newsletter kept and the waiting one left", got)
	}
}

// TestDeclineAfterConfirmingLeavesNothing: a reader who confirmed what the
// email asked about, then presses its unsubscribe button, declines
// nothing; the page offers to leave everything instead.
func TestDeclineAfterConfirmingLeavesNothing(t *testing.T) {
	e := newEnv(t)
	id := signedUp(t, e, "1")
	confirm := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: id, Expires: e.now.Add(time.Hour)})
	wantStatus(t, "POST /confirm", e.do(httptest.NewRequest("POST", "/confirm/"+confirm, nil)), http.StatusOK)
	tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeDecline, SubscriberID: id})
	r := httptest.NewRequest("POST", "/unsubscribe/"+tok, strings.NewReader("List-Unsubscribe=One-Click"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, "one-click POST (decline, all confirmed)", e.do(r), http.StatusOK)
	if got := states(t, e, id); got[1] != subscriber.Confirmed {
		t.Errorf("declining after confirming left the newsletter: %v", got)
	}
}

// TestUnsubscribedPageOffersToTakeItBack: the page that says a reader left
// links to their preferences page, where they can join again at once,
// with no confirmation email to wait for.
func TestUnsubscribedPageOffersToTakeItBack(t *testing.T) {
	e := newEnv(t)
	id := signedUp(t, e, "1")
	tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeUnsubscribe, SubscriberID: id, NewsletterID: 1})
	left := e.do(httptest.NewRequest("POST", "/unsubscribe/"+tok, nil))
	wantStatus(t, "POST /unsubscribe", left, http.StatusOK)
	body := left.Body.String()
	i := strings.Index(body, `href="/preferences/`)
	if i < 0 || !strings.Contains(body, "Changed your mind?") {
		t.Fatalf("the unsubscribed page offers no way back:\n%s", body)
	}
	link := body[i+len(`href="`):]
	link = link[:strings.Index(link, `"`)]
	prefs, err := e.signer.Verify(strings.TrimPrefix(link, "/preferences/"), subscriber.PurposePreferences, e.now)
	if err != nil || prefs.SubscriberID != id {
		t.Errorf("the way back is %s (%+v, %v); want a preferences link of subscriber %d", link, prefs, err, id)
	}
	wantStatus(t, "GET "+link, e.get(link), http.StatusOK)
}
