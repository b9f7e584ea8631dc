package article

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// frontMatter is the YAML header of an article file.
type frontMatter struct {
	Title         string   `yaml:"title"`
	Slug          string   `yaml:"slug"`
	Standfirst    string   `yaml:"standfirst"`
	Authors       []string `yaml:"authors"`
	Section       string   `yaml:"section"`
	Tags          []string `yaml:"tags"`
	Language      string   `yaml:"language"`
	Status        string   `yaml:"status"`
	Published     string   `yaml:"published"`
	TranslationOf string   `yaml:"translation_of"`
}

// ParseFile reads an article written as Markdown with a YAML front matter
// between two lines of "---". The result is normalised and validated.
// now stands in for a missing publication time of a published article.
func ParseFile(r io.Reader, now time.Time) (Article, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBody+64<<10+1))
	if err != nil {
		return Article{}, fmt.Errorf("read article: %w", err)
	}
	if len(data) > MaxBody+64<<10 {
		return Article{}, &ValidationError{"body", "the file is larger than 1 MiB"}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	head, body, err := splitFrontMatter(string(data))
	if err != nil {
		return Article{}, err
	}
	var fm frontMatter
	dec := yaml.NewDecoder(strings.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil && !errors.Is(err, io.EOF) {
		return Article{}, &ValidationError{"front matter", strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	a := Article{
		Title:         fm.Title,
		Slug:          strings.TrimSpace(fm.Slug),
		Standfirst:    fm.Standfirst,
		Body:          strings.TrimSpace(body) + "\n",
		Section:       fm.Section,
		Language:      fm.Language,
		Status:        Status(strings.ToLower(strings.TrimSpace(fm.Status))),
		TranslationOf: strings.TrimSpace(fm.TranslationOf),
	}
	for _, n := range fm.Authors {
		a.Authors = append(a.Authors, Author{Name: n})
	}
	for _, n := range fm.Tags {
		a.Tags = append(a.Tags, Tag{Name: n})
	}
	if p := strings.TrimSpace(fm.Published); p != "" {
		t, err := time.Parse(time.RFC3339, p)
		if err != nil {
			return Article{}, &ValidationError{"published", "must be an RFC 3339 time such as 2026-03-01T09:30:00Z"}
		}
		a.PublishedAt = t
	} else if a.Status == "" || a.Status == Published {
		a.PublishedAt = now
	}
	// A future time schedules the article whether or not the file says
	// published: readers cannot see it before then either way, and the
	// newsroom should not be told it is out.
	if (a.Status == "" || a.Status == Published) && a.PublishedAt.After(now) {
		a.Status = Scheduled
	}
	if err := a.Normalize(); err != nil {
		return Article{}, err
	}
	return a, nil
}

func splitFrontMatter(s string) (head, body string, err error) {
	if !strings.HasPrefix(s, "---\n") {
		return "", "", &ValidationError{"front matter", "the file must start with a line of three hyphens (---)"}
	}
	rest := s[4:]
	if strings.HasPrefix(rest, "---\n") {
		return "", rest[4:], nil
	}
	i := strings.Index(rest, "\n---\n")
	if i < 0 {
		if strings.HasSuffix(rest, "\n---") {
			return rest[:len(rest)-4], "", nil
		}
		return "", "", &ValidationError{"front matter", "no closing line of three hyphens (---)"}
	}
	return rest[:i], rest[i+5:], nil
}
