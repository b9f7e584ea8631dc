package article

import (
	"context"
	"fmt"
)

// Publisher saves articles with their Markdown rendered to safe HTML. The
// rendering happens once, at save time, so pages never render Markdown.
type Publisher struct {
	store  Store
	render func(markdown string) string
}

// NewPublisher returns a Publisher that renders bodies with render, which
// must return sanitised HTML.
func NewPublisher(store Store, render func(markdown string) string) *Publisher {
	return &Publisher{store: store, render: render}
}

// Publish validates a, renders its body and saves it, replacing any article
// with the same slug. It returns the saved article's ID.
func (p *Publisher) Publish(ctx context.Context, a *Article) (int64, error) {
	if err := a.Normalize(); err != nil {
		return 0, err
	}
	a.BodyHTML = p.render(a.Body)
	id, err := p.store.SaveArticle(ctx, a)
	if err != nil {
		return 0, fmt.Errorf("article: publish %s: %w", a.Slug, err)
	}
	a.ID = id
	return id, nil
}
