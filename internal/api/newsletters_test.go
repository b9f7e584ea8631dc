package api

import (
	"context"
	"fmt"
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

// A newsletter's name, description and sender name are one line of text:
// control characters are refused, NUL among them, which PostgreSQL cannot
// store at all.
func TestNewsletterTextRefusesControlCharacters(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Owner)
	for i, c := range []struct{ field, value string }{
		{"name", "Morning\x00"},
		{"name", "Morning\x1b[31m"},
		{"description", "News\x00"},
		{"sender_name", "Desk\x07"},
	} {
		body := map[string]any{"slug": fmt.Sprintf("n%d", i), "name": "Morning", c.field: c.value}
		e.do(tok, "POST", "/api/v1/newsletters", body).wantError(t, 422, "validation_failed", c.field)
	}
	nls, err := e.store.Newsletters(context.Background())
	if err != nil || len(nls) != 1 {
		t.Errorf("newsletters after refused creates = %d, %v; want the first one alone", len(nls), err)
	}
}
