package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/internal/mail"
)

// outboxPageSize is how many caught messages one page lists.
const outboxPageSize = 50

// outboxListView lists the mail the built-in outbox caught, newest first.
type outboxListView struct {
	page
	Enabled  bool
	Messages []outboxRow
	Older    string
}

type outboxRow struct {
	ID                int64
	From, To, Subject string
	At                time.Time
}

func (h *Handler) outboxList(w http.ResponseWriter, r *http.Request, s *staff) error {
	v := &outboxListView{page: h.pageFor(r, s, "Outbox"), Enabled: h.cfg.Outbox != nil}
	if !v.Enabled {
		return h.render(w, http.StatusOK, "outbox", v)
	}
	before, err := cursorParam(r.URL.Query().Get("before"))
	if err != nil {
		return err
	}
	list, err := h.cfg.Outbox.ListOutbox(r.Context(), before, outboxPageSize+1)
	if err != nil {
		return err
	}
	if len(list) > outboxPageSize {
		list = list[:outboxPageSize]
		v.Older = "/admin/outbox?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	for _, m := range list {
		v.Messages = append(v.Messages, outboxRow{ID: m.ID, From: m.From, To: m.To, Subject: m.Subject, At: m.CreatedAt})
	}
	return h.render(w, http.StatusOK, "outbox", v)
}

// outboxMessageView shows one caught message: its headers, its text and its
// HTML in a sandboxed frame.
type outboxMessageView struct {
	page
	ID                int64
	Subject, From, To string
	Envelope          string
	At                time.Time
	Headers           []headerField
	Text              string
	HasHTML           bool
	ParseProblem      bool
}

type headerField struct{ Name, Value string }

// outboxMessageOf loads the message of the request's {id}. The stores say
// "not found" with errors of their own, so a failed read is told from a
// missing message by asking the listing whether the ID is there.
func (h *Handler) outboxMessageOf(r *http.Request) (mail.OutboxMessage, error) {
	if h.cfg.Outbox == nil {
		return mail.OutboxMessage{}, errNotFound
	}
	id, err := idParam(r)
	if err != nil {
		return mail.OutboxMessage{}, err
	}
	m, err := h.cfg.Outbox.OutboxMessage(r.Context(), id)
	if err == nil {
		return m, nil
	}
	list, lerr := h.cfg.Outbox.ListOutbox(r.Context(), id+1, 1)
	if lerr == nil && (len(list) == 0 || list[0].ID != id) {
		return mail.OutboxMessage{}, errNotFound
	}
	return mail.OutboxMessage{}, fmt.Errorf("outbox message %d: %w", id, err)
}

func (h *Handler) outboxMessage(w http.ResponseWriter, r *http.Request, s *staff) error {
	m, err := h.outboxMessageOf(r)
	if err != nil {
		return err
	}
	p, perr := mail.Parse(m.Data)
	v := &outboxMessageView{page: h.pageFor(r, s, m.Subject), ID: m.ID, Subject: p.Subject, From: p.From, To: p.To,
		Envelope: m.From + " → " + m.To, At: m.CreatedAt, Text: p.Text, HasHTML: strings.TrimSpace(p.HTML) != "",
		ParseProblem: perr != nil}
	if v.Subject == "" {
		v.Subject = m.Subject
	}
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
	return h.render(w, http.StatusOK, "outbox-message", v)
}

// outboxHTML serves a caught message's HTML part for the sandboxed frame of
// its page.
func (h *Handler) outboxHTML(w http.ResponseWriter, r *http.Request, _ *staff) error {
	m, err := h.outboxMessageOf(r)
	if err != nil {
		return err
	}
	p, _ := mail.Parse(m.Data)
	h.writeEmailHTML(w, p.HTML)
	return nil
}
