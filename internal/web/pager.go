package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

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
	// The article at the cursor, the last of the page above, counts too:
	// IDs are whole numbers, so those after (time, ID-1) are those at or
	// after (time, ID).
	q.Before, q.Limit = article.Cursor{}, perPage+1
	q.After = article.Cursor{PublishedAt: p.before.PublishedAt, ID: p.before.ID - 1}
	above, err := h.articles.ListArticles(ctx, q, h.now())
	if err != nil {
		return pageAddr{}, fmt.Errorf("articles after %v: %w", q.After, err)
	}
	if len(above) <= perPage {
		return pageAddr{number: 1}, nil
	}
	// The numbers a reader saw on the way down are kept on the way up;
	// a page that has more above it than its number says is named
	// without one rather than called the first.
	top := above[perPage]
	up := pageAddr{before: article.Cursor{PublishedAt: top.PublishedAt, ID: top.ID}}
	if p.number > 2 {
		up.number = p.number - 1
	}
	return up, nil
}
