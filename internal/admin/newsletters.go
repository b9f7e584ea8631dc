package admin

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/lang"
	"herald/internal/subscriber"
)

type newsletterListView struct {
	page
	Newsletters []subscriber.Newsletter
}

func (h *Handler) newsletterList(w http.ResponseWriter, r *http.Request, s *staff) error {
	nls, err := h.cfg.Newsletters.Newsletters(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "newsletters", &newsletterListView{page: h.pageFor(r, s, "Newsletters"), Newsletters: nls})
}

// newsletterFormView edits a newsletter, or makes a new one.
type newsletterFormView struct {
	page
	New      bool
	Action   string
	N        subscriber.Newsletter
	Weekdays []string
	Error    string
}

func (v *newsletterFormView) setError(msg string) { v.Error = msg }

var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

func (h *Handler) newsletterNew(w http.ResponseWriter, r *http.Request, s *staff) error {
	n := subscriber.Newsletter{Language: h.languages(r.Context())[0], DigestTime: "07:00", DigestWeekday: 1, Timezone: "UTC"}
	v := &newsletterFormView{page: h.pageFor(r, s, "New newsletter"), New: true, Action: "/admin/newsletters", N: n, Weekdays: weekdays}
	return h.render(w, http.StatusOK, "newsletter", v)
}

func (h *Handler) newsletterEdit(w http.ResponseWriter, r *http.Request, s *staff) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	n, err := h.newsletter(r.Context(), id)
	if err != nil {
		return err
	}
	v := &newsletterFormView{page: h.pageFor(r, s, n.Name), Action: "/admin/newsletters/" + strconv.FormatInt(id, 10), N: n, Weekdays: weekdays}
	return h.render(w, http.StatusOK, "newsletter", v)
}

// readNewsletter reads the form into n and checks it as the command line
// does.
func readNewsletter(r *http.Request, n *subscriber.Newsletter) error {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	n.Name, n.Description, n.SenderName = v("name"), v("description"), v("sender_name")
	n.SenderEmail, n.ReplyTo, n.Language = v("sender_email"), v("reply_to"), strings.ToLower(v("language"))
	n.Digest, n.DigestTime, n.Timezone = v("digest"), v("digest_time"), v("timezone")
	wd, err := strconv.Atoi(v("digest_weekday"))
	if err != nil || wd < 0 || wd > 6 {
		return invalid("Choose the day of a weekly digest.")
	}
	n.DigestWeekday = wd
	switch {
	case n.Name == "" || utf8.RuneCountInString(n.Name) > 200 || strings.ContainsAny(n.Name, "\r\n\x00"):
		return invalid("The name must be one line of 1 to 200 characters.")
	case utf8.RuneCountInString(n.Description) > 500 || utf8.RuneCountInString(n.SenderName) > 200 ||
		strings.ContainsAny(n.Description+n.SenderName, "\r\n\x00"):
		return invalid("The description and the sender's name must be single lines.")
	case n.Digest != "" && n.Digest != "daily" && n.Digest != "weekly":
		return invalid("A digest is sent daily or weekly, or not at all.")
	case !lang.Valid(n.Language):
		return invalid("%s.", lang.Check(n.Language))
	}
	// Two fields hold addresses: a refusal says which, as labelled.
	for _, a := range []struct {
		field, label string
		value        *string
	}{{"sender_email", "The address in the From line", &n.SenderEmail}, {"reply_to", "The address replies go to", &n.ReplyTo}} {
		if *a.value == "" {
			continue
		}
		email, err := subscriber.NormalizeEmail(*a.value)
		if err != nil {
			reason := err.Error()
			return &fieldError{field: a.field, err: invalid("%s is not valid: %s", a.label, strings.ToLower(reason[:1])+reason[1:])}
		}
		*a.value = email
	}
	if n.DigestTime == "" {
		n.DigestTime = "07:00"
	}
	if n.Timezone == "" {
		n.Timezone = "UTC"
	}
	if _, err := campaign.NextDigest(*n, n.CreatedAt); err != nil {
		return invalid("The digest schedule is not valid: %v.", err)
	}
	return nil
}

func (h *Handler) newsletterCreate(w http.ResponseWriter, r *http.Request, s *staff) error {
	n := subscriber.Newsletter{Slug: strings.TrimSpace(r.PostFormValue("slug")), CreatedAt: h.now()}
	err := readNewsletter(r, &n)
	v := &newsletterFormView{page: h.pageFor(r, s, "New newsletter"), New: true, Action: "/admin/newsletters", N: n, Weekdays: weekdays}
	if err == nil && !article.ValidSlug(n.Slug) {
		err = invalid("The short name must be lowercase letters, digits and single hyphens, such as morning-brief.")
	}
	if err == nil {
		if nls, lerr := h.cfg.Newsletters.Newsletters(r.Context()); lerr != nil {
			return lerr
		} else {
			for _, o := range nls {
				if o.Slug == n.Slug {
					err = invalid("A newsletter with the short name %q exists already.", n.Slug)
				}
			}
		}
	}
	if err != nil {
		return &formError{page: "newsletter", view: v, err: err}
	}
	if n.Digest != "" {
		n.LastDigestAt = n.CreatedAt // the first digest covers what comes next
	}
	id, err := h.cfg.Newsletters.CreateNewsletter(r.Context(), &n)
	if err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "newsletter created", "newsletter", id, "user_id", s.User.ID)
	return done(w, r, "/admin/newsletters", "created")
}

func (h *Handler) newsletterSave(w http.ResponseWriter, r *http.Request, s *staff) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	n, err := h.newsletter(r.Context(), id)
	if err != nil {
		return err
	}
	old := n
	wasOff, name := n.Digest == "", n.Name
	err = readNewsletter(r, &n)
	v := &newsletterFormView{page: h.pageFor(r, s, name), Action: "/admin/newsletters/" + strconv.FormatInt(id, 10), N: n, Weekdays: weekdays}
	if err == nil {
		// A digest moved to another time, day or zone starts at the new
		// one in the next period, not a second time in this one.
		n.DigestFrom, err = campaign.RescheduleDigest(old, n, h.now())
	}
	if err != nil {
		return &formError{page: "newsletter", view: v, err: err}
	}
	if err := h.cfg.Newsletters.UpdateNewsletter(r.Context(), &n); err != nil {
		return err
	}
	if wasOff && n.Digest != "" {
		// A digest switched back on covers what comes next, not all that
		// was published while it was off.
		if _, err := h.cfg.Newsletters.RecordDigest(r.Context(), id, n.LastDigestAt, h.now(), nil); err != nil {
			return err
		}
	}
	h.log.InfoContext(r.Context(), "newsletter saved", "newsletter", id, "user_id", s.User.ID)
	return done(w, r, v.Action, "saved")
}
