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
	SignUp      bool   // the reader has left: point them to the signup box
}

// confirmForm asks before confirming. Mail scanners fetch every link in a
// message, so a GET must change nothing.
func (h *Handler) confirmForm(w http.ResponseWriter, r *http.Request) error {
	info, err := h.subs.ConfirmInfo(r.Context(), r.PathValue("token"))
	if err != nil {
		return linkErr(err)
	}
	if len(info.Pending) == 0 {
		return h.writeLinkPage(w, h.confirmedPage(info))
	}
	v := h.linkPage("Confirm your subscription", info.Pending)
	v.Message = "Press the button to start receiving:"
	v.Action = r.URL.Path
	v.Button = "Confirm my subscription"
	return h.writeLinkPage(w, v)
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) error {
	info, err := h.subs.Confirm(r.Context(), r.PathValue("token"), clientIP(r))
	if err != nil {
		return linkErr(err)
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
		v := h.linkPage("You are subscribed", info.Confirmed)
		v.Message = "Thank you. You will receive:"
		return v
	case len(info.Confirmed) > 0:
		v := h.linkPage("Already confirmed", info.Confirmed)
		v.Message = "Your subscription is already confirmed. You receive:"
		return v
	}
	v := h.linkPage("Nothing to confirm", nil)
	v.Message = "There is no subscription waiting for confirmation: you may have unsubscribed since this email was sent."
	v.SignUp = true
	return v
}

func (h *Handler) unsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	info, err := h.subs.UnsubscribeInfo(r.Context(), r.PathValue("token"))
	if err != nil {
		return linkErr(err)
	}
	var v linkView
	if active := info.Active(); len(active) > 0 {
		v = h.linkPage("Unsubscribe", active)
		v.Message = "Press the button to stop receiving:"
		v.Button = "Unsubscribe"
	} else {
		v = h.linkPage("Already unsubscribed", info.Left)
		v.Message = "You are already unsubscribed from:"
		if len(info.Left) == 0 {
			v.Message = "You are not subscribed to this newsletter."
		}
	}
	if info.Others {
		v.AllButton = "Leave all our newsletters"
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
		return linkErr(err)
	}
	v := h.linkPage("You have been unsubscribed", info.Left)
	v.Message = "You will no longer receive:"
	if all || len(info.Left) == 0 {
		v.Message, v.Newsletters = "You will receive no more newsletters from us.", nil
	}
	return h.writeLinkPage(w, v)
}

// linkErr treats a token naming nobody like a forged one: the page must not
// tell which subscribers exist.
func linkErr(err error) error {
	if errors.Is(err, subscriber.ErrNotFound) {
		return subscriber.ErrBadToken
	}
	return err
}

func (h *Handler) linkPage(heading string, nls []subscriber.Newsletter) linkView {
	v := linkView{page: h.basePage(h.cur().site.Language, heading), Heading: heading}
	v.Robots = "noindex"
	for _, n := range nls {
		v.Newsletters = append(v.Newsletters, n.Name)
	}
	return v
}

func (h *Handler) writeLinkPage(w http.ResponseWriter, v linkView) error {
	return h.writePage(w, http.StatusOK, "link", v, false)
}
