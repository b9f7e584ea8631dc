package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/subscriber"
)

func signupForm(email string) url.Values {
	return url.Values{"email": {email}, "name": {"Reader"}, "language": {"en"}, "source": {"/articles/some-story"}}
}

func consents(t *testing.T, e *testEnv, subID int64) []subscriber.Consent {
	t.Helper()
	list, err := e.store.Consents(context.Background(), subID)
	if err != nil {
		t.Fatalf("Consents(%d) = %v", subID, err)
	}
	return list
}

func TestSignupWithoutScript(t *testing.T) {
	e := newEnv(t)
	v := signupForm("reader@example.org")
	v.Set("wording", "I agree to anything") // must be ignored
	posted := e.postForm("/subscribe", v, "text/html")
	wantStatus(t, "POST /subscribe", posted, http.StatusSeeOther)
	// The thanks page has its own address, so reloading it sends nothing.
	if loc := posted.Header().Get("Location"); loc != "/subscribe?back=%2Farticles%2Fsome-story&language=en&thanks=1" {
		t.Errorf("a signup without JavaScript goes to %q", loc)
	}
	w := e.get(posted.Header().Get("Location"))
	wantStatus(t, "GET the thanks page", w, http.StatusOK)
	en := DefaultWords()["en"]
	body := w.Body.String()
	if w.Header().Get("Content-Type") != "text/html; charset=utf-8" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers = %v", w.Header())
	}
	if !strings.Contains(body, html.EscapeString(en.Thanks)) || !strings.Contains(body, html.EscapeString(en.ThanksDetail)) {
		t.Errorf("thanks page lacks the thanks words:\n%s", body)
	}
	subs := e.subscribers()
	if len(subs) != 1 || subs[0].Email != "reader@example.org" || subs[0].Name != "Reader" {
		t.Fatalf("subscribers = %+v, want reader@example.org", subs)
	}
	if len(subs[0].Subscriptions) != 1 || subs[0].Subscriptions[0].State != subscriber.Pending {
		t.Errorf("subscriptions = %+v, want one pending", subs[0].Subscriptions)
	}
	cs := consents(t, e, subs[0].ID)
	if len(cs) != 1 {
		t.Fatalf("consents = %+v, want one", cs)
	}
	c := cs[0]
	if c.Action != subscriber.ConsentSignup || c.Wording != en.Consent || c.Source != "/articles/some-story" || c.IP != "192.0.2.1" {
		t.Errorf("consent = %+v; want wording %q from the server, the page path and the client address", c, en.Consent)
	}
}

func TestSignupWithScript(t *testing.T) {
	e := newEnv(t)
	w := e.postForm("/subscribe", signupForm("reader@example.org"), "application/json")
	wantStatus(t, "POST /subscribe as JSON", w, 200)
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var got signupAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !got.OK || got.Message != "Thank you for sign up!" {
		t.Errorf("answer = %+v", got)
	}

	// The script sends FormData, which browsers encode as multipart.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range signupForm("other@example.org") {
		mw.WriteField(k, v[0])
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/subscribe", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Accept", "application/json")
	w = e.do(r)
	wantStatus(t, "POST /subscribe multipart", w, 200)
	if n := len(e.subscribers()); n != 2 {
		t.Errorf("%d subscribers after two signups", n)
	}
}

func TestSignupSameAnswerForKnownAddress(t *testing.T) {
	for _, accept := range []string{"text/html", "application/json"} {
		e := newEnv(t)
		first := e.postForm("/subscribe", signupForm("reader@example.org"), accept)
		again := e.postForm("/subscribe", signupForm("Reader@Example.org"), accept)
		subs := e.subscribers()
		if len(subs) != 1 {
			t.Fatalf("%d subscribers", len(subs))
		}
		tok := e.signer.Sign(subscriber.Token{Purpose: subscriber.PurposeConfirm, SubscriberID: subs[0].ID, Expires: e.now.Add(time.Hour)})
		wantStatus(t, "confirm", e.postForm("/confirm/"+tok, nil, ""), 200)
		confirmed := e.postForm("/subscribe", signupForm("reader@example.org"), accept)
		for _, w := range []*httptest.ResponseRecorder{first, again, confirmed} {
			if w.Code != first.Code || w.Body.String() != first.Body.String() {
				t.Errorf("Accept %s: answers differ between a new, a pending and a confirmed address:\n%d %s\n%d %s",
					accept, first.Code, first.Body, w.Code, w.Body)
			}
		}
	}
}

func TestSignupRefused(t *testing.T) {
	tests := []struct {
		name, email, userName, field string
	}{
		{"bad email", "not-an-email", "Reader", "email"},
		{"header injection in email", "a@example.org\r\nBcc: b@example.org", "Reader", "email"},
		{"CR LF in name", "reader@example.org", "Reader\r\nBcc: victim@example.org", "name"},
		{"empty email", "", "Reader", "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			v := signupForm(tt.email)
			v.Set("name", tt.userName)
			w := e.postForm("/subscribe", v, "")
			wantStatus(t, "POST /subscribe", w, 400)
			doc := parseHTML(t, w.Body.String())
			input := findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attrOr(n, "name") == tt.field })
			if len(input) != 1 || attrOr(input[0], "aria-invalid") != "true" {
				t.Fatalf("field %s not marked invalid:\n%s", tt.field, w.Body.String())
			}
			msg := findAll(doc, func(n *html.Node) bool { return attrOr(n, "id") == "signup-"+tt.field+"-error" })
			if len(msg) != 1 || strings.TrimSpace(textOf(msg[0])) == "" {
				t.Errorf("no inline message for %s", tt.field)
			}
			email := findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attrOr(n, "name") == "email" })
			if len(email) != 1 || !strings.ContainsAny(tt.email, "\r\n") && attrOr(email[0], "value") != tt.email {
				t.Errorf("typed email not kept: %v", email)
			}
			if src := findAll(doc, func(n *html.Node) bool { return attrOr(n, "name") == "source" }); len(src) != 1 || attrOr(src[0], "value") != "/articles/some-story" {
				t.Errorf("source not kept")
			}
			if n := len(e.subscribers()); n != 0 {
				t.Errorf("%d subscribers recorded from a refused signup", n)
			}

			w = e.postForm("/subscribe", v, "application/json")
			wantStatus(t, "POST /subscribe as JSON", w, 400)
			var got signupAnswer
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.OK || got.Field != tt.field || got.Message == "" {
				t.Errorf("JSON answer = %+v, want field %s", got, tt.field)
			}
		})
	}
}

func TestSignupHoneypot(t *testing.T) {
	for _, accept := range []string{"", "application/json"} {
		e := newEnv(t)
		real := e.postForm("/subscribe", signupForm("reader@example.org"), accept)
		bot := signupForm("bot@example.org")
		bot.Set("website", "https://spam.example")
		w := e.postForm("/subscribe", bot, accept)
		if w.Code != real.Code || w.Body.String() != real.Body.String() || w.Header().Get("Content-Type") != real.Header().Get("Content-Type") {
			t.Errorf("Accept %q: bot answer differs from a real signup's:\n%d %s\nwant\n%d %s", accept, w.Code, w.Body, real.Code, real.Body)
		}
		for _, s := range e.subscribers() {
			if s.Email == "bot@example.org" {
				t.Errorf("the honeypot signup was recorded")
			}
		}
	}
}

func TestSignupTooLarge(t *testing.T) {
	e := newEnv(t)
	v := signupForm("reader@example.org")
	v.Set("name", strings.Repeat("x", 20<<10))
	wantStatus(t, "POST urlencoded 20 KiB", e.postForm("/subscribe", v, ""), 413)

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("email", "reader@example.org")
	mw.WriteField("padding", strings.Repeat("x", 20<<10))
	mw.Close()
	r := httptest.NewRequest("POST", "/subscribe", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Accept", "application/json")
	w := e.do(r)
	wantStatus(t, "POST multipart 20 KiB", w, 413)
	if !strings.Contains(w.Body.String(), `"ok":false`) {
		t.Errorf("413 to the script is not JSON: %s", w.Body)
	}
	if n := len(e.subscribers()); n != 0 {
		t.Errorf("%d subscribers recorded from oversized bodies", n)
	}
}

func TestSignupRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SignupPerMinute = 3 })
	post := func(remote string, i int) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/subscribe", strings.NewReader(signupForm(fmt.Sprintf("r%d@example.org", i)).Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = remote
		return e.do(r)
	}
	for i := range 3 {
		wantStatus(t, fmt.Sprintf("signup %d", i+1), post("198.51.100.7:4000", i), http.StatusSeeOther)
	}
	w := post("198.51.100.7:4001", 3)
	wantStatus(t, "fourth signup in a minute", w, http.StatusTooManyRequests)
	if !strings.Contains(w.Body.String(), "too many") || w.Header().Get("Retry-After") == "" {
		t.Errorf("429 page does not explain itself or lacks Retry-After:\n%s", w.Body)
	}
	wantStatus(t, "signup from another address", post("[2001:db8::1]:80", 4), http.StatusSeeOther)
	e.now = e.now.Add(time.Minute)
	wantStatus(t, "signup a minute later", post("198.51.100.7:4000", 5), http.StatusSeeOther)
	if n := len(e.subscribers()); n != 5 {
		t.Errorf("%d subscribers, want 5", n)
	}
}

func TestLimiterBounded(t *testing.T) {
	l := newLimiter(1, 100)
	now := time.Now()
	for i := range 1000 {
		l.allow(context.Background(), fmt.Sprint(i), now)
	}
	if len(l.clients) > 100 {
		t.Errorf("limiter holds %d clients, want at most 100", len(l.clients))
	}
	if !l.allow(context.Background(), "fresh", now) || l.allow(context.Background(), "fresh", now) {
		t.Error("a new client is not limited to one a minute")
	}
}

func TestSignupSource(t *testing.T) {
	for source, want := range map[string]string{
		"/articles/x?utm=1":      "/articles/x?utm=1",
		"//evil.example/x":       "/",
		"https://evil.example/":  "/",
		"/\\evil.example":        "/",
		"javascript:alert(1)":    "/",
		"":                       "/",
		"/ok\r\nSet-Cookie: a=b": "/",
	} {
		e := newEnv(t)
		v := signupForm("reader@example.org")
		v.Set("source", source)
		wantStatus(t, "POST with source "+source, e.postForm("/subscribe", v, ""), http.StatusSeeOther)
		subs := e.subscribers()
		if len(subs) != 1 {
			t.Fatalf("source %q: %d subscribers", source, len(subs))
		}
		if got := consents(t, e, subs[0].ID)[0].Source; got != want {
			t.Errorf("source %q recorded as %q, want %q", source, got, want)
		}
	}
}

func TestSignupSeveralNewsletters(t *testing.T) {
	e := newEnv(t)
	e.addNewsletter("weekly", "The Weekly")
	e.addArticle("story", "Story", e.now.Add(-time.Hour))
	doc := parseHTML(t, e.get("/articles/story").Body.String())
	boxes := findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attrOr(n, "name") == "newsletter" })
	if len(boxes) != 2 || attrOr(boxes[0], "type") != "checkbox" || attrOr(boxes[1], "type") != "checkbox" {
		t.Fatalf("newsletter inputs = %d, want two checkboxes", len(boxes))
	}
	if len(findAll(doc, func(n *html.Node) bool { return n.Data == "legend" })) != 1 {
		t.Error("checkboxes have no legend")
	}

	v := signupForm("reader@example.org")
	w := e.postForm("/subscribe", v, "application/json")
	wantStatus(t, "POST without a newsletter", w, 400)
	if !strings.Contains(w.Body.String(), `"field":"newsletter"`) {
		t.Errorf("answer = %s", w.Body)
	}
	v["newsletter"] = []string{"1", "999"}
	wantStatus(t, "POST with an unknown newsletter", e.postForm("/subscribe", v, ""), 400)
	if n := len(e.subscribers()); n != 0 {
		t.Fatalf("%d subscribers after refused signups", n)
	}
	v["newsletter"] = []string{"1", "2"}
	wantStatus(t, "POST with both", e.postForm("/subscribe", v, ""), http.StatusSeeOther)
	subs := e.subscribers()
	if len(subs) != 1 || len(subs[0].Subscriptions) != 2 {
		t.Errorf("subscribers = %+v, want one on two newsletters", subs)
	}
}

func TestSignupLanguage(t *testing.T) {
	e := newEnv(t)
	v := signupForm("lectrice@example.org")
	v.Set("language", "fr")
	w := e.postForm("/subscribe", v, "application/json")
	fr := DefaultWords()["fr"]
	if !strings.Contains(w.Body.String(), `"message":"Merci pour votre inscription`) {
		t.Errorf("French answer = %s", w.Body)
	}
	subs := e.subscribers()
	if got := consents(t, e, subs[0].ID)[0].Wording; got != fr.Consent {
		t.Errorf("recorded wording %q, want the French consent %q", got, fr.Consent)
	}
	v.Set("language", "<script>")
	w = e.postForm("/subscribe", v, "")
	wantStatus(t, "POST with a made-up language", w, http.StatusSeeOther)
	if !strings.Contains(e.get(w.Header().Get("Location")).Body.String(), `<html lang="en" dir="ltr">`) {
		t.Error("made-up language not replaced by the site's")
	}
}

// TestSignupFromOtherSites posts the box as other sites' pages would make a
// reader's browser post it: refused when the browser says the post is
// cross-site, accepted from the site's own pages and from clients that say
// nothing.
func TestSignupFromOtherSites(t *testing.T) {
	e := newEnv(t)
	for i, tt := range []struct {
		fetchSite, origin string
		status            int
	}{
		{"cross-site", "https://evil.example", 403},
		{"cross-site", testBase, 403},
		{"cross-site", "null", 403},
		{"", "https://evil.example", 403},
		{"", "https://news.example.evil.example", 403},
		{"", "http://news.example", 403}, // the site is served over https
		{"", "null", 200},                // what older browsers send from a page with no referrer
		{"same-origin", testBase, 200},
		{"same-site", "https://www.news.example", 200},
		{"", testBase, 200},
		{"", "https://NEWS.example:443", 200},
		{"", "http://example.com", 200}, // the host the request was sent to
		{"", "", 200},
	} {
		email := fmt.Sprintf("reader%d@example.org", i)
		what := fmt.Sprintf("POST /subscribe with Sec-Fetch-Site %q, Origin %q", tt.fetchSite, tt.origin)
		for _, accept := range []string{"text/html", "application/json"} {
			r := httptest.NewRequest("POST", "/subscribe", strings.NewReader(signupForm(email).Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Accept", accept)
			if tt.fetchSite != "" {
				r.Header.Set("Sec-Fetch-Site", tt.fetchSite)
			}
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			w := e.do(r)
			want := tt.status
			if want == 200 && accept == "text/html" {
				want = http.StatusSeeOther // to the thanks page
			}
			wantStatus(t, what+" ("+accept+")", w, want)
			if tt.status == 403 && !strings.Contains(w.Body.String(), "another website") {
				t.Errorf("%s (%s): answer does not say why:\n%s", what, accept, w.Body)
			}
		}
		signed := false
		for _, s := range e.subscribers() {
			signed = signed || s.Email == email
		}
		if signed != (tt.status == 200) {
			t.Errorf("%s: %s signed up: %v, want %v", what, email, signed, tt.status == 200)
		}
	}
}

// The box has a page of its own, in the language asked for, which a
// reader without JavaScript can reach from any link.
func TestSignupPage(t *testing.T) {
	e := newEnv(t)
	w := e.get("/subscribe?language=fr&back=/articles/some-story")
	wantStatus(t, "GET /subscribe", w, http.StatusOK)
	body := w.Body.String()
	for _, want := range []string{`<html lang="fr" dir="ltr">`, `action="/subscribe"`, `name="source" value="/articles/some-story"`,
		html.EscapeString(DefaultWords()["fr"].Button)} {
		if !strings.Contains(body, want) {
			t.Errorf("signup page lacks %s", want)
		}
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("signup page Cache-Control = %q", w.Header().Get("Cache-Control"))
	}
	if body := e.get("/subscribe?back=https://evil.example/").Body.String(); strings.Contains(body, "evil.example") {
		t.Error("the signup page took a link back to another site")
	}
}

// A refused signup says why in the language of the box it came from.
func TestSignupProblemsInTheBoxLanguage(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		lang, email, name, want string
	}{
		{"fr", "pas-une-adresse", "", "Il manque à cette adresse e-mail un @ et un domaine."},
		{"de", "", "", "Bitte geben Sie Ihre E-Mail-Adresse ein."},
		{"es", "lector@example.org", strings.Repeat("x", 101), "El nombre supera los 100 caracteres."},
		{"en", "a@b", "", "The part after the @ is not a valid domain."},
	} {
		v := url.Values{"email": {tt.email}, "name": {tt.name}, "language": {tt.lang}}
		w := e.postForm("/subscribe", v, "application/json")
		wantStatus(t, "POST /subscribe in "+tt.lang, w, http.StatusBadRequest)
		if !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("refused signup in %s = %s; want %q", tt.lang, w.Body, tt.want)
		}
		page := e.postForm("/subscribe", v, "text/html").Body.String()
		if !strings.Contains(page, html.EscapeString(tt.want)) || !strings.Contains(page, `<html lang="`+tt.lang+`" dir="ltr">`) {
			t.Errorf("refused signup page in %s lacks %q", tt.lang, tt.want)
		}
	}
	if n := len(e.subscribers()); n != 0 {
		t.Errorf("%d subscribers after refused signups", n)
	}
}

// The box's refusals of a whole signup speak its language too.
func TestSignupRefusalsInTheBoxLanguage(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SignupPerMinute = 1 })
	v := url.Values{"email": {"lecteur@example.org"}, "language": {"fr"}}
	r := httptest.NewRequest("POST", "/subscribe", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := e.do(r)
	wantStatus(t, "a cross-site signup", w, http.StatusForbidden)
	if body := w.Body.String(); !strings.Contains(body, `<html lang="fr" dir="ltr">`) || !strings.Contains(body, "Inscription refusée") {
		t.Errorf("cross-site refusal is not in French:\n%s", body)
	}
	wantStatus(t, "first signup", e.postForm("/subscribe", v, ""), http.StatusSeeOther)
	w = e.postForm("/subscribe", v, "application/json")
	wantStatus(t, "second signup in a minute", w, http.StatusTooManyRequests)
	if !strings.Contains(w.Body.String(), "Trop d") {
		t.Errorf("rate-limit answer is not in French: %s", w.Body)
	}
}

// A newsletter in another language than the page's says so on its choice
// in the box, so that a screen reader reads its name in that language.
func TestSignupChoicesInAnotherLanguage(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.CreateNewsletter(context.Background(), &subscriber.Newsletter{Slug: "matin", Name: "Le Matin",
		Description: "Les nouvelles du matin", Language: "fr", DigestTime: "07:00", Timezone: "UTC", CreatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	refused := signupForm("not an address")
	refused["newsletter"] = []string{"1"}
	for what, w := range map[string]*httptest.ResponseRecorder{
		"GET /":                  e.get("/"),
		"GET /subscribe":         e.get("/subscribe?language=en"),
		"POST a refused address": e.postForm("/subscribe", refused, ""),
	} {
		doc := parseHTML(t, w.Body.String())
		var got []string
		for _, l := range findAll(doc, func(n *html.Node) bool {
			return n.Data == "label" && strings.HasPrefix(attrOr(n, "for"), "signup-newsletter-")
		}) {
			got = append(got, textOf(l)+"="+attrOr(l, "lang"))
		}
		want := "Newsletter Our journalism in your inbox.=|Le Matin Les nouvelles du matin=fr"
		if g := strings.Join(got, "|"); g != want {
			t.Errorf("%s on an English site: newsletter choices and their lang = %q, want %q", what, g, want)
		}
	}
}

// Without the script, a refused signup comes back as a page of its own;
// the field it is about has the focus, so that a reader on a keyboard or a
// screen reader lands on it and hears what is wrong rather than starting
// again from the top of the page.
func TestSignupRefusedFocusesTheField(t *testing.T) {
	e := newEnv(t)
	e.addNewsletter("morning", "Morning")
	for _, tt := range []struct {
		field string
		form  url.Values
	}{
		{"email", url.Values{"email": {"not-an-email"}, "newsletter": {"1"}}},
		{"name", url.Values{"email": {"reader@example.org"}, "name": {strings.Repeat("n", 101)}, "newsletter": {"1"}}},
		{"newsletter", url.Values{"email": {"reader@example.org"}}},
	} {
		w := e.postForm("/subscribe", tt.form, "")
		wantStatus(t, "POST /subscribe refused for "+tt.field, w, 400)
		doc := parseHTML(t, w.Body.String())
		focused := findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "autofocus"); return ok })
		if len(focused) != 1 || attrOr(focused[0], "name") != tt.field {
			t.Errorf("POST /subscribe refused for %s: elements with autofocus = %v, want the first %s input", tt.field, focused, tt.field)
			continue
		}
		if got, want := attrOr(focused[0], "aria-describedby"), "signup-"+tt.field+"-error"; tt.field != "newsletter" && got != want {
			t.Errorf("POST /subscribe refused for %s: focused field described by %q, want %q", tt.field, got, want)
		}
	}
	w := e.get("/subscribe")
	if strings.Contains(w.Body.String(), "autofocus") {
		t.Errorf("GET /subscribe: the box takes the focus before anything was refused")
	}
}

// A box with one newsletter shows no choice, yet a form from a page shown
// before the newsroom changed its newsletters can name one that is gone:
// the refusal is then said above the button, since there is no list to
// say it under.
func TestSignupRefusedChoiceWithoutAList(t *testing.T) {
	e := newEnv(t)
	w := e.postForm("/subscribe", url.Values{"email": {"reader@example.org"}, "newsletter": {"99"}}, "")
	wantStatus(t, "POST /subscribe naming newsletter 99", w, 400)
	doc := parseHTML(t, w.Body.String())
	msg := findAll(doc, func(n *html.Node) bool { return attrOr(n, "class") == "field-error" })
	if len(msg) != 1 || strings.TrimSpace(textOf(msg[0])) == "" {
		t.Fatalf("POST /subscribe naming newsletter 99: messages = %v, want one; page:\n%s", msg, w.Body.String())
	}
	if _, ok := attr(msg[0], "autofocus"); !ok {
		t.Errorf("POST /subscribe naming newsletter 99: the message does not take the focus")
	}
	if n := len(e.subscribers()); n != 0 {
		t.Errorf("%d subscribers recorded from a refused signup", n)
	}
}
