package web

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"herald/internal/mail"
)

// outboxPage is how many caught messages one outbox page lists.
const outboxPage = 50

// outboxView lists caught messages, newest first.
type outboxView struct {
	page
	Messages []outboxItem
	Older    string
}

type outboxItem struct {
	URL, From, To, Subject string
	Date                   date
}

// outboxMessageView shows one caught message as a developer needs it: its
// headers, its text with working links, and its HTML in a sandbox.
type outboxMessageView struct {
	page
	Subject, From, To string
	EnvelopeFrom      string
	EnvelopeTo        string
	Date              date
	Headers           []headerField
	Text              []textRun
	HTML              string // shown in <iframe sandbox srcdoc>, escaped there by the template
	ParseProblem      bool
}

type headerField struct{ Name, Value string }

// textRun is a piece of the text part; URL is set when it is a link.
type textRun struct{ Text, URL string }

// outboxAllowed lets only a developer on this machine see the outbox: the
// connection must come from loopback and carry no sign of a proxy, since
// behind a proxy every request would seem to come from loopback. A proxy
// may add any one of these headers alone, such as only X-Forwarded-Proto
// where it ends TLS.
func (h *Handler) outboxAllowed(r *http.Request) bool {
	if h.outbox == nil {
		return false
	}
	for _, k := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP"} {
		if len(r.Header.Values(k)) > 0 {
			return false
		}
	}
	ip := net.ParseIP(clientIP(r))
	return ip != nil && ip.IsLoopback()
}

func (h *Handler) outboxList(w http.ResponseWriter, r *http.Request) error {
	if !h.outboxAllowed(r) {
		return errNotFound
	}
	var before int64
	if s := r.URL.Query().Get("before"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return errBadCursor
		}
		before = id
	}
	list, err := h.outbox.ListOutbox(r.Context(), before, outboxPage+1)
	if err != nil {
		return fmt.Errorf("list outbox: %w", err)
	}
	v := outboxView{page: h.basePage("en", "Outbox")}
	v.Robots = "noindex"
	if len(list) > outboxPage {
		list = list[:outboxPage]
		v.Older = "/outbox?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	l := labelsFor("en")
	for _, m := range list {
		v.Messages = append(v.Messages, outboxItem{URL: "/outbox/" + strconv.FormatInt(m.ID, 10),
			From: m.From, To: m.To, Subject: m.Subject, Date: l.formatTime(m.CreatedAt)})
	}
	return h.writePage(w, http.StatusOK, "outbox", v, false)
}

func (h *Handler) outboxMessage(w http.ResponseWriter, r *http.Request) error {
	if !h.outboxAllowed(r) {
		return errNotFound
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	m, err := h.outbox.OutboxMessage(r.Context(), id)
	if err != nil {
		return h.outboxErr(r, id, err)
	}
	// A message that does not parse is still shown as far as it went.
	p, perr := mail.Parse(m.Data)
	l := labelsFor("en")
	v := outboxMessageView{
		page:         h.basePage("en", p.Subject),
		Subject:      p.Subject,
		From:         p.From,
		To:           p.To,
		EnvelopeFrom: m.From,
		EnvelopeTo:   m.To,
		Date:         l.formatTime(m.CreatedAt),
		Text:         linkify(p.Text),
		HTML:         p.HTML,
		ParseProblem: perr != nil,
	}
	if v.Subject == "" {
		v.Subject = m.Subject
	}
	v.Robots = "noindex"
	names := make([]string, 0, len(p.Header))
	for k := range p.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, val := range p.Header[k] {
			v.Headers = append(v.Headers, headerField{Name: k, Value: val})
		}
	}
	// The HTML part is the newsroom's own, yet it is mail: it may load
	// remote images or carry forms, so it is fenced off from the site.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "+
		"script-src 'self'; frame-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
	return h.writePage(w, http.StatusOK, "outbox-message", v, false)
}

// outboxErr tells a message that does not exist from a failing store. The
// reader's not-found error is its own, so instead of guessing at it the
// listing is asked whether the ID is there.
func (h *Handler) outboxErr(r *http.Request, id int64, err error) error {
	list, lerr := h.outbox.ListOutbox(r.Context(), id+1, 1)
	if lerr == nil && (len(list) == 0 || list[0].ID != id) {
		return errNotFound
	}
	return fmt.Errorf("outbox message %d: %w", id, err)
}

// linkify splits text into runs so that http and https addresses become
// links; the template escapes every run.
func linkify(text string) []textRun {
	var out []textRun
	for text != "" {
		i := indexURL(text)
		if i < 0 {
			out = append(out, textRun{Text: text})
			break
		}
		if i > 0 {
			out = append(out, textRun{Text: text[:i]})
		}
		end := i
		for end < len(text) && !strings.ContainsRune(" \t\r\n<>\"'`", rune(text[end])) {
			end++
		}
		u := strings.TrimRight(text[i:end], ".,;:!?)]")
		out = append(out, textRun{Text: u, URL: u})
		text = text[i+len(u):]
	}
	return out
}

func indexURL(s string) int {
	a, b := strings.Index(s, "https://"), strings.Index(s, "http://")
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}
