package article

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Publisher saves articles with their Markdown rendered to safe HTML. The
// rendering happens once, at save time, so pages never render Markdown.
type Publisher struct {
	store  Store
	render func(markdown string) string
	events Events
	now    func() time.Time
	logger *slog.Logger
}

// Events receives what happened, for whoever listens (webhooks).
type Events interface {
	Emit(ctx context.Context, event string, payload any) error
}

// WithEvents makes the publisher announce articles that become visible.
func (p *Publisher) WithEvents(e Events, now func() time.Time, logger *slog.Logger) *Publisher {
	p.events, p.now, p.logger = e, now, logger
	return p
}

// NewPublisher returns a Publisher that renders bodies with render, which
// must return sanitised HTML.
func NewPublisher(store Store, render func(markdown string) string) *Publisher {
	return &Publisher{store: store, render: render}
}

// Publish validates a, renders its body and saves it, replacing any article
// with the same slug. It returns the saved article's ID. An article read
// from the store carries its version and replaces the stored one only if
// no one saved it meanwhile; otherwise Publish returns ErrChanged and
// announces nothing.
func (p *Publisher) Publish(ctx context.Context, a *Article) (int64, error) {
	return p.save(ctx, a, p.store.SaveArticle)
}

// Create is Publish for a new article: it saves a only if no other article
// has its slug, and returns ErrSlugTaken otherwise.
func (p *Publisher) Create(ctx context.Context, a *Article) (int64, error) {
	return p.save(ctx, a, p.store.CreateArticle)
}

func (p *Publisher) save(ctx context.Context, a *Article, store func(context.Context, *Article) (int64, error)) (int64, error) {
	if err := a.Normalize(); err != nil {
		return 0, err
	}
	if err := p.checkOriginal(ctx, a); err != nil {
		return 0, err
	}
	a.BodyHTML = p.render(a.Body)
	id, err := store(ctx, a)
	if err != nil {
		return 0, fmt.Errorf("article: publish %s: %w", a.Slug, err)
	}
	a.ID = id
	// The article is saved whatever the listeners make of it.
	if err := p.Announce(ctx); err != nil {
		p.logger.Error("announce articles", "err", err)
	}
	return id, nil
}

// Announce emits article.published for each article that readers can see
// now and whose coming out was not announced yet: one just published, a
// scheduled one whose time came (the scheduler calls this every tick), or
// one published by a process that announces nothing, such as the command
// line. Without events it does nothing and leaves them to a process that
// has them.
func (p *Publisher) Announce(ctx context.Context) error {
	if p.events == nil {
		return nil
	}
	arts, err := p.store.AnnounceArticles(ctx, p.now())
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range arts {
		if err := p.events.Emit(ctx, "article.published", map[string]any{"id": a.ID, "slug": a.Slug, "title": a.Title,
			"language": a.Language, "published_at": a.PublishedAt}); err != nil {
			errs = append(errs, fmt.Errorf("emit article.published for %s: %w", a.Slug, err))
		}
	}
	return errors.Join(errs...)
}

// checkOriginal refuses a translation of an article that does not exist,
// of itself, or of another translation, and one in a language the story
// has already. A missing original would be
// adopted by whichever article later took its slug.
func (p *Publisher) checkOriginal(ctx context.Context, a *Article) error {
	if a.TranslationOf == "" {
		return nil
	}
	if a.TranslationOf == a.Slug {
		return &ValidationError{"translation_of", "must name another article, not this one"}
	}
	orig, err := p.store.ArticleBySlug(ctx, a.TranslationOf)
	if errors.Is(err, ErrNotFound) {
		return &ValidationError{"translation_of", fmt.Sprintf("must name an article that exists; there is none at %q", a.TranslationOf)}
	}
	if err != nil {
		return fmt.Errorf("article: publish %s: %w", a.Slug, err)
	}
	if orig.TranslationOf != "" {
		return &ValidationError{"translation_of", fmt.Sprintf("must name the original, %q; %q is a translation itself", orig.TranslationOf, a.TranslationOf)}
	}
	// One page per language: a second one would be announced to search
	// engines as the same language version of the story.
	if a.Language == orig.Language {
		return &ValidationError{"language", fmt.Sprintf("must differ from the original's (%s): a translation is the story in another language", orig.Language)}
	}
	for _, v := range orig.Translations {
		if v.Slug != a.Slug && v.Language == a.Language {
			return &ValidationError{"language", fmt.Sprintf("must differ from the other versions': %q is the story in %s already", v.Slug, v.Language)}
		}
	}
	return nil
}
