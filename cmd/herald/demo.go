package main

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"herald/internal/article"
)

//go:embed demo/*.md
var demoFiles embed.FS

// seedDemo publishes a few example articles the first time a database is
// used, so a newcomer's site is not empty. It never runs again on that
// database, even when the articles are later removed.
func seedDemo(ctx context.Context, st database, p *article.Publisher, now time.Time) error {
	if _, err := st.Setting(ctx, "demo_seeded"); err == nil {
		return nil
	}
	existing, err := st.ListArticles(ctx, article.Query{AllStates: true, Limit: 1}, now)
	if err != nil {
		return err
	}
	if len(existing) == 0 {
		names, err := fs.Glob(demoFiles, "demo/*.md")
		if err != nil {
			return err
		}
		sort.Strings(names)
		for i, name := range names {
			data, err := demoFiles.ReadFile(name)
			if err != nil {
				return err
			}
			a, err := article.ParseFile(bytes.NewReader(data), now)
			if err != nil {
				return fmt.Errorf("demo article %s: %w", name, err)
			}
			// Newest first in file order, a few hours apart.
			a.PublishedAt = now.Add(-time.Duration(i*5+1) * time.Hour).Truncate(time.Minute)
			if _, err := p.Publish(ctx, &a); err != nil {
				return fmt.Errorf("demo article %s: %w", name, err)
			}
		}
	}
	_, err = st.EnsureSetting(ctx, "demo_seeded", now.UTC().Format(time.RFC3339))
	return err
}
