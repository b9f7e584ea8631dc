// Package store names what the SQLite and PostgreSQL stores report alike,
// so callers can act on it without knowing which one they hold, and holds
// the little logic both stores share beside their SQL.
package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"herald/internal/article"
)

// Errors both stores return.
var (
	ErrNoSetting       = errors.New("setting not found")
	ErrDuplicate       = errors.New("already exists")
	ErrNoOutboxMessage = errors.New("outbox message not found")
)

// LikeAnyCase turns what someone typed into a LIKE pattern (ESCAPE '\')
// that finds it anywhere in a text lowered by SQL's lower(), wildcards in
// it taken literally. lower() knows only ASCII letters in SQLite and in
// PostgreSQL's C locale, so a letter beyond ASCII matches any one
// character: the pattern finds a superset, which Holds narrows. exact
// reports whether no narrowing is needed.
func LikeAnyCase(typed string) (pattern string, exact bool) {
	var b strings.Builder
	b.WriteByte('%')
	exact = true
	for _, r := range strings.ToLower(typed) {
		switch {
		case r == '\\' || r == '%' || r == '_':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= utf8.RuneSelf:
			b.WriteByte('_')
			exact = false
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('%')
	return b.String(), exact
}

// Holds reports whether text holds typed, in any case.
func Holds(text, typed string) bool {
	return strings.Contains(strings.ToLower(text), strings.ToLower(typed))
}

// NewerSchemaError means the database holds a migration this build of
// Herald does not have: a newer Herald migrated it. Running on a schema it
// does not know, the program could write rows the newer one reads wrong,
// so opening the database fails instead.
type NewerSchemaError struct{ Version int64 }

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("the database holds migration %d, which this Herald does not have: a newer Herald migrated it; "+
		"run that version of Herald or a later one", e.Version)
}

// SearchTitles returns up to limit articles, newest first below the ID
// before, whose title holds typed in any case (all of them when typed is
// empty). page runs one page of a store's query for the LIKE pattern of
// LikeAnyCase: when typed has letters beyond ASCII the pattern finds a
// superset, so pages are read and narrowed until limit articles hold typed
// or the articles run out.
func SearchTitles(typed string, before int64, limit int, page func(pattern string, before int64, limit int) ([]article.Article, error)) ([]article.Article, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	pattern, exact := LikeAnyCase(typed)
	var list []article.Article
	for len(list) < limit {
		batch, err := page(pattern, before, limit)
		if err != nil {
			return nil, err
		}
		for _, a := range batch {
			if (exact || Holds(a.Title, typed)) && len(list) < limit {
				list = append(list, a)
			}
		}
		if len(batch) < limit {
			break
		}
		before = batch[len(batch)-1].ID
	}
	return list, nil
}
