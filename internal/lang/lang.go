// Package lang picks, among the languages Herald has words in, the one to
// speak to a reader in.
package lang

import "strings"

// Pick returns the first of tags that table has words for, trying each tag
// whole and then its primary subtag (fr for fr-CA), case aside. ok is false
// when none matches.
func Pick[T any](table map[string]T, tags ...string) (tag string, words T, ok bool) {
	for _, t := range tags {
		t = strings.ToLower(t)
		primary, _, _ := strings.Cut(t, "-")
		for _, l := range []string{t, primary} {
			if w, found := table[l]; found {
				return l, w, true
			}
		}
	}
	return "", words, false
}
