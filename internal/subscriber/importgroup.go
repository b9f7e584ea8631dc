package subscriber

import (
	"slices"
	"strings"
)

// ImportAddress is one address of an import chunk with every row that
// named it: the first name and language given, the tags of all its rows,
// and whether any row says the person never confirmed or left.
type ImportAddress struct {
	Key, Email, Name      string
	Language              string
	Tags                  []string
	Rows                  []ImportRow // in file order
	Pending, Unsubscribed bool
}

// GroupImportRows merges the rows of a chunk by address, in key order, and
// the rows of one address in file order. The importer hands chunks over
// sorted by key, which is checked rather than assumed. In key order, new
// subscribers get their IDs in the addresses' order, and two imports take
// index entries in the same order.
func GroupImportRows(rows []ImportRow) []ImportAddress {
	keys := make([]string, len(rows))
	sorted := true
	for i, r := range rows {
		keys[i] = EmailKey(r.Email)
		if i > 0 && keys[i] < keys[i-1] {
			sorted = false
		}
	}
	if !sorted {
		order := make([]int, len(rows))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
		sortedRows, sortedKeys := make([]ImportRow, len(rows)), make([]string, len(rows))
		for i, j := range order {
			sortedRows[i], sortedKeys[i] = rows[j], keys[j]
		}
		rows, keys = sortedRows, sortedKeys
	}
	groups := make([]ImportAddress, 0, len(rows))
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && keys[j] == keys[i] {
			j++
		}
		g := ImportAddress{Key: keys[i], Email: rows[i].Email, Rows: rows[i:j]}
		for _, r := range g.Rows {
			if g.Name == "" {
				g.Name = r.Name
			}
			if g.Language == "" {
				g.Language = r.Language
			}
			g.Tags = mergeTags(g.Tags, r.Tags)
			g.Pending = g.Pending || r.Pending
			g.Unsubscribed = g.Unsubscribed || r.Unsubscribed
		}
		groups = append(groups, g)
		i = j
	}
	return groups
}

// mergeTags returns tags with those of more it lacks added. Neither slice
// is written to, so that the first row's tags can be taken as they are.
func mergeTags(tags, more []string) []string {
	if tags == nil && !hasRepeat(more) {
		return more
	}
	for _, t := range more {
		if !slices.Contains(tags, t) {
			tags = append(slices.Clip(tags), t)
		}
	}
	return tags
}

func hasRepeat(s []string) bool {
	for i, v := range s {
		if slices.Contains(s[:i], v) {
			return true
		}
	}
	return false
}

// ImportFound is what a store found of one address before writing it.
type ImportFound struct {
	Suppressed bool     // the address must never be mailed
	Stored     bool     // the subscriber was stored before this chunk
	ID         int64    // the subscriber, when stored
	Name       string   // its name, when stored
	Language   string   // its language, when stored
	State      State    // of its subscription to the newsletter, "" for none
	Tags       []string // its tags, when stored
}

// ImportChange is what an import writes for one address.
type ImportChange struct {
	// Skip says why the address is left out; "" when it is written.
	Skip string
	// Subscribe is the state its subscription takes, "" when the
	// subscription stays as it is. With a subscription already there it
	// is an upgrade from pending to confirmed.
	Subscribe State
	// Consent and Wording are the consent record of a Subscribe.
	Consent ConsentAction
	Wording string
	// Name fills an empty name, "" for none.
	Name string
	// Language fills an empty language, "" for none.
	Language string
	// Tags are the tags it does not have yet.
	Tags []string
}

// NewLanguage is the language the address gets if the import stores it
// anew: its rows' own, else the import's.
func (a ImportAddress) NewLanguage(opts ImportOptions) string {
	if a.Language != "" {
		return a.Language
	}
	return opts.Language
}

// Decide is the rule for one address of an import: what is written, given
// what the store found, counted into res (skipped rows are listed in
// res.Skips). A new address is subscribed with its name, language and
// tags; one stored before keeps what it has (a name or language is only
// filled in when empty) and gains what the file adds, unless its
// subscription was left: people who left stay left.
func (a ImportAddress) Decide(f ImportFound, opts ImportOptions, res *ImportResult) ImportChange {
	skip := func(reason string) ImportChange {
		for _, r := range a.Rows {
			res.Skips = append(res.Skips, RowError{Line: r.Line, Reason: reason})
		}
		res.Skipped += len(a.Rows)
		return ImportChange{Skip: reason}
	}
	switch {
	case f.Suppressed:
		return skip(ReasonSuppressed)
	case a.Unsubscribed:
		return skip(ReasonUnsubscribedFile)
	}
	o := opts
	o.Confirmed = opts.Confirmed && !a.Pending
	next, ok := ImportState(f.State, o.Confirmed)
	if !ok {
		return skip(ReasonUnsubscribed)
	}
	var c ImportChange
	if next != f.State {
		c.Subscribe = next
		c.Consent, c.Wording = o.Consent()
	}
	if f.Name == "" && a.Name != "" {
		c.Name = a.Name
	}
	if f.Language == "" && a.Language != "" {
		c.Language = a.Language
	}
	for _, t := range a.Tags {
		if !slices.Contains(f.Tags, t) {
			c.Tags = append(c.Tags, t)
		}
	}
	if len(f.Tags)+len(c.Tags) > MaxTags {
		return skip(ReasonTooManyTags)
	}
	switch {
	case !f.Stored:
		res.Imported++
		res.Merged += len(a.Rows) - 1
	case f.ID > opts.Since:
		// Stored by an earlier chunk of this import: the file repeats it.
		res.Merged += len(a.Rows)
	case c.Subscribe != "" || c.Name != "" || c.Language != "" || len(c.Tags) > 0:
		res.Updated++
		res.Merged += len(a.Rows) - 1
	default:
		res.Unchanged++
		res.Merged += len(a.Rows) - 1
	}
	return c
}
