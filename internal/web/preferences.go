package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"herald/internal/subscriber"
)

// preferencesView is the page where a reader changes their newsletters and
// name.
type preferencesView struct {
	page
	Heading  string
	Action   string
	Email    string
	Name     string
	Choices  []prefChoice
	Wording  string
	Saved    bool // the page follows a save
	Refused  bool // and newsletters ticked were not joined: the address is suppressed
	Any      bool // the reader is on at least one newsletter
	Suppress bool // the address bounced or complained: it cannot join

	ErrField, ErrMessage string
	W                    linkWords
}

// prefChoice is one newsletter checkbox on the preferences page.
type prefChoice struct {
	ID          int64
	Name        string
	Description string
	Checked     bool
	Pending     bool
	Lang        string // the newsletter's, set only when it differs from the page's
}

// preferencesForm shows the reader's choices. Mail scanners fetch every
// link in a message, so a GET changes nothing.
func (h *Handler) preferencesForm(w http.ResponseWriter, r *http.Request) error {
	p, err := h.subs.Preferences(r.Context(), r.PathValue("token"))
	if err != nil {
		return h.linkErr(err)
	}
	v := h.preferencesPage(r, p)
	v.Saved = r.URL.Query().Get("saved") == "1"
	v.Refused = v.Saved && r.URL.Query().Get("refused") == "1"
	return h.writePage(w, http.StatusOK, "preferences", v, false)
}

// savePreferences applies the form, then sends the reader back to the page
// with a 303, so a refresh shows the page again instead of posting twice.
func (h *Handler) savePreferences(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := parseForm(r); err != nil {
		return err
	}
	token, form := r.PathValue("token"), r.PostForm
	p, err := h.subs.Preferences(r.Context(), token)
	if err != nil {
		return h.linkErr(err)
	}
	// The sentence shown next to the choices is what the reader agreed
	// to, so it is stored as it was shown, in the page's language.
	lang, lw := h.preferencesLanguage(p)
	f := subscriber.PreferencesForm{Name: form.Get("name"), LeaveAll: form.Get("all") == "1", Wording: lw.PrefsWording, IP: clientIP(r)}
	for i, s := range form["newsletter"] {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if (i >= 100 || err != nil || id <= 0) && !f.LeaveAll {
			return h.preferencesRefused(w, r, "newsletter", problemText(lang, errNotListed))
		}
		f.Newsletters = append(f.Newsletters, id)
	}
	for i, s := range form["shown"] {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if i >= 100 || err != nil || id <= 0 {
			return h.preferencesRefused(w, r, "newsletter", problemText(lang, errNotListed))
		}
		f.Shown = append(f.Shown, id)
	}
	saved, err := h.subs.SavePreferences(r.Context(), token, f)
	var ae *subscriber.AddressError
	switch {
	case errors.As(err, &ae):
		field := "newsletter"
		if _, bad := subscriber.CleanName(f.Name); bad != nil {
			field = "name"
		}
		return h.preferencesRefused(w, r, field, problemText(lang, ae))
	case err != nil:
		return h.linkErr(err)
	}
	next := "/preferences/" + url.PathEscape(token) + "?saved=1"
	if len(saved.Refused) > 0 {
		next += "&refused=1" // the address may not join anything: say so, not "saved"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// preferencesRefused shows the form again as the reader sent it, with what
// is wrong, and changes nothing.
func (h *Handler) preferencesRefused(w http.ResponseWriter, r *http.Request, field, msg string) error {
	p, err := h.subs.Preferences(r.Context(), r.PathValue("token"))
	if err != nil {
		return h.linkErr(err)
	}
	v := h.preferencesPage(r, p)
	ticked := map[string]bool{}
	for _, s := range r.PostForm["newsletter"] {
		ticked[strings.TrimSpace(s)] = true
	}
	for i := range v.Choices {
		v.Choices[i].Checked = ticked[strconv.FormatInt(v.Choices[i].ID, 10)]
	}
	v.Name, v.ErrField, v.ErrMessage = r.PostForm.Get("name"), field, msg
	return h.writePage(w, http.StatusBadRequest, "preferences", v, false)
}

// preferencesLanguage picks the page's language: that of the first
// newsletter the reader is on, or has left, or of the first on offer.
func (h *Handler) preferencesLanguage(p subscriber.Preferences) (string, linkWords) {
	var nls []subscriber.Newsletter
	for _, c := range p.Newsletters {
		if c.Subscribed() {
			nls = append(nls, c.Newsletter)
		}
	}
	for _, c := range p.Newsletters {
		if c.State == subscriber.Unsubscribed {
			nls = append(nls, c.Newsletter)
		}
	}
	for _, c := range p.Newsletters {
		nls = append(nls, c.Newsletter)
	}
	return h.linkLanguage(nls)
}

func (h *Handler) preferencesPage(r *http.Request, p subscriber.Preferences) preferencesView {
	lang, lw := h.preferencesLanguage(p)
	v := preferencesView{page: h.basePage(lang, lw.PrefsHeading), Heading: lw.PrefsHeading, W: lw,
		Action: r.URL.Path, Email: p.Email, Name: p.Name, Wording: lw.PrefsWording, Suppress: p.Suppressed}
	v.Robots = "noindex"
	for _, c := range p.Newsletters {
		on := c.Subscribed()
		v.Choices = append(v.Choices, prefChoice{ID: c.Newsletter.ID, Name: c.Newsletter.Name, Description: c.Newsletter.Description,
			Checked: on, Pending: c.State == subscriber.Pending, Lang: otherLang(c.Newsletter.Language, lang)})
		v.Any = v.Any || on
	}
	return v
}
