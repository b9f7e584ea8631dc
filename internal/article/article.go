// Package article holds what an article is and the rules for changing it:
// its fields, slugs, states and translations. Storage and presentation live
// in adapters; this package only knows the nouns.
package article

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"herald/internal/lang"

	"golang.org/x/text/unicode/norm"
)

// Status is where an article stands in its life.
type Status string

// The states an article may be in. A scheduled article becomes visible once
// its publication time has passed; nothing has to flip it.
const (
	Draft     Status = "draft"
	Scheduled Status = "scheduled"
	Published Status = "published"
)

// Errors stores return.
var (
	// ErrNotFound is returned when no article matches.
	ErrNotFound = errors.New("article not found")
	// ErrChanged is returned for a save based on a version of the article
	// that is no longer the stored one: someone saved it meanwhile, and
	// saving over their change would lose it.
	ErrChanged = errors.New("article was changed meanwhile")
	// ErrSlugTaken is returned for a new article whose slug another
	// article has already.
	ErrSlugTaken = errors.New("another article has this slug")
)

// Author is one name in a byline.
type Author struct {
	Name string
	Slug string
}

// Tag labels an article for the tag pages and digests.
type Tag struct {
	Name string
	Slug string
}

// Ref points at another article, as translations do.
type Ref struct {
	Slug     string
	Language string
	Title    string
}

// Article is one story in one language.
type Article struct {
	ID          int64
	Slug        string
	Language    string
	Title       string
	Standfirst  string
	Body        string // Markdown as written
	BodyHTML    string // sanitised HTML rendered from Body
	Authors     []Author
	Section     string
	SectionSlug string
	Tags        []Tag
	Status      Status
	PublishedAt time.Time
	UpdatedAt   time.Time
	// Version counts the saves of the stored article. An article read
	// from a store carries it, and saving it again succeeds only while the
	// stored article still has that version; 0 saves whatever is stored.
	Version int64
	// AnnouncedAt is when its coming out was announced (article.published),
	// zero until then: when readers could first see it, whatever
	// publication time it carries. Stores fill it; saving ignores it.
	AnnouncedAt time.Time

	// TranslationOf is the slug of the article this one translates; empty
	// for an original. Translations lists the other language versions and
	// is filled in by stores on read.
	TranslationOf string
	Translations  []Ref
}

// Limits on what an article may hold; they keep pages and feeds sane.
const (
	MaxTitle      = 300
	MaxStandfirst = 1000
	MaxBody       = 1 << 20
	MaxSlug       = 120
	MaxNames      = 50
)

// ValidationError names the field that is wrong and says why.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// StatusAt is the status the article has for readers at now: a scheduled
// article whose time has come is published, and a published one dated in
// the future is scheduled until then, whatever was stored.
func (a *Article) StatusAt(now time.Time) Status {
	switch {
	case a.Status == Draft:
		return Draft
	case a.IsVisible(now):
		return Published
	}
	return Scheduled
}

// IsVisible reports whether readers may see the article at now.
func (a *Article) IsVisible(now time.Time) bool {
	return (a.Status == Published || a.Status == Scheduled) && !a.PublishedAt.IsZero() && !a.PublishedAt.After(now)
}

// Normalize fills derived fields (slugs, language, trimmed strings) and then
// validates the article. It changes nothing when it returns an error that
// callers act on, since they discard the value.
func (a *Article) Normalize() error {
	a.Title = strings.TrimSpace(a.Title)
	a.Standfirst = strings.TrimSpace(a.Standfirst)
	a.Section = strings.TrimSpace(a.Section)
	a.Language = strings.ToLower(strings.TrimSpace(a.Language))
	if a.Language == "" {
		a.Language = "en"
	}
	// A slug typed on a keyboard that composes letters otherwise (ё as
	// е and a diaeresis) is the same slug.
	a.Slug, a.TranslationOf = norm.NFC.String(a.Slug), norm.NFC.String(a.TranslationOf)
	if a.Slug == "" {
		a.Slug = Slugify(a.Title)
	}
	a.SectionSlug = Slugify(a.Section)
	for i := range a.Authors {
		a.Authors[i].Name = strings.TrimSpace(a.Authors[i].Name)
		a.Authors[i].Slug = Slugify(a.Authors[i].Name)
	}
	for i := range a.Tags {
		a.Tags[i].Name = strings.TrimSpace(a.Tags[i].Name)
		a.Tags[i].Slug = Slugify(a.Tags[i].Name)
	}
	if a.Status == "" {
		a.Status = Published
	}
	return a.Validate()
}

// Validate checks the article against the rules without changing it.
func (a *Article) Validate() error {
	switch {
	case !a.PublishedAt.IsZero() && a.PublishedAt.UnixMilli() <= 0:
		// The stored form counts milliseconds since 1970, 0 meaning none.
		return &ValidationError{"published", "must be after 1 January 1970"}
	case a.Title == "":
		return &ValidationError{"title", "is required"}
	case utf8.RuneCountInString(a.Title) > MaxTitle:
		return &ValidationError{"title", fmt.Sprintf("is longer than %d characters", MaxTitle)}
	case utf8.RuneCountInString(a.Standfirst) > MaxStandfirst:
		return &ValidationError{"standfirst", fmt.Sprintf("is longer than %d characters", MaxStandfirst)}
	case len(a.Body) > MaxBody:
		return &ValidationError{"body", fmt.Sprintf("is larger than %d bytes", MaxBody)}
	case !ValidPathSlug(a.Slug):
		return &ValidationError{"slug", "must be lowercase letters, digits and single hyphens, at most 120 bytes"}
	case a.TranslationOf != "" && !ValidPathSlug(a.TranslationOf):
		return &ValidationError{"translation_of", "is not a valid slug"}
	case a.TranslationOf == a.Slug && a.Slug != "":
		return &ValidationError{"translation_of", "an article cannot translate itself"}
	case !lang.Valid(a.Language):
		return &ValidationError{"language", "must be a language tag such as en or pt-br"}
	case len(a.Authors) > MaxNames:
		return &ValidationError{"authors", fmt.Sprintf("at most %d", MaxNames)}
	case len(a.Tags) > MaxNames:
		return &ValidationError{"tags", fmt.Sprintf("at most %d", MaxNames)}
	}
	switch a.Status {
	case Draft, Scheduled, Published:
	default:
		return &ValidationError{"status", "must be draft, scheduled or published"}
	}
	if a.Status != Draft && a.PublishedAt.IsZero() {
		return &ValidationError{"published", "is required unless the article is a draft"}
	}
	for _, au := range a.Authors {
		if au.Name == "" || au.Slug == "" || utf8.RuneCountInString(au.Name) > 200 {
			return &ValidationError{"authors", "each author needs a name of 1 to 200 characters"}
		}
	}
	for _, t := range a.Tags {
		if t.Name == "" || t.Slug == "" || utf8.RuneCountInString(t.Name) > 100 {
			return &ValidationError{"tags", "each tag needs a name of 1 to 100 characters"}
		}
	}
	if a.Section != "" && (a.SectionSlug == "" || utf8.RuneCountInString(a.Section) > 100) {
		return &ValidationError{"section", "must be 1 to 100 characters with a letter or digit"}
	}
	for _, f := range []struct{ name, value string }{{"title", a.Title}, {"standfirst", a.Standfirst}, {"section", a.Section}} {
		if strings.ContainsAny(f.value, "\r\n\x00") {
			return &ValidationError{f.name, "must be a single line"}
		}
	}
	return nil
}
