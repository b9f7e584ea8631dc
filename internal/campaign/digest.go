package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"herald/internal/article"
	"herald/internal/subscriber"
)

// DigestStore is what digests need from storage.
type DigestStore interface {
	Newsletters(ctx context.Context) ([]subscriber.Newsletter, error)
	ListArticles(ctx context.Context, q article.Query, now time.Time) ([]article.Article, error)
	// RecordDigest moves the newsletter's digest clock from prev to now,
	// creating c (if not nil) in the same transaction; false when another
	// process moved it first.
	RecordDigest(ctx context.Context, newsletterID int64, prev, now time.Time, c *Campaign) (bool, error)
}

// Digests turns the articles published since a newsletter's last digest
// into a campaign at the newsletter's chosen local time.
type Digests struct {
	store  DigestStore
	logger *slog.Logger
}

// NewDigests returns the digest maker.
func NewDigests(store DigestStore, logger *slog.Logger) *Digests {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Digests{store: store, logger: logger}
}

// MaxDigestArticles caps the articles in one digest.
const MaxDigestArticles = 30

// Run creates the digests that are due at now. Nothing is sent when
// nothing was published.
func (d *Digests) Run(ctx context.Context, now time.Time) error {
	nls, err := d.store.Newsletters(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, nl := range nls {
		if nl.Digest == "" {
			continue
		}
		due, err := NextDigest(nl, nl.LastDigestAt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if nl.LastDigestAt.IsZero() {
			// A digest newly switched on starts counting from now.
			_, err := d.store.RecordDigest(ctx, nl.ID, nl.LastDigestAt, now, nil)
			errs = append(errs, err)
			continue
		}
		if now.Before(due) {
			continue
		}
		arts, err := d.store.ListArticles(ctx, article.Query{Since: nl.LastDigestAt, Limit: MaxDigestArticles}, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var c *Campaign
		if len(arts) > 0 {
			c = &Campaign{
				NewsletterID: nl.ID, Kind: Digest, State: Sending, ArticleMode: Teaser,
				Subject: fmt.Sprintf("%s: %s", nl.Name, inZone(now, nl.Timezone).Format("2 January 2006")),
			}
			for i := len(arts) - 1; i >= 0; i-- { // oldest first reads like a day's story
				c.ArticleIDs = append(c.ArticleIDs, arts[i].ID)
			}
			if err := c.Validate(); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		ok, err := d.store.RecordDigest(ctx, nl.ID, nl.LastDigestAt, now, c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok && c != nil {
			d.logger.Info("digest created", "newsletter", nl.Slug, "articles", len(c.ArticleIDs))
		} else if ok {
			d.logger.Info("digest skipped: nothing new", "newsletter", nl.Slug)
		}
	}
	return errors.Join(errs...)
}

func inZone(t time.Time, tz string) time.Time {
	if loc, err := time.LoadLocation(tz); err == nil {
		return t.In(loc)
	}
	return t.UTC()
}

// ParseClock reads "HH:MM".
func ParseClock(s string) (hour, minute int, err error) {
	h, m, ok := strings.Cut(s, ":")
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 || len(m) != 2 {
		return 0, 0, fmt.Errorf("digest time %q must be HH:MM, such as 07:30", s)
	}
	return hour, minute, nil
}

// NextDigest returns the first digest time of nl strictly after after.
func NextDigest(nl subscriber.Newsletter, after time.Time) (time.Time, error) {
	loc, err := time.LoadLocation(nl.Timezone)
	if err != nil {
		return time.Time{}, fmt.Errorf("newsletter %s: unknown time zone %q", nl.Slug, nl.Timezone)
	}
	hour, minute, err := ParseClock(nl.DigestTime)
	if err != nil {
		return time.Time{}, err
	}
	a := after.In(loc)
	t := time.Date(a.Year(), a.Month(), a.Day(), hour, minute, 0, 0, loc)
	for i := 0; i < 8 && (!t.After(after) || (nl.Digest == "weekly" && int(t.Weekday()) != nl.DigestWeekday)); i++ {
		t = time.Date(t.Year(), t.Month(), t.Day()+1, hour, minute, 0, 0, loc)
	}
	return t, nil
}
