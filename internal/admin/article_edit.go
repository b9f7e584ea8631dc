package admin

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/internal/article"
	"herald/internal/user"
)

// articleForm is the editor's fields as typed.
type articleForm struct {
	Title, Slug, Standfirst, Body   string
	Authors, Section, Tags          string // comma-separated
	Language, TranslationOf, Status string
	Published                       string // datetime-local, UTC
	// Version is the version of the stored article the form was filled
	// from; saving over any other would undo what was saved since.
	Version string
}

// datetimeLocal is the format of <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

func readArticleForm(r *http.Request) articleForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return articleForm{Title: v("title"), Slug: v("slug"), Standfirst: v("standfirst"), Body: r.PostFormValue("body"),
		Authors: v("authors"), Section: v("section"), Tags: v("tags"), Language: v("language"),
		TranslationOf: v("translation_of"), Status: v("status"), Published: v("published"), Version: v("version")}
}

// readEditForm reads the editor's form for the stored article old. A form
// shows only what its user may change: an author's has no publication
// time. A field the form did not carry keeps its stored value, so saving
// never clears what its user could not see. The address never changes; a
// missing version stays missing, so that a form from before versions is
// refused.
func readEditForm(r *http.Request, old article.Article) articleForm {
	f, stored := readArticleForm(r), formOf(old)
	for name, field := range map[string][2]*string{
		"title": {&f.Title, &stored.Title}, "standfirst": {&f.Standfirst, &stored.Standfirst},
		"body": {&f.Body, &stored.Body}, "authors": {&f.Authors, &stored.Authors},
		"section": {&f.Section, &stored.Section}, "tags": {&f.Tags, &stored.Tags},
		"language": {&f.Language, &stored.Language}, "translation_of": {&f.TranslationOf, &stored.TranslationOf},
		"status": {&f.Status, &stored.Status}, "published": {&f.Published, &stored.Published},
	} {
		if !r.PostForm.Has(name) {
			*field[0] = *field[1]
		}
	}
	f.Slug = old.Slug
	return f
}

func formOf(a article.Article) articleForm {
	f := articleForm{Title: a.Title, Slug: a.Slug, Standfirst: a.Standfirst, Body: a.Body, Section: a.Section,
		Language: a.Language, TranslationOf: a.TranslationOf, Status: string(a.Status),
		Version: strconv.FormatInt(a.Version, 10)}
	f.Authors = names(a.Authors)
	tags := make([]string, len(a.Tags))
	for i, t := range a.Tags {
		tags[i] = t.Name
	}
	f.Tags = strings.Join(tags, ", ")
	if !a.PublishedAt.IsZero() {
		f.Published = a.PublishedAt.UTC().Format(datetimeLocal)
	}
	return f
}

// article builds the article the form describes. Without the publish
// permission only a draft may be written.
func (f articleForm) article(now time.Time, canPublish bool) (article.Article, error) {
	a := article.Article{Title: f.Title, Slug: f.Slug, Standfirst: f.Standfirst, Body: f.Body, Section: f.Section,
		Language: f.Language, TranslationOf: f.TranslationOf, Status: article.Status(f.Status)}
	if a.Status == "" {
		a.Status = article.Draft
	}
	if a.Status != article.Draft && !canPublish {
		return a, errForbidden
	}
	for _, n := range splitList(f.Authors) {
		a.Authors = append(a.Authors, article.Author{Name: n})
	}
	for _, n := range splitList(f.Tags) {
		a.Tags = append(a.Tags, article.Tag{Name: n})
	}
	if f.Published != "" {
		t, err := time.ParseInLocation(datetimeLocal, f.Published, time.UTC)
		if err != nil {
			return a, invalid("The publication time %q is not a date and time.", f.Published)
		}
		a.PublishedAt = t
	}
	switch {
	case a.Status == article.Published && a.PublishedAt.IsZero():
		a.PublishedAt = now
	case a.Status == article.Scheduled && a.PublishedAt.IsZero():
		return a, invalid("A scheduled article needs a publication time.")
	}
	return a, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// loadArticle returns the article of the request's {id} with its owner.
func (h *Handler) loadArticle(r *http.Request) (article.Article, int64, bool, error) {
	id, err := idParam(r)
	if err != nil {
		return article.Article{}, 0, false, err
	}
	a, err := h.cfg.Articles.ArticleByID(r.Context(), id)
	if err != nil {
		return article.Article{}, 0, false, err
	}
	owners, submitted, err := h.cfg.Articles.ArticleOwners(r.Context(), []int64{id})
	if err != nil {
		return article.Article{}, 0, false, err
	}
	_, sub := submitted[id]
	return a, owners[id], sub, nil
}

// mayEdit is the rule for changing an article: editors change any; an
// author changes only a draft they created.
func mayEdit(u user.User, a article.Article, owner int64) bool {
	if u.Can(user.ArticleWriteAny) {
		return true
	}
	return u.Can(user.ArticleWriteOwn) && owner == u.ID && owner != 0 && a.Status == article.Draft
}

func (h *Handler) articleEdit(w http.ResponseWriter, r *http.Request, s *staff) error {
	a, owner, submitted, err := h.loadArticle(r)
	if err != nil {
		return err
	}
	v, err := h.editView(r, s, a, owner, submitted, formOf(a))
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "article", v)
}

// editView is the editor for a stored article, with its other language
// versions and one of them beside it.
func (h *Handler) editView(r *http.Request, s *staff, a article.Article, owner int64, submitted bool, f articleForm) (*articleFormView, error) {
	ctx := r.Context()
	v := h.articleFormView(r, s, a.Title, f)
	v.ID, v.Action, v.Status, v.Submitted = a.ID, "/admin/articles/"+strconv.FormatInt(a.ID, 10), a.Status, submitted
	v.CanEdit = mayEdit(s.User, a, owner)
	v.CanSubmit = v.CanEdit && a.Status == article.Draft && owner == s.User.ID && !submitted
	v.Preview = template.HTML(a.BodyHTML)
	if a.IsVisible(h.now()) {
		v.PublicURL = h.cfg.Site.BaseURL + "/articles/" + a.Slug
	}
	origin := a.Slug
	if a.TranslationOf != "" {
		origin = a.TranslationOf
	}
	want := r.URL.Query().Get("compare")
	v.Versions = append(v.Versions, versionLink{ID: a.ID, Language: a.Language, Title: a.Title, Current: true})
	for _, ref := range a.Translations {
		other, err := h.cfg.Articles.ArticleBySlug(ctx, ref.Slug)
		if errors.Is(err, article.ErrNotFound) {
			continue // deleted since the list was read
		}
		if err != nil {
			return nil, err
		}
		v.Versions = append(v.Versions, versionLink{ID: other.ID, Language: other.Language, Title: other.Title})
		if v.Compare == nil && (want == "" || want == other.Slug) {
			v.Compare = &compareView{Language: other.Language, Title: other.Title, Standfirst: other.Standfirst,
				Body: template.HTML(other.BodyHTML)}
		}
	}
	v.TranslateTo = "/admin/articles/new?" + encodeQuery("language", missingLanguage(h.languages(ctx), v.Versions),
		"translation_of", origin)
	return v, nil
}

// missingLanguage is the first of the publication's languages the story
// has no version in, "" when it has them all.
func missingLanguage(langs []string, versions []versionLink) string {
	for _, l := range langs {
		if !slices.ContainsFunc(versions, func(v versionLink) bool { return v.Language == l }) {
			return l
		}
	}
	return ""
}

func (h *Handler) articleSave(w http.ResponseWriter, r *http.Request, s *staff) error {
	old, owner, submitted, err := h.loadArticle(r)
	if err != nil {
		return err
	}
	if !mayEdit(s.User, old, owner) {
		return errForbidden
	}
	f := readEditForm(r, old)
	v, err := h.editView(r, s, old, owner, submitted, f)
	if err != nil {
		return err
	}
	if r.PostFormValue("action") == "preview" {
		v.Preview = template.HTML(h.cfg.Markdown(f.Body))
		return h.render(w, http.StatusOK, "article", v)
	}
	a, err := h.saveForm(r, s, old, f, v)
	if err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "article saved", "article", old.ID, "user_id", s.User.ID, "status", a.Status)
	return done(w, r, v.Action, "saved")
}

// saveForm saves the editor's form over old, the article as stored. A
// refusal comes back as a formError that shows the form again as typed,
// with v as the editor around it; nothing is saved then.
func (h *Handler) saveForm(r *http.Request, s *staff, old article.Article, f articleForm, v *articleFormView) (article.Article, error) {
	a, err := f.article(h.now(), s.User.Can(user.ArticlePublish))
	if errors.Is(err, errForbidden) {
		return a, err
	}
	// The form stands for the version it was filled from. Saved over a
	// later one, it would undo changes its author never saw, so it is
	// refused (here, and by the store should a save come in between) and
	// shown again as typed. A form without a version is from before
	// versions: it is refused too.
	a.Version, _ = strconv.ParseInt(f.Version, 10, 64)
	if err == nil && a.Version != old.Version {
		err = article.ErrChanged
	}
	// The form shows minutes: an unchanged minute keeps the stored time,
	// seconds and all, so saving does not move the publication.
	if a.PublishedAt.Equal(old.PublishedAt.UTC().Truncate(time.Minute)) {
		a.PublishedAt = old.PublishedAt
	}
	if err == nil {
		_, err = h.cfg.Publisher.Publish(r.Context(), &a)
	}
	var ve *article.ValidationError
	var se *statusError
	if errors.As(err, &ve) || errors.As(err, &se) || errors.Is(err, article.ErrChanged) {
		v.Preview = template.HTML(h.cfg.Markdown(f.Body))
		return a, &formError{page: "article", view: v, err: err}
	}
	if err == nil && a.Status != article.Draft {
		// Scheduled or published, it waits for no review any more.
		err = h.cfg.Articles.SetArticleSubmitted(r.Context(), old.ID, time.Time{})
	}
	return a, err
}

// editorForm reports whether the request carries the editor's fields, as
// the Submit and Publish buttons of the editor post them; a request
// without them means the article as stored.
func editorForm(r *http.Request) bool { return r.PostForm.Has("title") }

// saveThen saves the editor's form as Save does, changed by adjust, before
// a button's own step. The step runs only once the form is saved.
func (h *Handler) saveThen(r *http.Request, s *staff, old article.Article, owner int64, submitted bool, adjust func(*articleForm)) (article.Article, error) {
	f := readEditForm(r, old)
	v, err := h.editView(r, s, old, owner, submitted, f)
	if err != nil {
		return article.Article{}, err
	}
	adjust(&f)
	return h.saveForm(r, s, old, f, v)
}

func (h *Handler) articleSubmit(w http.ResponseWriter, r *http.Request, s *staff) error {
	a, owner, submitted, err := h.loadArticle(r)
	if err != nil {
		return err
	}
	if !mayEdit(s.User, a, owner) || owner != s.User.ID || a.Status != article.Draft {
		return errForbidden
	}
	if editorForm(r) {
		// What is submitted is what was typed, as a draft: the review
		// decides when it goes out.
		if _, err := h.saveThen(r, s, a, owner, submitted, func(f *articleForm) { f.Status = string(article.Draft) }); err != nil {
			return err
		}
	}
	if err := h.cfg.Articles.SetArticleSubmitted(r.Context(), a.ID, h.now()); err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "article submitted", "article", a.ID, "user_id", s.User.ID)
	return done(w, r, "/admin/articles/"+strconv.FormatInt(a.ID, 10), "submitted")
}

func (h *Handler) articlePublish(w http.ResponseWriter, r *http.Request, s *staff) error {
	if !editorForm(r) {
		return h.setVisibility(w, r, s, article.Published, "published")
	}
	old, owner, submitted, err := h.loadArticle(r)
	if err != nil {
		return err
	}
	if !mayEdit(s.User, old, owner) {
		return errForbidden
	}
	now := h.now()
	if _, err := h.saveThen(r, s, old, owner, submitted, func(f *articleForm) { f.publishNow(now) }); err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "article published", "article", old.ID, "user_id", s.User.ID)
	return done(w, r, "/admin/articles/"+strconv.FormatInt(old.ID, 10), "published")
}

// publishNow makes the form say published now: a publication time typed
// for later becomes now, one in the past is kept.
func (f *articleForm) publishNow(now time.Time) {
	f.Status = string(article.Published)
	if t, err := time.ParseInLocation(datetimeLocal, f.Published, time.UTC); err == nil && t.After(now) {
		f.Published = ""
	}
}

func (h *Handler) articleUnpublish(w http.ResponseWriter, r *http.Request, s *staff) error {
	if !editorForm(r) {
		return h.setVisibility(w, r, s, article.Draft, "unpublished")
	}
	// Back to draft from the editor, which readers cannot see yet: what
	// was typed is saved with it, as Publish now does.
	old, owner, submitted, err := h.loadArticle(r)
	if err != nil {
		return err
	}
	if !mayEdit(s.User, old, owner) {
		return errForbidden
	}
	if old.IsVisible(h.now()) {
		return h.setVisibility(w, r, s, article.Draft, "unpublished")
	}
	if _, err := h.saveThen(r, s, old, owner, submitted, func(f *articleForm) { f.Status = string(article.Draft) }); err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "article unpublished", "article", old.ID, "user_id", s.User.ID)
	return done(w, r, "/admin/articles/"+strconv.FormatInt(old.ID, 10), "unpublished")
}

// visibilityTries bounds how often setVisibility tries again after losing
// the race to another save.
const visibilityTries = 5

// setVisibility publishes an article now, or takes it back to a draft. The
// buttons mean the article as stored, whatever changed since the page was
// shown, so a save that came in between is no conflict: the article is
// read again and the change made to it as it is now.
func (h *Handler) setVisibility(w http.ResponseWriter, r *http.Request, s *staff, to article.Status, code string) error {
	for try := 1; ; try++ {
		a, _, _, err := h.loadArticle(r)
		if err != nil {
			return err
		}
		page := "/admin/articles/" + strconv.FormatInt(a.ID, 10)
		now := h.now()
		if to == article.Draft && a.IsVisible(now) {
			if ok, err := h.askFirst(w, r, s, "unpublish", "Yes, unpublish", page); !ok {
				return err
			}
		}
		a.Status = to
		if to == article.Published && (a.PublishedAt.IsZero() || a.PublishedAt.After(now)) {
			a.PublishedAt = now
		}
		_, err = h.cfg.Publisher.Publish(r.Context(), &a)
		if errors.Is(err, article.ErrChanged) && try < visibilityTries {
			continue
		}
		if err != nil {
			return err
		}
		if err := h.cfg.Articles.SetArticleSubmitted(r.Context(), a.ID, time.Time{}); err != nil {
			return err
		}
		h.log.InfoContext(r.Context(), "article "+code, "article", a.ID, "user_id", s.User.ID)
		return done(w, r, page, code)
	}
}

// articlePreview renders Markdown as the publisher will, for the editor's
// live preview. The answer is sanitised HTML to place into the page.
func (h *Handler) articlePreview(w http.ResponseWriter, r *http.Request, _ *staff) error {
	body := r.PostFormValue("body")
	if len(body) > article.MaxBody {
		return invalid("The body is larger than %d bytes.", article.MaxBody)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(h.cfg.Markdown(body)))
	return nil
}

// languages are the publication's languages, the main one first.
func (h *Handler) languages(ctx context.Context) []string {
	st, err := h.loadSettings(ctx)
	if err != nil || len(st.Languages) == 0 {
		return []string{"en"}
	}
	return st.Languages
}
