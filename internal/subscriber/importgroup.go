package subscriber

import (
	"slices"
	"strings"
)

// ImportAddress is one address of an import chunk with every row that
// named it: the first name given, the tags of all its rows, and whether any
// row says the person never confirmed or left.
type ImportAddress struct {
	Key, Email, Name      string
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
