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
	Action      string // where the button posts; empty after the fact
	Button      string
	AllButton   string // a second button that leaves every newsletter
}

// confirmForm asks before confirming. Mail scanners fetch every link in a
// message, so a GET must change nothing.
func (h *Handler) confirmForm(w http.ResponseWriter, r *http.Request) error {
	info, err := h.subs.ConfirmInfo(r.Context(), r.PathValue("token"))
	if err != nil {
		return linkErr(err)
	}
	v := h.linkPage("Confirm your subscription", info)
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
	if h.counts != nil {
		h.counts.Confirmation()
	}
	v := h.linkPage("You are subscribed", info)
	v.Message = "Thank you. You will receive:"
	return h.writeLinkPage(w, v)
}

func (h *Handler) unsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	info, err := h.subs.UnsubscribeInfo(r.Context(), r.PathValue("token"))
	if err != nil {
		return linkErr(err)
	}
	v := h.linkPage("Unsubscribe", info)
	v.Message = "Press the button to stop receiving:"
	v.Action = r.URL.Path
	v.Button = "Unsubscribe"
	if len(info.Newsletters) == 1 {
		v.AllButton = "Leave all our newsletters"
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
	v := h.linkPage("You have been unsubscribed", info)
	v.Message = "You will no longer receive:"
	if all || len(info.Newsletters) == 0 {
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

func (h *Handler) linkPage(heading string, info subscriber.LinkInfo) linkView {
	v := linkView{page: h.basePage(h.cur().site.Language, heading), Heading: heading}
	v.Robots = "noindex"
	for _, n := range info.Newsletters {
		v.Newsletters = append(v.Newsletters, n.Name)
	}
	return v
}

func (h *Handler) writeLinkPage(w http.ResponseWriter, v linkView) error {
	return h.writePage(w, http.StatusOK, "link", v, false)
}
