package api

import (
	"context"
	"testing"
	"time"

	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// racingStore lets another request create a newsletter with the slug just
// after the API has looked through the newsletters and before it creates
// its own: the moment two requests for one slug cross.
type racingStore struct {
	*sqlite.Store
	slug string
}

func (s *racingStore) Newsletters(ctx context.Context) ([]subscriber.Newsletter, error) {
	list, err := s.Store.Newsletters(ctx)
	if err == nil && s.slug != "" {
		_, err = s.Store.CreateNewsletter(ctx, &subscriber.Newsletter{Slug: s.slug, Name: "First", Language: "en",
			DigestTime: "07:00", DigestWeekday: 1, Timezone: "UTC", CreatedAt: time.Now()})
		s.slug = ""
	}
	return list, err
}

// Of two requests creating one newsletter slug at once, the second is told
// the slug is taken, as it would be a moment later.
func TestConcurrentNewslettersOfOneSlug(t *testing.T) {
	var racing *racingStore
	e := newEnv(t, func(c *Config) {
		racing = &racingStore{Store: c.Store.(*sqlite.Store), slug: "morning"}
		c.Store = racing
	})
	tok := e.tokenFor(user.Owner)
	e.do(tok, "POST", "/api/v1/newsletters", map[string]any{"slug": "morning", "name": "Second"}).
		wantError(t, 409, "conflict", "slug")
}
