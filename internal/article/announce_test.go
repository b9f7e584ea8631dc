package article_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/store/sqlite"
)

// heard records the events a publisher emits.
type heard struct {
	mu    sync.Mutex
	slugs []string
}

func (h *heard) Emit(_ context.Context, event string, payload any) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if event == "article.published" {
		h.slugs = append(h.slugs, payload.(map[string]any)["slug"].(string))
	}
	return nil
}

func (h *heard) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.slugs
	h.slugs = nil
	return s
}

// TestScheduledArticleIsAnnouncedWhenItComesOut: article.published is
// heard when readers can first see an article: at once for one published
// now, at its time for a scheduled one (the scheduler calls Announce), and
// for one published by a process without listeners, such as the command
// line, by the next process that has them.
func TestScheduledArticleIsAnnouncedWhenItComesOut(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { return now }
	var h heard
	render := func(md string) string { return "<p>" + md + "</p>" }
	p := article.NewPublisher(st, render).WithEvents(&h, clock, slog.New(slog.DiscardHandler))
	publish := func(p *article.Publisher, a article.Article) {
		t.Helper()
		if _, err := p.Publish(ctx, &a); err != nil {
			t.Fatalf("Publish(%s) = %v", a.Title, err)
		}
	}

	publish(p, article.Article{Title: "Out now", Status: article.Published, PublishedAt: now.Add(-time.Minute)})
	publish(p, article.Article{Title: "Tomorrow", Status: article.Scheduled, PublishedAt: now.Add(24 * time.Hour)})
	if got := h.take(); len(got) != 1 || got[0] != "out-now" {
		t.Fatalf("heard %v on publishing; want out-now alone", got)
	}
	publish(article.NewPublisher(st, render), article.Article{Title: "From the command line", Status: article.Published, PublishedAt: now.Add(-time.Minute)})
	if err := p.Announce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 1 || got[0] != "from-the-command-line" {
		t.Errorf("heard %v at the next tick; want the article published without listeners", got)
	}
	now = now.Add(24 * time.Hour)
	if err := p.Announce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 1 || got[0] != "tomorrow" {
		t.Errorf("heard %v when the scheduled article came out; want tomorrow", got)
	}
	if err := p.Announce(ctx); err != nil || len(h.take()) != 0 {
		t.Errorf("a second tick announced again (%v)", err)
	}
}
