// Package campaign holds what one issue of a newsletter is — its content,
// audience, schedule and the legal moves between its states — and builds
// the email every subscriber receives. Digests are campaigns made by the
// clock from the articles published since the last one.
package campaign

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"herald/internal/lang"
)

// State is where a campaign stands.
type State string

// The campaign states.
const (
	Draft     State = "draft"
	Scheduled State = "scheduled"
	Sending   State = "sending"
	Paused    State = "paused"
	Cancelled State = "cancelled"
	Sent      State = "sent"
)

// Kind says who made a campaign.
type Kind string

// Campaigns are written by people or made by the digest clock.
const (
	Manual Kind = "manual"
	Digest Kind = "digest"
)

// Mode says how articles appear in the email.
type Mode string

// Full puts the whole article in the email; Teaser its standfirst and a link.
const (
	Full   Mode = "full"
	Teaser Mode = "teaser"
)

// Errors callers act on.
var (
	ErrNotFound = errors.New("campaign not found")
	// ErrState means the campaign is not in a state that allows the change.
	ErrState = errors.New("campaign state does not allow this")
)

// Campaign is one issue of a newsletter.
type Campaign struct {
	ID               int64
	NewsletterID     int64
	Kind             Kind
	Subject          string
	Preheader        string
	Markdown         string // written for the email; may be empty when articles are given
	ArticleMode      Mode
	ArticleIDs       []int64 // in order
	AudienceTags     []string
	AudienceLanguage string
	State            State
	SendAt           time.Time
	FrozenAt         time.Time // when the audience was fixed into the ledger
	Total            int
	Sent             int
	Failed           int
	Skipped          int
	StartedAt        time.Time
	FinishedAt       time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Remaining is how many deliveries have no final outcome yet.
func (c *Campaign) Remaining() int { return max(0, c.Total-c.Sent-c.Failed-c.Skipped) }

// ValidationError names the field that is wrong.
type ValidationError struct {
	Field   string
	Message string
}

// Error reads as a sentence: the field, then what is wrong with it.
func (e *ValidationError) Error() string { return e.Field + " " + e.Message }

// MaxArticles is the most articles one campaign carries.
const MaxArticles = 50

// Validate checks a new or edited campaign.
func (c *Campaign) Validate() error {
	c.Subject = strings.TrimSpace(c.Subject)
	c.Preheader = strings.TrimSpace(c.Preheader)
	switch {
	case c.NewsletterID <= 0:
		return &ValidationError{"newsletter", "is required"}
	case c.Subject == "":
		return &ValidationError{"subject", "is required"}
	case utf8.RuneCountInString(c.Subject) > 200:
		return &ValidationError{"subject", "is longer than 200 characters"}
	case utf8.RuneCountInString(c.Preheader) > 300:
		return &ValidationError{"preheader", "is longer than 300 characters"}
	case strings.ContainsAny(c.Subject, "\r\n\x00"):
		return &ValidationError{"subject", "must be one line"}
	case strings.ContainsAny(c.Preheader, "\r\n\x00"):
		return &ValidationError{"preheader", "must be one line"}
	case c.Markdown == "" && len(c.ArticleIDs) == 0:
		return &ValidationError{"content", "is empty: choose articles or write Markdown"}
	case len(c.Markdown) > 1<<20:
		return &ValidationError{"markdown", "is larger than 1 MiB"}
	case len(c.ArticleIDs) > MaxArticles:
		return &ValidationError{"articles", fmt.Sprintf("are more than %d", MaxArticles)}
	}
	if c.ArticleMode == "" {
		c.ArticleMode = Full
	}
	if c.ArticleMode != Full && c.ArticleMode != Teaser {
		return &ValidationError{"article_mode", "must be full or teaser"}
	}
	if c.Kind == "" {
		c.Kind = Manual
	}
	if c.State == "" {
		c.State = Draft
	}
	// A subscriber has at most 50 tags, so an audience needs no more; a
	// list of thousands would not fit in one query of the audience.
	if len(c.AudienceTags) > 50 {
		return &ValidationError{"audience_tags", "are more than 50"}
	}
	for i, t := range c.AudienceTags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || strings.Contains(t, ",") || strings.ContainsFunc(t, unicode.IsControl) || len(t) > 100 {
			return &ValidationError{"audience_tags", fmt.Sprintf("include %q, which is not a tag (at most 100 characters, no commas or control characters)", c.AudienceTags[i])}
		}
		c.AudienceTags[i] = t
	}
	// An audience of a language no subscriber can have mails no one.
	if c.AudienceLanguage != "" && !lang.Known(c.AudienceLanguage) {
		return &ValidationError{"audience_language", fmt.Sprintf("%q is not a language tag such as en or pt-br", c.AudienceLanguage)}
	}
	return nil
}

// moves lists the legal state changes. Sending becomes Sent only when the
// ledger has no open delivery left, which the store checks.
var moves = map[State][]State{
	Draft:     {Scheduled, Sending, Cancelled},
	Scheduled: {Draft, Scheduled, Sending, Cancelled},
	Sending:   {Paused, Cancelled, Sent},
	Paused:    {Sending, Cancelled},
}

// CanMove reports whether a campaign in state from may move to to.
func CanMove(from, to State) bool {
	for _, s := range moves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// From lists the states that may move to to.
func From(to State) []State {
	var out []State
	for from, tos := range moves {
		for _, s := range tos {
			if s == to {
				out = append(out, from)
			}
		}
	}
	return out
}
