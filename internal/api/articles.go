package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"herald/internal/article"
	"herald/internal/user"
)

// articleSummary is an article in a listing: everything but its text.
type articleSummary struct {
	ID            int64     `json:"id"`
	Slug          string    `json:"slug"`
	Language      string    `json:"language"`
	Title         string    `json:"title"`
	Standfirst    string    `json:"standfirst"`
	Authors       []string  `json:"authors"`
	Section       string    `json:"section"`
	Tags          []string  `json:"tags"`
	Status        string    `json:"status"`
	PublishedAt   time.Time `json:"published_at,omitzero"`
	UpdatedAt     time.Time `json:"updated_at"`
	TranslationOf string    `json:"translation_of,omitempty"`
}

// articleJSON is one article with its text.
type articleJSON struct {
	articleSummary
	Body         string           `json:"body"`
	BodyHTML     string           `json:"body_html"`
	Translations []translationRef `json:"translations"`
}

type translationRef struct {
	Slug     string `json:"slug"`
	Language string `json:"language"`
	Title    string `json:"title"`
}

// summarize is the article as the API shows it at now: its status is what
// readers see, so a scheduled article whose time came reads as published.
func summarize(a article.Article, now time.Time) articleSummary {
	s := articleSummary{ID: a.ID, Slug: a.Slug, Language: a.Language, Title: a.Title, Standfirst: a.Standfirst,
		Authors: []string{}, Section: a.Section, Tags: []string{}, Status: string(a.StatusAt(now)),
		PublishedAt: a.PublishedAt, UpdatedAt: a.UpdatedAt, TranslationOf: a.TranslationOf}
	for _, au := range a.Authors {
		s.Authors = append(s.Authors, au.Name)
	}
	for _, t := range a.Tags {
		s.Tags = append(s.Tags, t.Name)
	}
	return s
}

func articleOut(a article.Article, now time.Time) articleJSON {
	out := articleJSON{articleSummary: summarize(a, now), Body: a.Body, BodyHTML: a.BodyHTML, Translations: []translationRef{}}
	for _, t := range a.Translations {
		out.Translations = append(out.Translations, translationRef{Slug: t.Slug, Language: t.Language, Title: t.Title})
	}
	return out
}

// articleInput creates or changes an article; fields left out keep their
// value. The status is not among them: publishing is its own permission
// and its own route.
type articleInput struct {
	Slug          *string    `json:"slug"`
	Title         *string    `json:"title"`
	Standfirst    *string    `json:"standfirst"`
	Body          *string    `json:"body"`
	Authors       *[]string  `json:"authors"`
	Section       *string    `json:"section"`
	Tags          *[]string  `json:"tags"`
	Language      *string    `json:"language"`
	PublishedAt   *time.Time `json:"published_at"`
	TranslationOf *string    `json:"translation_of"`
}

func (in articleInput) apply(a *article.Article) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.Title, in.Title)
	set(&a.Standfirst, in.Standfirst)
	set(&a.Body, in.Body)
	set(&a.Section, in.Section)
	set(&a.Language, in.Language)
	set(&a.TranslationOf, in.TranslationOf)
	if in.Authors != nil {
		a.Authors = nil
		for _, n := range *in.Authors {
			a.Authors = append(a.Authors, article.Author{Name: n})
		}
	}
	if in.Tags != nil {
		a.Tags = nil
		for _, n := range *in.Tags {
			a.Tags = append(a.Tags, article.Tag{Name: n})
		}
	}
	if in.PublishedAt != nil {
		a.PublishedAt = in.PublishedAt.UTC()
	}
}

// listArticles lists articles in every state, newest first; drafts, which
// have no publication time, come last. The cursor is the last article's
// publication time and ID, so pages neither repeat nor skip an article when
// others are published meanwhile.
func (h *Handler) listArticles(w http.ResponseWriter, r *http.Request, c caller) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	cur, err := cursor(r, 2)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	query := article.Query{AllStates: true, Limit: limit + 1, Section: q.Get("section"), Tag: q.Get("tag"),
		Author: q.Get("author"), Language: q.Get("language")}
	if cur != nil {
		query.Before = article.Cursor{ID: cur[1]}
		if cur[0] != 0 {
			query.Before.PublishedAt = time.UnixMilli(cur[0])
		}
	}
	list, err := h.cfg.Store.ListArticles(r.Context(), query, h.cfg.Now())
	if err != nil {
		return err
	}
	out := page[articleSummary]{Items: []articleSummary{}}
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		var at int64
		if !last.PublishedAt.IsZero() {
			at = last.PublishedAt.UnixMilli()
		}
		out.NextCursor = encodeCursor(at, last.ID)
	}
	for _, a := range list {
		out.Items = append(out.Items, summarize(a, h.cfg.Now()))
	}
	return reply(w, http.StatusOK, out)
}

func (h *Handler) getArticle(w http.ResponseWriter, r *http.Request, c caller) error {
	return h.replyArticle(w, r, r.PathValue("slug"), http.StatusOK)
}

// createArticle saves a new draft, owned by the caller's account. It never
// replaces an article: of several callers creating one slug at once, one
// gets 201 and the others 409.
func (h *Handler) createArticle(w http.ResponseWriter, r *http.Request, c caller) error {
	var in articleInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	a := article.Article{Status: article.Draft}
	if in.Slug != nil {
		a.Slug = *in.Slug
	}
	in.apply(&a)
	if err := a.Normalize(); err != nil {
		return err
	}
	ctx := r.Context()
	id, err := h.cfg.Publisher.Create(ctx, &a)
	if errors.Is(err, article.ErrSlugTaken) {
		return conflict("slug", "an article with the slug "+a.Slug+" exists already")
	}
	if err != nil {
		return err
	}
	if err := h.cfg.Store.SetArticleCreator(ctx, id, c.user.ID); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/articles/"+url.PathEscape(a.Slug))
	return h.replyArticle(w, r, a.Slug, http.StatusCreated)
}

// mayEdit applies the newsroom's rules to an edit: an account that may
// edit only its own articles must have created this one, and a published
// or scheduled article is live, so changing it takes the right to publish.
func (h *Handler) mayEdit(r *http.Request, c caller, a article.Article) error {
	if !c.can(user.ArticleWriteAny) {
		by, err := h.cfg.Store.ArticleCreator(r.Context(), a.ID)
		if err != nil {
			return err
		}
		if by != c.user.ID {
			return forbidden("", "you may change only articles your account created")
		}
	}
	if a.Status != article.Draft && !c.can(user.ArticlePublish) {
		return forbidden("", "this article is live; changing it needs the "+string(user.ArticlePublish)+" permission")
	}
	return nil
}

func (h *Handler) updateArticle(w http.ResponseWriter, r *http.Request, c caller) error {
	var in articleInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	return h.edit(w, r, c, func(a *article.Article) error {
		if err := h.mayEdit(r, c, *a); err != nil {
			return err
		}
		if in.Slug != nil && *in.Slug != a.Slug {
			return invalid("slug", "an article's slug cannot change; create a new article instead")
		}
		in.apply(a)
		return nil
	})
}

// publishInput is the body a publish may carry.
type publishInput struct {
	PublishedAt *time.Time `json:"published_at"`
}

// publishArticle makes an article visible at published_at, or now, or at
// the time a draft already carries; a time to come schedules it.
func (h *Handler) publishArticle(w http.ResponseWriter, r *http.Request, c caller) error {
	var in publishInput
	if err := decode(w, r, &in, true); err != nil {
		return err
	}
	return h.edit(w, r, c, func(a *article.Article) error {
		now := h.cfg.Now().UTC().Truncate(time.Millisecond)
		switch {
		case in.PublishedAt != nil:
			a.PublishedAt = in.PublishedAt.UTC()
		case a.PublishedAt.IsZero():
			a.PublishedAt = now
		}
		a.Status = article.Published
		if a.PublishedAt.After(now) {
			a.Status = article.Scheduled
		}
		return nil
	})
}

// unpublishArticle takes an article off the site; it becomes a draft again.
func (h *Handler) unpublishArticle(w http.ResponseWriter, r *http.Request, c caller) error {
	return h.edit(w, r, c, func(a *article.Article) error {
		a.Status = article.Draft
		return nil
	})
}

// editTries bounds how often edit applies a change that keeps losing the
// race to other saves; each try reads the article anew.
const editTries = 5

// edit applies change to the stored article, saves it and answers with it.
// The save holds only if no one saved the article since it was read; when
// someone did, change is applied again to the article as it is now, so
// that both changes are kept. A client that named the version it based its
// request on, with If-Match, gets 412 instead: its request may rest on
// what it saw of that version. A caller that may not read articles is
// told only that the change was made.
func (h *Handler) edit(w http.ResponseWriter, r *http.Request, c caller, change func(*article.Article) error) error {
	ctx := r.Context()
	match := r.Header.Get("If-Match")
	pinned := match != "" && strings.TrimSpace(match) != "*"
	for try := 1; ; try++ {
		a, err := h.cfg.Store.ArticleBySlug(ctx, r.PathValue("slug"))
		if err != nil {
			return err
		}
		if pinned && !etagIn(match, etag(a)) {
			return errPrecondition
		}
		if err := change(&a); err != nil {
			return err
		}
		a.Translations = nil
		_, err = h.cfg.Publisher.Publish(ctx, &a)
		switch {
		case err == nil && !c.can(user.ArticleRead):
			return accepted(w)
		case err == nil:
			return h.replyArticle(w, r, a.Slug, http.StatusOK)
		case !errors.Is(err, article.ErrChanged):
			return err
		case pinned:
			return errPrecondition
		case try == editTries:
			return conflict("", "this article was changed by someone else meanwhile; reload it and try again")
		}
	}
}

// errPrecondition answers a change whose If-Match names a version of the
// article that is no longer the stored one.
var errPrecondition = &apiError{status: http.StatusPreconditionFailed, code: "precondition_failed",
	message: "this article was changed by someone else meanwhile; reload it and apply your change to what is there now"}

// etag names the stored version of an article, for If-Match.
func etag(a article.Article) string {
	return `"` + strconv.FormatInt(a.Version, 10) + `"`
}

// etagIn reports whether the If-Match list holds tag. Weak tags never
// match, as If-Match compares strongly.
func etagIn(list, tag string) bool {
	for _, t := range strings.Split(list, ",") {
		if strings.TrimSpace(t) == tag {
			return true
		}
	}
	return false
}

// replyArticle answers with the article as stored now, and its ETag.
func (h *Handler) replyArticle(w http.ResponseWriter, r *http.Request, slug string, status int) error {
	a, err := h.cfg.Store.ArticleBySlug(r.Context(), slug)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(a))
	return reply(w, status, articleOut(a, h.cfg.Now()))
}
