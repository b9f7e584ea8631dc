package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/internal/article"
	"herald/internal/lang"
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
	// DigestArticleIDs lists the articles held by the newsletter's
	// digests created at or after since.
	DigestArticleIDs(ctx context.Context, newsletterID int64, since time.Time) ([]int64, error)
}

// digestLookback is how far before its clock a digest looks again for
// articles the last one did not hold. An article is announced with the
// time its process read before the announcement committed; another
// process's digest, made in between, could not see it, and moved its
// clock past that time. Such an article goes in the next digest; those
// the last digests held are not told again.
const digestLookback = time.Minute

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

// MaxDigestArticles caps the articles in one digest. When more came out,
// the digest holds the oldest of them and the next one, due at once, the
// rest: none is left out.
const MaxDigestArticles = 30

// maxDigestBacklog bounds what one run reads: a digest switched off for a
// long time and on again starts from then, so only a very busy day comes
// near it.
const maxDigestBacklog = 1000

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
		due, err := DueDigest(nl)
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
		// The articles that came out since the last digest (announced
		// after it, whatever publication time they carry), in the
		// newsletter's language only: a story and its translation are one
		// story, told once.
		arts, err := d.newArticles(ctx, nl, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		arts, until, dropped := digestBatch(arts, now)
		if dropped > 0 {
			d.logger.Warn("digest: more articles came out at one instant than a digest holds", "newsletter", nl.Slug,
				"held", len(arts), "left_out", dropped)
		}
		var c *Campaign
		if len(arts) > 0 {
			c = &Campaign{
				NewsletterID: nl.ID, Kind: Digest, State: Sending, ArticleMode: Teaser,
				// The day of the newsletter's readers, in their words.
				Subject: fmt.Sprintf("%s: %s", nl.Name, lang.Date(nl.Language, inZone(now, nl.Timezone))),
			}
			for _, a := range arts {
				c.ArticleIDs = append(c.ArticleIDs, a.ID)
			}
			if err := c.Validate(); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		ok, err := d.store.RecordDigest(ctx, nl.ID, nl.LastDigestAt, until, c)
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

// newArticles lists the articles a digest of nl made at now may hold:
// those announced since its last digest, and those announced in the
// minute before it that no digest holds (see digestLookback).
func (d *Digests) newArticles(ctx context.Context, nl subscriber.Newsletter, now time.Time) ([]article.Article, error) {
	from := nl.LastDigestAt.Add(-digestLookback)
	arts, err := d.store.ListArticles(ctx, article.Query{AnnouncedAfter: from,
		Language: nl.Language, Limit: maxDigestBacklog}, now)
	if err != nil || len(arts) == 0 {
		return arts, err
	}
	held, err := d.store.DigestArticleIDs(ctx, nl.ID, from)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(arts, func(a article.Article) bool { return slices.Contains(held, a.ID) }), nil
}

// digestBatch takes the articles of one digest from those that came out
// since the last: the first to come out, at most MaxDigestArticles of them,
// ordered by publication time, which reads like a day's story. until is
// what the digest's clock moves to: now when all were taken, else when the
// last taken came out, so the next digest (due at once) starts after it.
// Articles announced at the same instant (published together, say) go in
// the same digest, up to the most a campaign holds; dropped counts those
// of such a crowd beyond it, which no digest will hold. An article
// announced after now (by a process whose clock reads a little later) is
// left to the next digest, whose clock starts at now.
func digestBatch(arts []article.Article, now time.Time) (batch []article.Article, until time.Time, dropped int) {
	batch = slices.DeleteFunc(slices.Clone(arts), func(a article.Article) bool { return a.AnnouncedAt.After(now) })
	slices.SortStableFunc(batch, func(a, b article.Article) int { return a.AnnouncedAt.Compare(b.AnnouncedAt) })
	until = now
	if len(batch) > MaxDigestArticles {
		cut := MaxDigestArticles
		same := func(i int) bool { return batch[i].AnnouncedAt.Equal(batch[i-1].AnnouncedAt) }
		for cut < len(batch) && cut < MaxArticles && same(cut) {
			cut++
		}
		for i := cut; i < len(batch) && same(i); i++ {
			dropped++
		}
		batch, until = batch[:cut], batch[cut-1].AnnouncedAt
	}
	slices.SortStableFunc(batch, func(a, b article.Article) int {
		if c := a.PublishedAt.Compare(b.PublishedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return batch, until, dropped
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
	t := clockOn(a.Year(), a.Month(), a.Day(), hour, minute, loc)
	for i := 0; i < 8 && (!t.After(after) || (nl.Digest == "weekly" && int(t.Weekday()) != nl.DigestWeekday)); i++ {
		t = clockOn(t.Year(), t.Month(), t.Day()+1, hour, minute, loc)
	}
	return t, nil
}

// DueDigest returns when nl's next digest is due: its first time after
// the last digest, and not before a changed schedule takes effect.
func DueDigest(nl subscriber.Newsletter) (time.Time, error) {
	after := nl.LastDigestAt
	if from := nl.DigestFrom.Add(-time.Nanosecond); from.After(after) {
		after = from
	}
	return NextDigest(nl, after)
}

// RescheduleDigest returns the DigestFrom of newsletter nl, whose digest
// schedule was old until now: the new schedule takes effect on the local
// day on which the old one's next digest was due, so the period whose
// digest went out (today, or this week) gets no second one, and the next
// is at the new time. The day is the date readers would have seen on the
// old digest, taken in the new zone. When a digest is owed already (a
// continuation, one switched on), or none was on, nothing waits.
func RescheduleDigest(old, nl subscriber.Newsletter, now time.Time) (time.Time, error) {
	if old.Digest == "" || nl.Digest == "" || sameSchedule(old, nl) {
		return nl.DigestFrom, nil
	}
	due, err := DueDigest(old)
	if err != nil || !due.After(now) {
		return time.Time{}, nil // an old schedule that cannot be read holds nothing back
	}
	loc, err := time.LoadLocation(nl.Timezone)
	if err != nil {
		return time.Time{}, fmt.Errorf("newsletter %s: unknown time zone %q", nl.Slug, nl.Timezone)
	}
	d := inZone(due, old.Timezone)
	from := clockOn(d.Year(), d.Month(), d.Day(), 0, 0, loc)
	if old.Digest == "weekly" && nl.Digest == "daily" {
		// A day is the new period: the first daily time from now on,
		// and not on the day of the last weekly digest, rather than a
		// week's wait.
		l := inZone(nl.LastDigestAt, nl.Timezone)
		after := clockOn(l.Year(), l.Month(), l.Day()+1, 0, 0, loc).Add(-time.Nanosecond)
		if now.After(after) {
			after = now
		}
		next, err := NextDigest(nl, after)
		if err != nil {
			return time.Time{}, err
		}
		if n := next.In(loc); n.Before(from) {
			from = clockOn(n.Year(), n.Month(), n.Day(), 0, 0, loc)
		}
	}
	return from, nil
}

func sameSchedule(a, b subscriber.Newsletter) bool {
	return a.Digest == b.Digest && a.DigestTime == b.DigestTime && a.Timezone == b.Timezone &&
		(a.Digest != "weekly" || a.DigestWeekday == b.DigestWeekday)
}

// clockOn is hour:minute on the day in loc. On the day clocks spring
// forward, a time in the gap does not exist: it is taken as the same
// time after the change (02:30 is 03:30), never before it, so a digest
// never comes early.
func clockOn(year int, month time.Month, day, hour, minute int, loc *time.Location) time.Time {
	t := time.Date(year, month, day, hour, minute, 0, 0, loc)
	if t.Hour() < hour || t.Day() != time.Date(year, month, day, 12, 0, 0, 0, loc).Day() {
		t = t.Add(time.Hour)
	}
	return t
}
