package web

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"herald/internal/subscriber"
)

// maxForm caps a signup form; a real one is a few hundred bytes.
const maxForm = 16 << 10

// boxView is the newsletter box: the words of one language, the newsletters
// on offer and, when a submission was refused, what the reader typed.
type boxView struct {
	Words   Words
	Lang    string // the language of Words, sent back with the form
	Source  string // the page the box is on
	Choices []choice
	Only    int64 // the one newsletter, when there is no choice to make
	Offline string
	Mark    string // Lang, when the page around the box is in another language
	Alone   bool   // the box is the page: its heading is the page's h1

	Email, Name          string
	ErrField, ErrMessage string
}

// choice is one newsletter checkbox.
type choice struct {
	ID          int64
	Name        string
	Description string
	Checked     bool
	Lang        string // the newsletter's, set only when it differs from the page's
}

// signupView is the page a signup without JavaScript lands on.
type signupView struct {
	page
	Box  *boxView
	Done bool
	Back string
}

// errorView is any error page.
type errorView struct {
	page
	Heading, Message string
	SignUp           string // a link to sign up again, in these words, when a link has expired
}

var errTooMany = &statusError{status: http.StatusTooManyRequests, title: "Too many attempts",
	msg: "There have been too many signups from your connection. Please wait a minute and try again."}

var errCrossSite = &statusError{status: http.StatusForbidden, title: "Signup refused",
	msg: "This signup was sent from another website. To subscribe, please use the newsletter box on our own pages."}

// fromOwnPages reports whether a form post may have come from the site's own
// pages, as far as the browser tells: by Sec-Fetch-Site when it sends one,
// otherwise by Origin, which must be the base URL's or name the host the
// request was sent to. Another site's page could otherwise sign up any
// address from its readers' browsers. A request with neither header, from
// a program or an old browser, is let through: it proves nothing either way,
// and the confirmation email still guards the address.
func (h *Handler) fromOwnPages(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site":
		return false
	case "":
	default: // same-origin, same-site, or none (the reader's own doing)
		return true
	}
	// Browsers that predate Sec-Fetch-Site send "null" for a page whose
	// referrer policy is no-referrer, as the box's own pages after a
	// refusal are; every browser of today says cross-site instead.
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if base, err := url.Parse(h.cur().site.BaseURL); err == nil && originOf(u) == originOf(base) {
		return true
	}
	return strings.EqualFold(u.Host, r.Host)
}

// originOf is u's scheme and host in lower case, without a default port.
func originOf(u *url.URL) string {
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	switch scheme {
	case "https":
		host = strings.TrimSuffix(host, ":443")
	case "http":
		host = strings.TrimSuffix(host, ":80")
	}
	return scheme + "://" + host
}

// subscribe records a signup from the newsletter box. Its answer is the same
// whether the address is new, waiting for confirmation or already on the
// list, and the same again for a bot that filled the hidden field.
func (h *Handler) subscribe(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := parseForm(r); err != nil {
		return err
	}
	form := r.PostForm
	lang, words := h.wordsFor(form.Get("language"))
	if !h.fromOwnPages(r) {
		return refusal(lang, errCrossSite)
	}
	now := h.now()
	ip := clientIP(r)
	if h.limiter != nil && !h.limiter.allow(r.Context(), network(ip), now) {
		return refusal(lang, errTooMany)
	}
	box := &boxView{Words: words, Lang: lang, Source: safeSource(form.Get("source")), Offline: labelsFor(lang).Offline}
	done := &boxView{Words: box.Words, Lang: box.Lang, Source: box.Source}
	if form.Get("website") != "" {
		return h.signedUp(w, r, done)
	}

	nls, err := h.subs.Newsletters(r.Context())
	if err != nil {
		return err
	}
	if len(nls) == 0 {
		return &statusError{status: http.StatusBadRequest, title: "No newsletter",
			msg: "There is no newsletter to subscribe to at the moment."}
	}
	box.Email, box.Name = strings.TrimSpace(form.Get("email")), form.Get("name")
	wanted := map[int64]bool{}
	for i, s := range form["newsletter"] {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if i >= 100 || err != nil || id <= 0 {
			return &fieldError{field: "newsletter", msg: problemText(lang, errNotListed), form: box}
		}
		wanted[id] = true
	}
	if len(nls) == 1 {
		box.Only = nls[0].ID
	} else {
		for _, n := range nls {
			box.Choices = append(box.Choices, choice{ID: n.ID, Name: n.Name, Description: n.Description, Checked: wanted[n.ID],
				Lang: otherLang(n.Language, lang)})
		}
	}

	email, err := subscriber.NormalizeEmail(box.Email)
	if err != nil {
		return &fieldError{field: "email", msg: problemText(lang, err), form: box}
	}
	name, err := subscriber.CleanName(box.Name)
	if err != nil {
		return &fieldError{field: "name", msg: problemText(lang, err), form: box}
	}
	ids, err := chosen(nls, wanted)
	if err != nil {
		return &fieldError{field: "newsletter", msg: problemText(lang, err), form: box}
	}
	err = h.subs.Signup(r.Context(), subscriber.Signup{
		Email:       email,
		Name:        name,
		Newsletters: ids,
		Source:      box.Source,
		Wording:     words.Consent, // what the reader was shown, never what the form claims
		Language:    lang,
		IP:          ip,
		At:          now,
	})
	var ae *subscriber.AddressError
	if errors.As(err, &ae) {
		return &fieldError{field: "email", msg: problemText(lang, ae), form: box}
	}
	if err != nil {
		return err
	}
	if h.counts != nil {
		h.counts.Signup()
	}
	return h.signedUp(w, r, done)
}

// The choices of newsletters the box refuses.
var (
	errNotListed    = problem(subscriber.UnknownNewsletter, "Please choose from the newsletters listed.")
	errNoNewsletter = problem(subscriber.NoNewsletter, "Please choose at least one newsletter.")
)

// chosen checks the newsletters asked for against those on offer. With only
// one on offer, asking for none means that one.
func chosen(nls []subscriber.Newsletter, wanted map[int64]bool) ([]int64, error) {
	if len(wanted) == 0 {
		if len(nls) == 1 {
			return []int64{nls[0].ID}, nil
		}
		return nil, errNoNewsletter
	}
	var ids []int64
	for _, n := range nls {
		if wanted[n.ID] {
			ids = append(ids, n.ID)
		}
	}
	if len(ids) != len(wanted) {
		return nil, errNotListed
	}
	return ids, nil
}

// signedUp is the one answer to every accepted signup.
func (h *Handler) signedUp(w http.ResponseWriter, r *http.Request, box *boxView) error {
	if wantsJSON(r) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, signupAnswer{OK: true, Message: box.Words.Thanks})
		return nil
	}
	// The thanks page has an address of its own, so reloading it does not
	// send the form again.
	q := url.Values{"thanks": {"1"}, "language": {box.Lang}}
	if box.Source != "/" {
		q.Set("back", box.Source)
	}
	http.Redirect(w, r, "/subscribe?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// signupPage is the newsletter box on a page of its own, for a link from
// anywhere, and the thanks page a signup without JavaScript lands on.
func (h *Handler) signupPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lang, words := h.wordsFor(q.Get("language"))
	back := safeSource(q.Get("back"))
	if q.Get("thanks") == "1" {
		h.renderSignupPage(w, r, http.StatusOK, &boxView{Words: words, Lang: lang, Source: back}, true)
		return nil
	}
	box := h.box(r.Context(), lang, back)
	if box == nil {
		return &statusError{status: http.StatusServiceUnavailable, title: "No newsletter",
			msg: "There is no newsletter to subscribe to at the moment."}
	}
	h.renderSignupPage(w, r, http.StatusOK, box, false)
	return nil
}

// renderSignupPage shows the thanks page, or the box again with a message.
func (h *Handler) renderSignupPage(w http.ResponseWriter, r *http.Request, status int, box *boxView, done bool) {
	title := box.Words.Heading
	if done {
		title = box.Words.Thanks
	}
	box.Alone = true
	v := signupView{page: h.basePage(box.Lang, title), Box: box, Done: done, Back: box.Source}
	v.Robots = "noindex"
	body, err := h.pages.execute("signup", v)
	if err != nil {
		h.log.ErrorContext(r.Context(), "web: render signup page", "err", err)
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// parseForm reads a urlencoded or multipart body (the script sends
// FormData, which browsers encode as multipart).
func parseForm(r *http.Request) error {
	err := r.ParseForm()
	if err == nil {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			err = r.ParseMultipartForm(4 * maxForm)
			if r.MultipartForm != nil {
				r.MultipartForm.RemoveAll()
			}
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return err
	}
	return &statusError{status: http.StatusBadRequest, title: "Bad request", msg: "The form could not be read.", wrapped: err}
}

// safeSource keeps the page a signup came from only if it is a path on this
// site, so the thanks page's link back cannot lead anywhere else.
func safeSource(s string) string {
	if s == "" || len(s) > 2000 || s[0] != '/' || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\x00\r\n\t") {
		return "/"
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return "/"
	}
	return s
}

// wantsJSON reports whether the signup script is asking, so errors and
// success come back as JSON rather than pages.
func wantsJSON(r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path != "/subscribe" {
		return false
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(mt), "application/json") {
			return true
		}
	}
	return false
}
