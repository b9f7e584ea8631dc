package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
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
			return fmt.Errorf("%d of %s not published", failed, plural(len(pos), "file", "files"))
		}
		return nil
	default:
		if len(pos) > 0 {
			return &usageError{msg: "article list takes no arguments"}
		}
		return articleList(ctx, st, c.json, stdout)
	}
}

// listPage is how many rows a list command asks the store for at a time;
// it pages on until the store has no more, so every row is listed.
const listPage = 500

// articleList prints every article, newest first, drafts and scheduled
// ones included.
func articleList(ctx context.Context, st database, asJSON bool, stdout io.Writer) error {
	enc := json.NewEncoder(stdout)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "STATUS\tPUBLISHED\tLANG\tSLUG\tTITLE")
	}
	q := article.Query{AllStates: true, Limit: listPage}
	now := time.Now()
	for {
		list, err := st.ListArticles(ctx, q, now)
		if err != nil {
			return err
		}
		for _, a := range list {
			if asJSON {
				if err := enc.Encode(articleJSON(a, now)); err != nil {
					return err
				}
				continue
			}
			pub := "-"
			if !a.PublishedAt.IsZero() {
				pub = a.PublishedAt.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.StatusAt(now), pub, a.Language, a.Slug, a.Title)
		}
		if len(list) < listPage {
			break
		}
		last := list[len(list)-1]
		q.Before = article.Cursor{PublishedAt: last.PublishedAt, ID: last.ID}
	}
	if asJSON {
		return nil
	}
	return tw.Flush()
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
	link := baseURL + "/articles/" + url.PathEscape(a.Slug)
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

// articleJSON is the article as listed at now: its status is what readers
// see then.
func articleJSON(a article.Article, now time.Time) articleOut {
	o := articleOut{Slug: a.Slug, Title: a.Title, Language: a.Language, Status: string(a.StatusAt(now)), Section: a.Section,
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
					Language    string            `json:"language"`
					CreatedAt   time.Time         `json:"created_at"`
					Newsletters map[string]string `json:"newsletters"`
				}{s.Email, s.Name, s.Language, s.CreatedAt, states}); err != nil {
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
