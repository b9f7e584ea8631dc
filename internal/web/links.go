package web

import (
	"errors"
	"net/http"

	"herald/internal/subscriber"
)

// linkView is a page reached from a link in an email: a question with a
// button, or the answer after it was pressed.
type linkView struct {
	page
	Heading     string
	Message     string
	Newsletters []string
	Action      string // where the buttons post; empty when there is nothing to press
	Button      string
	AllButton   string // a button that leaves every newsletter
	SignUp      string // the reader has left: a link to the signup box, in these words
	// Preferences links a reader who just left to their preferences page,
	// in the words of ChangedMind, to take it back at once.
	Preferences, ChangedMind string
}

// confirmForm asks before confirming. Mail scanners fetch every link in a
// message, so a GET must change nothing.
func (h *Handler) confirmForm(w http.ResponseWriter, r *http.Request) error {
	info, err := h.subs.ConfirmInfo(r.Context(), r.PathValue("token"))
	if err != nil {
		return h.linkErr(err)
	}
	if len(info.Pending) == 0 {
		return h.writeLinkPage(w, h.confirmedPage(info))
	}
	lw, v := h.linkPage(info, func(lw linkWords) string { return lw.ConfirmHeading }, info.Pending)
	v.Message = lw.ConfirmMessage
	v.Action = r.URL.Path
	v.Button = lw.ConfirmButton
	return h.writeLinkPage(w, v)
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) error {
	info, err := h.subs.Confirm(r.Context(), r.PathValue("token"), clientIP(r))
	if err != nil {
		return h.linkErr(err)
	}
	if info.Changed && h.counts != nil {
		h.counts.Confirmation()
	}
	return h.writeLinkPage(w, h.confirmedPage(info))
}

// confirmedPage answers a confirmation link with nothing left to confirm:
// just confirmed, confirmed before, or no longer wanted.
func (h *Handler) confirmedPage(info subscriber.LinkInfo) linkView {
	switch {
	case info.Changed:
		lw, v := h.linkPage(info, func(lw linkWords) string { return lw.ConfirmedHeading }, info.Confirmed)
		v.Message = lw.ConfirmedMessage
		return v
	case len(info.Confirmed) > 0:
		lw, v := h.linkPage(info, func(lw linkWords) string { return lw.AlreadyHeading }, info.Confirmed)
		v.Message = lw.AlreadyMessage
		return v
	}
	lw, v := h.linkPage(info, func(lw linkWords) string { return lw.NothingHeading }, nil)
	v.Message = lw.NothingMessage
	v.SignUp = lw.SignUpAgain
	return v
}

func (h *Handler) unsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	info, err := h.subs.UnsubscribeInfo(r.Context(), r.PathValue("token"))
	if err != nil {
		return h.linkErr(err)
	}
	var v linkView
	var lw linkWords
	if active := info.Active(); len(active) > 0 {
		lw, v = h.linkPage(info, func(lw linkWords) string { return lw.LeaveHeading }, active)
		v.Message = lw.LeaveMessage
		v.Button = lw.LeaveButton
	} else {
		lw, v = h.linkPage(info, func(lw linkWords) string { return lw.LeftAlreadyHeading }, info.Left)
		v.Message = lw.LeftAlreadyMessage
		if len(info.Left) == 0 {
			v.Message = lw.NotOnIt
		}
	}
	if info.Others {
		v.AllButton = lw.LeaveAll
	}
	if v.Button != "" || v.AllButton != "" {
		v.Action = r.URL.Path
	}
	return h.writeLinkPage(w, v)
}

// unsubscribe is also the target of RFC 8058 one-click unsubscribes, which
// mail providers post with no cookie, no page visit and a body of their
// choosing; the signed token is the only proof needed.
func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	all := false
	if parseForm(r) == nil {
		all = r.PostForm.Get("all") == "1"
	}
	info, err := h.subs.Unsubscribe(r.Context(), r.PathValue("token"), all, clientIP(r))
	if err != nil {
		return h.linkErr(err)
	}
	lw, v := h.linkPage(info, func(lw linkWords) string { return lw.LeftHeading }, info.Left)
	v.Message = lw.LeftMessage
	if all || len(info.Left) == 0 {
		v.Message, v.Newsletters = lw.LeftAll, nil
	}
	if info.Preferences != "" {
		v.Preferences, v.ChangedMind = "/preferences/"+info.Preferences, lw.ChangedMind
	}
	return h.writeLinkPage(w, v)
}

// linkErr treats a token naming nobody like a forged one: the page must not
// tell which subscribers exist. A link that is not valid is told in the
// site's language; one that is genuine but expired, in the language of
// the newsletters it was about, as it would have been in time.
func (h *Handler) linkErr(err error) error {
	if errors.Is(err, subscriber.ErrNotFound) {
		err = subscriber.ErrBadToken
	}
	var nls []subscriber.Newsletter
	var expired *subscriber.ExpiredError
	if errors.As(err, &expired) {
		nls = expired.Newsletters
	}
	lang, lw := h.linkLanguage(nls)
	switch {
	case errors.Is(err, subscriber.ErrExpiredToken):
		return &statusError{status: http.StatusGone, title: lw.ExpiredTitle, msg: lw.ExpiredMessage, wrapped: err, lang: lang}
	case errors.Is(err, subscriber.ErrBadToken):
		return &statusError{status: http.StatusBadRequest, title: lw.BadTitle, msg: lw.BadMessage, wrapped: err, lang: lang}
	}
	return err
}

// linkPage starts a link page listing nls, in the language of the
// newsletters the link concerns, with the heading it picks from the words.
func (h *Handler) linkPage(info subscriber.LinkInfo, heading func(linkWords) string, nls []subscriber.Newsletter) (linkWords, linkView) {
	lang, lw := h.linkLanguage(append(append(info.Active(), info.Left...), nls...))
	v := linkView{page: h.basePage(lang, heading(lw)), Heading: heading(lw)}
	v.Robots = "noindex"
	for _, n := range nls {
		v.Newsletters = append(v.Newsletters, n.Name)
	}
	return lw, v
}

func (h *Handler) writeLinkPage(w http.ResponseWriter, v linkView) error {
	return h.writePage(w, http.StatusOK, "link", v, false)
}
