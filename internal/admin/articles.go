package admin

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"herald/internal/article"
	"herald/internal/user"
)

// articlePage is how many articles one page of the list shows.
const articlePage = 30

// articleListView is the list of every article, in any state.
type articleListView struct {
	page
	Query, Status string
	Statuses      []article.Status
	Rows          []articleRow
	Older         string
}

func (h *Handler) articleList(w http.ResponseWriter, r *http.Request, s *staff) error {
	q := r.URL.Query()
	v := &articleListView{page: h.pageFor(r, s, "Articles"), Query: strings.TrimSpace(q.Get("q")),
		Statuses: []article.Status{article.Draft, article.Scheduled, article.Published}}
	status := article.Status(q.Get("status"))
	switch status {
	case "", article.Draft, article.Scheduled, article.Published:
		v.Status = string(status)
	default:
		return invalid("There is no article status %q.", status)
	}
	before, err := cursorParam(q.Get("before"))
	if err != nil {
		return err
	}
	list, err := h.cfg.Articles.SearchArticles(r.Context(), v.Query, status, before, articlePage+1)
	if err != nil {
		return err
	}
	if len(list) > articlePage {
		list = list[:articlePage]
		v.Older = "/admin/articles?" + encodeQuery("q", v.Query, "status", v.Status,
			"before", strconv.FormatInt(list[len(list)-1].ID, 10))
	}
	if v.Rows, err = h.articleRows(r.Context(), list); err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "articles", v)
}

// articleRows turns articles into list rows, with whether each is
// submitted for review.
func (h *Handler) articleRows(ctx context.Context, list []article.Article) ([]articleRow, error) {
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	_, submitted, err := h.cfg.Articles.ArticleOwners(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := h.now()
	rows := make([]articleRow, len(list))
	for i, a := range list {
		_, sub := submitted[a.ID]
		status := a.Status
		if status == article.Scheduled && a.IsVisible(now) {
			status = article.Published // its time has come: readers see it
		}
		rows[i] = articleRow{ID: a.ID, Title: a.Title, Slug: a.Slug, Language: a.Language, Status: status,
			Submitted: sub && a.Status == article.Draft, Visible: a.IsVisible(now), Authors: names(a.Authors),
			PublishedAt: a.PublishedAt, UpdatedAt: a.UpdatedAt}
	}
	return rows, nil
}

func names(as []article.Author) string {
	n := make([]string, len(as))
	for i, a := range as {
		n[i] = a.Name
	}
	return strings.Join(n, ", ")
}

// articleFormView is the editor, for a new article or an existing one.
type articleFormView struct {
	page
	ID          int64
	Action      string
	Form        articleForm
	Preview     template.HTML // the body as sanitised by the publisher's renderer
	Error       string
	CanEdit     bool
	CanPublish  bool
	CanSubmit   bool
	Submitted   bool
	Status      article.Status // as stored
	PublicURL   string         // set when readers can see it
	Languages   []string
	Versions    []versionLink
	Compare     *compareView
	TranslateTo string // link to start a translation
}

func (v *articleFormView) setError(msg string) { v.Error = msg }

// versionLink is another language version of the story.
type versionLink struct {
	ID              int64
	Language, Title string
	Current         bool
}

// compareView is the version shown beside the editor.
type compareView struct {
	Language, Title, Standfirst string
	Body                        template.HTML
}

func (h *Handler) articleNew(w http.ResponseWriter, r *http.Request, s *staff) error {
	q := r.URL.Query()
	f := articleForm{Authors: s.User.Name, Status: string(article.Draft), Language: q.Get("language"),
		TranslationOf: q.Get("translation_of")}
	if f.Language == "" && f.TranslationOf == "" {
		// A translation's language is typed: the main one is likely the
		// original's.
		f.Language = h.languages(r.Context())[0]
	}
	return h.render(w, http.StatusOK, "article", h.newArticleView(r, s, f))
}

// newArticleView is the editor of an article not yet saved, with the
// original beside it when it is a translation.
func (h *Handler) newArticleView(r *http.Request, s *staff, f articleForm) *articleFormView {
	v := h.articleFormView(r, s, "New article", f)
	v.Action, v.CanEdit = "/admin/articles", true
	if f.TranslationOf == "" {
		return v
	}
	if orig, err := h.cfg.Articles.ArticleBySlug(r.Context(), f.TranslationOf); err == nil {
		v.Compare = &compareView{Language: orig.Language, Title: orig.Title, Standfirst: orig.Standfirst,
			Body: template.HTML(orig.BodyHTML)}
	}
	return v
}

func (h *Handler) articleFormView(r *http.Request, s *staff, title string, f articleForm) *articleFormView {
	return &articleFormView{page: h.pageFor(r, s, title), Form: f, Languages: h.languages(r.Context()),
		CanPublish: s.User.Can(user.ArticlePublish)}
}

func (h *Handler) articleCreate(w http.ResponseWriter, r *http.Request, s *staff) error {
	f := readArticleForm(r)
	v := h.newArticleView(r, s, f)
	if r.PostFormValue("action") == "preview" {
		v.Preview = template.HTML(h.cfg.Markdown(f.Body))
		return h.render(w, http.StatusOK, "article", v)
	}
	// A refused form is shown again as the editor showed it, with the
	// preview of the body as typed.
	refused := func(err error) error {
		v.Preview = template.HTML(h.cfg.Markdown(f.Body))
		return &formError{page: "article", view: v, err: err}
	}
	a, err := f.article(h.now(), s.User.Can(user.ArticlePublish))
	if err != nil {
		return refused(err)
	}
	id, err := h.createFree(r.Context(), &a, f.Slug != "", s.User.ID)
	var ve *article.ValidationError
	var se *statusError
	if errors.As(err, &ve) || errors.As(err, &se) {
		return refused(err)
	}
	if err != nil {
		return err
	}
	if err := h.cfg.Articles.SetArticleOwner(r.Context(), id, s.User.ID); err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "article created", "article", id, "user_id", s.User.ID, "status", a.Status)
	return done(w, r, "/admin/articles/"+strconv.FormatInt(id, 10), "created")
}

// createFree saves a new article under a slug no other article has:
// saving under a taken one would replace that article. A slug typed by
// hand is refused when taken; one made from the title gets a number added.
// Taken slugs are skipped as read, but only the insert decides: a slug
// taken between the read and the insert is skipped too. A slug taken by
// the article this very form made a moment ago (see repeated) is no
// conflict: that article's ID is returned.
func (h *Handler) createFree(ctx context.Context, a *article.Article, typed bool, userID int64) (int64, error) {
	if a.Slug == "" {
		a.Slug = article.Slugify(a.Title)
	}
	if a.Slug == "" {
		a.Slug = "article"
	}
	base := a.Slug
	for n := 2; n < 100; n++ {
		stored, err := h.cfg.Articles.ArticleBySlug(ctx, a.Slug)
		if errors.Is(err, article.ErrNotFound) {
			id, err := h.cfg.Publisher.Create(ctx, a)
			if !errors.Is(err, article.ErrSlugTaken) {
				return id, err
			}
			stored, err = h.cfg.Articles.ArticleBySlug(ctx, a.Slug)
			if err != nil {
				return 0, err
			}
		} else if err != nil {
			return 0, err
		}
		if again, err := h.repeated(ctx, stored, *a, userID); err != nil || again {
			return stored.ID, err
		}
		if typed {
			return 0, invalid("Another article has the address %q already; choose another.", a.Slug)
		}
		a.Slug = article.NumberedSlug(base, n)
	}
	return 0, invalid("Too many articles have addresses like %q; type one by hand.", base)
}

// repeatWindow is how long after its creation an article can be the
// result of the same form posted again.
const repeatWindow = time.Minute

// repeated reports whether stored is what the new article a describes
// became a moment ago, by the same person: the form was posted twice (a
// double click on Create, a form sent again), not a second story written.
// Its owner may not be recorded yet when both posts arrive at once.
func (h *Handler) repeated(ctx context.Context, stored, a article.Article, userID int64) (bool, error) {
	age := h.now().Sub(stored.UpdatedAt)
	if stored.Version > 1 || age > repeatWindow || age < -repeatWindow ||
		stored.Title != strings.TrimSpace(a.Title) || stored.Standfirst != strings.TrimSpace(a.Standfirst) ||
		stored.Body != a.Body || stored.Language != strings.ToLower(strings.TrimSpace(a.Language)) ||
		stored.TranslationOf != a.TranslationOf || stored.Status != a.Status {
		return false, nil
	}
	owners, _, err := h.cfg.Articles.ArticleOwners(ctx, []int64{stored.ID})
	if err != nil {
		return false, err
	}
	return owners[stored.ID] == userID || owners[stored.ID] == 0, nil
}
