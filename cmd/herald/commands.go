package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"herald/internal/article"
	"herald/internal/markup"
)

func articleCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(stdout, args, "article", "publish", "list")
	if err != nil {
		return err
	}
	c, pos, err := setup("article "+sub, args, getenv, stdout, nil)
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "publish":
		if len(pos) == 0 {
			return &usageError{msg: "article publish needs one or more Markdown files"}
		}
		p := article.NewPublisher(st, markup.New(c.baseURL).HTML)
		failed := 0
		for _, name := range pos {
			if err := publishFile(ctx, p, name, c.baseURL, stdout); err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", name, err)
				failed++
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d files not published", failed, len(pos))
		}
		return nil
	default:
		if len(pos) > 0 {
			return &usageError{msg: "article list takes no arguments"}
		}
		list, err := st.ListArticles(ctx, article.Query{AllStates: true, Limit: 1000}, time.Now())
		if err != nil {
			return err
		}
		if c.json {
			enc := json.NewEncoder(stdout)
			for _, a := range list {
				if err := enc.Encode(articleJSON(a)); err != nil {
					return err
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STATUS\tPUBLISHED\tLANG\tSLUG\tTITLE")
		for _, a := range list {
			pub := "-"
			if !a.PublishedAt.IsZero() {
				pub = a.PublishedAt.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Status, pub, a.Language, a.Slug, a.Title)
		}
		return tw.Flush()
	}
}

func publishFile(ctx context.Context, p *article.Publisher, name, baseURL string, stdout io.Writer) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	now := time.Now()
	a, err := article.ParseFile(f, now)
	if err != nil {
		return err
	}
	if _, err := p.Publish(ctx, &a); err != nil {
		var v *article.ValidationError
		if errors.As(err, &v) {
			return v
		}
		return err
	}
	link := baseURL + "/articles/" + a.Slug
	switch {
	case a.IsVisible(now):
		fmt.Fprintf(stdout, "published %s: %s\n", a.Slug, link)
	case a.Status == article.Draft:
		fmt.Fprintf(stdout, "draft %s (not on the site)\n", a.Slug)
	default:
		// The link answers only from the publication time on.
		fmt.Fprintf(stdout, "scheduled %s for %s: %s\n", a.Slug, a.PublishedAt.Local().Format(time.RFC1123), link)
	}
	return nil
}

type articleOut struct {
	Slug          string    `json:"slug"`
	Title         string    `json:"title"`
	Language      string    `json:"language"`
	Status        string    `json:"status"`
	Section       string    `json:"section,omitempty"`
	Authors       []string  `json:"authors"`
	Tags          []string  `json:"tags"`
	PublishedAt   time.Time `json:"published,omitzero"`
	TranslationOf string    `json:"translation_of,omitempty"`
}

func articleJSON(a article.Article) articleOut {
	o := articleOut{Slug: a.Slug, Title: a.Title, Language: a.Language, Status: string(a.Status), Section: a.Section,
		PublishedAt: a.PublishedAt, TranslationOf: a.TranslationOf, Authors: []string{}, Tags: []string{}}
	for _, au := range a.Authors {
		o.Authors = append(o.Authors, au.Name)
	}
	for _, t := range a.Tags {
		o.Tags = append(o.Tags, t.Name)
	}
	return o
}

func subscriberCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(stdout, args, "subscriber", "list", "import", "export")
	if err != nil {
		return err
	}
	switch sub {
	case "import":
		return subscriberImport(ctx, args, getenv, stdout, stderr)
	case "export":
		return subscriberExport(ctx, args, getenv, stdout, stderr)
	}
	c, pos, err := setup("subscriber list", args, getenv, stdout, nil)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{msg: "subscriber list takes no arguments"}
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	enc := json.NewEncoder(stdout)
	var tw *tabwriter.Writer
	if !c.json {
		tw = tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tNAME\tNEWSLETTERS")
	}
	var after int64
	for {
		page, err := st.ListSubscribers(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, s := range page {
			states := make(map[string]string, len(s.Subscriptions))
			line := ""
			for _, sp := range s.Subscriptions {
				states[sp.NewsletterSlug] = string(sp.State)
				if line != "" {
					line += " "
				}
				line += sp.NewsletterSlug + "=" + string(sp.State)
			}
			if c.json {
				if err := enc.Encode(struct {
					Email       string            `json:"email"`
					Name        string            `json:"name"`
					CreatedAt   time.Time         `json:"created_at"`
					Newsletters map[string]string `json:"newsletters"`
				}{s.Email, s.Name, s.CreatedAt, states}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Email, s.Name, line)
			}
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}
