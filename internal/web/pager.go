package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"herald/internal/article"
)

// A listing page after the first is addressed by a keyset cursor,
// ?before=, so that it shows the same articles however many are published
// meanwhile, and by its number, ?page=, which only names it: the number it
// had when the reader came down from the first page. An address without a
// number (made before pages had one) still works; its page is named
// without one.

// pageAddr is where a listing page starts and what it is called.
type pageAddr struct {
	before article.Cursor // zero on the first page
	number int            // 1 on the first page; 0 when the address does not say
}

// maxPage bounds ?page= so that a made-up number stays a plausible one.
const maxPage = 1_000_000

// pageOf reads a listing page's address. An address the site does not make
// (a cursor or a number that does not parse, a number without a cursor) is
// refused alike on every listing.
func pageOf(r *http.Request) (pageAddr, error) {
	q := r.URL.Query()
	b, n := q.Get("before"), q.Get("page")
	if b == "" {
		if n != "" {
			return pageAddr{}, errBadCursor
		}
		return pageAddr{number: 1}, nil
	}
	c, err := parseCursor(b)
	if err != nil {
		return pageAddr{}, err
	}
	p := pageAddr{before: c}
	if n != "" {
		num, err := strconv.Atoi(n)
		if err != nil || num < 2 || num > maxPage {
			return pageAddr{}, errBadCursor
		}
		p.number = num
	}
	return p, nil
}

// url is the address of the page on the listing at path; the cursor is
// written <unixnano>-<id>, as parseCursor reads it.
func (p pageAddr) url(path string) string {
	if p.before.IsZero() {
		return path
	}
	u := path + "?before=" + strconv.FormatInt(p.before.PublishedAt.UnixNano(), 10) + "-" + strconv.FormatInt(p.before.ID, 10)
	if p.number >= 2 {
		u += "&page=" + strconv.Itoa(p.number)
	}
	return u
}

// older is the page that starts after a, the last article of this one.
func (p pageAddr) older(a article.Article) pageAddr {
	next := pageAddr{before: article.Cursor{PublishedAt: a.PublishedAt, ID: a.ID}}
	if p.number > 0 {
		next.number = p.number + 1
	}
	return next
}

// name says which page p is: nothing on the first page, then "page 3", or
// "older articles" when the address has no number.
func (p pageAddr) name(l labels) string {
	switch {
	case p.before.IsZero():
		return ""
	case p.number >= 2:
		return fmt.Sprintf(l.PageN, p.number)
	}
	return l.OlderPage
}

// title is a listing's heading followed by the name of page p.
func (p pageAddr) title(heading string, l labels) string {
	if n := p.name(l); n != "" {
		return heading + ", " + n
	}
	return heading
}

// newer is the page of the perPage articles just newer than those of p: the
// ones a reader above p saw last, whatever has been published since, so
// that going back up skips none. When no more than a page's worth are
// newer, it is the first page, which then shows a few of p's again.
func (h *Handler) newer(ctx context.Context, q article.Query, p pageAddr) (pageAddr, error) {
	above, err := h.above(ctx, q, p.before, perPage+1)
	if err != nil {
		return pageAddr{}, err
	}
	if len(above) <= perPage {
		return pageAddr{number: 1}, nil
	}
	// The numbers a reader saw on the way down are kept on the way up;
	// a page that has more above it than its number says is named
	// without one rather than called the first.
	up := pageAddr{before: article.Cursor{PublishedAt: above[0].PublishedAt, ID: above[0].ID}}
	if p.number > 2 {
		up.number = p.number - 1
	}
	return up, nil
}

// probeRows is how many articles one look at a time window reads at most.
const probeRows = 4 * perPage

// above returns the n articles matching q that come at or after c in the
// listing's order and are the closest to it, newest first; fewer when
// there are fewer. The store lists from the newest down only, so it looks
// at windows of time that start at c, widening them until one holds n
// such articles and narrowing them when one holds more than a look reads.
// Should even a millisecond hold too many, it returns none, which leads
// to the first page.
func (h *Handler) above(ctx context.Context, q article.Query, c article.Cursor, n int) ([]article.Article, error) {
	now := h.now()
	span := now.Sub(c.PublishedAt) // from c to now: the widest window
	width, tooShort, tooLong := time.Hour, time.Duration(0), time.Duration(0)
	for range 64 {
		w := q
		w.Since, w.Before, w.Limit = c.PublishedAt, article.Cursor{}, probeRows+1
		open := width >= span
		if !open {
			w.Before = article.Cursor{PublishedAt: c.PublishedAt.Add(width), ID: math.MaxInt64}
		}
		list, err := h.articles.ListArticles(ctx, w, now)
		if err != nil {
			return nil, fmt.Errorf("articles above %v: %w", c, err)
		}
		full := len(list) > probeRows
		list = atOrAfter(list, c)
		switch {
		case full:
			tooLong = width
		case len(list) >= n:
			return list[len(list)-n:], nil
		case open:
			return list, nil
		default:
			tooShort = width
		}
		if tooLong == 0 {
			if width > span/4 {
				width = span
			} else {
				width *= 4
			}
			continue
		}
		if tooLong-tooShort <= time.Millisecond {
			break
		}
		width = tooShort + (tooLong-tooShort)/2
	}
	return nil, nil
}

// atOrAfter keeps the articles of a newest-first list that come at or
// after c, comparing to the millisecond as the stores do.
func atOrAfter(list []article.Article, c article.Cursor) []article.Article {
	at := c.PublishedAt.UnixMilli()
	out := list[:0]
	for _, a := range list {
		if t := a.PublishedAt.UnixMilli(); t > at || t == at && a.ID >= c.ID {
			out = append(out, a)
		}
	}
	return out
}
