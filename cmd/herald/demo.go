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

// seedDemo publishes a few example articles the first time a new database
// is used, so a newcomer's site is not empty. A database that already
// holds articles or subscribers is not new. It runs once per database:
// never again once the examples were published, or declined with publish
// false (--no-demo), even when the site is later emptied.
func seedDemo(ctx context.Context, st database, p *article.Publisher, now time.Time, publish bool) error {
	if _, err := st.Setting(ctx, "demo_seeded"); err == nil {
		return nil
	}
	mark := now.UTC().Format(time.RFC3339)
	if !publish {
		mark = "declined " + mark
	}
	if publish {
		empty, err := emptySite(ctx, st, now)
		if err != nil {
			return err
		}
		if empty {
			if err := publishDemo(ctx, p, now); err != nil {
				return err
			}
		}
	}
	_, err := st.EnsureSetting(ctx, "demo_seeded", mark)
	return err
}

// emptySite reports whether the database holds no article and no
// subscriber.
func emptySite(ctx context.Context, st database, now time.Time) (bool, error) {
	existing, err := st.ListArticles(ctx, article.Query{AllStates: true, Limit: 1}, now)
	if err != nil {
		return false, err
	}
	last, err := st.LastSubscriberID(ctx)
	if err != nil {
		return false, err
	}
	return len(existing) == 0 && last == 0, nil
}

func publishDemo(ctx context.Context, p *article.Publisher, now time.Time) error {
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
	return nil
}
