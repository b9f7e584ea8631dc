package admin

import (
	"net/http"
	"strconv"
	"strings"

	"herald/internal/campaign"
	"herald/internal/lang"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// errStale is why a form whose CSRF token was refused comes back: the
// token belongs to a session that has since ended, as when its author
// signed in again in another tab, so the form cannot be trusted to be
// theirs and nothing was done.
var errStale = &statusError{http.StatusForbidden, "The form has expired",
	"This form was too old to be accepted (you may have signed in again since it was opened), so nothing was done. " +
		"What you typed is kept here: check it and send it again."}

// againFunc builds the page a form is on, filled with what was posted and
// changing nothing, to show again when the form's CSRF token is refused.
type againFunc func(r *http.Request, s *staff) (page string, v formView, err error)

// refusedToken answers a request whose CSRF token was refused. A form
// with text typed into it comes back as typed, with the session's token
// and errStale, so that the text is not lost; any other request, or a
// form that cannot be shown, gets the error page. Either way the request
// is not acted on.
func (h *Handler) refusedToken(r *http.Request, s *staff, again againFunc) error {
	if again == nil {
		return errCSRF
	}
	page, v, err := again(r, s)
	if err != nil {
		return errCSRF
	}
	return &formError{page: page, view: v, err: errStale}
}

func (h *Handler) againNewArticle(r *http.Request, s *staff) (string, formView, error) {
	return "article", h.newArticleView(r, s, readArticleForm(r)), nil
}

// againArticle is the editor as posted, by Save or by a button that saves
// the editor's form first; a button without the form typed nothing.
func (h *Handler) againArticle(r *http.Request, s *staff) (string, formView, error) {
	if !editorForm(r) {
		return "", nil, errCSRF
	}
	old, owner, submitted, err := h.loadArticle(r)
	if err != nil {
		return "", nil, err
	}
	if !mayEdit(s.User, old, owner) {
		return "", nil, errForbidden
	}
	v, err := h.editView(r, s, old, owner, submitted, readEditForm(r, old))
	return "article", v, err
}

func (h *Handler) againNewCampaign(r *http.Request, s *staff) (string, formView, error) {
	f, _ := readCampaignForm(r)
	v, err := h.campaignFormView(r, s, "New campaign", f)
	if err != nil {
		return "", nil, err
	}
	v.Action = "/admin/campaigns"
	return "campaign-form", v, nil
}

func (h *Handler) againCampaign(r *http.Request, s *staff) (string, formView, error) {
	c, err := h.loadCampaign(r)
	if err != nil {
		return "", nil, err
	}
	f, _ := readCampaignForm(r)
	v, err := h.campaignFormView(r, s, "Edit campaign", f)
	if err != nil {
		return "", nil, err
	}
	v.ID, v.Action = c.ID, campaignURL(c.ID)
	return "campaign-form", v, nil
}

// againCampaignPage is the campaign's page with the test's addresses and
// the time to send at as typed. Only a campaign not yet sent shows those
// forms, and a refusal with them.
func (h *Handler) againCampaignPage(r *http.Request, s *staff) (string, formView, error) {
	c, err := h.loadCampaign(r)
	if err != nil {
		return "", nil, err
	}
	if c.State != campaign.Draft && c.State != campaign.Scheduled {
		return "", nil, campaign.ErrState
	}
	v, err := h.campaignView(r, s, c)
	if err != nil {
		return "", nil, err
	}
	if r.PostForm.Has("to") {
		v.TestTo = r.PostFormValue("to")
	}
	if at := r.PostFormValue("send_at"); at != "" {
		v.SendAt = at
	}
	return "campaign", v, nil
}

func (h *Handler) againNewNewsletter(r *http.Request, s *staff) (string, formView, error) {
	n := subscriber.Newsletter{Slug: strings.TrimSpace(r.PostFormValue("slug"))}
	readNewsletter(r, &n) // shown as typed, refused or not
	return "newsletter", &newsletterFormView{page: h.pageFor(r, s, "New newsletter"), New: true,
		Action: "/admin/newsletters", N: n, Weekdays: weekdays}, nil
}

func (h *Handler) againNewsletter(r *http.Request, s *staff) (string, formView, error) {
	id, err := idParam(r)
	if err != nil {
		return "", nil, err
	}
	n, err := h.newsletter(r.Context(), id)
	if err != nil {
		return "", nil, err
	}
	name := n.Name
	readNewsletter(r, &n)
	return "newsletter", &newsletterFormView{page: h.pageFor(r, s, name), Action: "/admin/newsletters/" + strconv.FormatInt(id, 10),
		N: n, Weekdays: weekdays}, nil
}

// againSettings is the settings as typed. The words of each language are
// kept for the languages given as tags: the page names each one outside
// its form fields.
func (h *Handler) againSettings(r *http.Request, s *staff) (string, formView, error) {
	f := readSettingsForm(r)
	words := f.Words[:0]
	for _, w := range f.Words {
		if lang.Valid(w.Language) {
			words = append(words, w)
		}
	}
	f.Words = words
	v, err := h.settingsView(r, s, f)
	return "settings", v, err
}

// againStaff is the new account as typed, but for the password, which is
// never shown again.
func (h *Handler) againStaff(r *http.Request, s *staff) (string, formView, error) {
	f := staffForm{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	f.Role, _ = user.ParseRole(r.PostFormValue("role"))
	v, err := h.staffView(r, s, f)
	return "staff", v, err
}

func (h *Handler) againLanguage(r *http.Request, s *staff) (string, formView, error) {
	v, err := h.subscriberView(r, s)
	if err != nil {
		return "", nil, err
	}
	v.Language = r.PostFormValue("language")
	return "subscriber", v, nil
}

func (h *Handler) againTags(r *http.Request, s *staff) (string, formView, error) {
	v, err := h.subscriberView(r, s)
	if err != nil {
		return "", nil, err
	}
	v.Tags = r.PostFormValue("tags")
	return "subscriber", v, nil
}
