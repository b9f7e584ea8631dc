package markup

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ellipsis marks an excerpt that was cut, so readers know there is more.
const ellipsis = "…"

// Excerpt shortens plain text for summaries and previews. Text of at most
// maxRunes runes is returned whole (trimmed of surrounding space); longer
// text is cut at the last word boundary at or before maxRunes runes and
// gets "…" appended, so the result is at most maxRunes+1 runes. A first
// word longer than maxRunes, as in languages written without spaces, is cut
// inside the word instead, but never inside a UTF-8 sequence and never
// between a letter and the accents that combine with it. A maxRunes of zero
// or less gives "".
func Excerpt(text string, maxRunes int) string {
	text = strings.TrimSpace(text)
	if maxRunes <= 0 {
		return ""
	}
	if utf8.RuneCountInString(text) <= maxRunes {
		return text
	}
	// cut is the byte offset just after maxRunes runes; lastSpace is the
	// offset of the last whitespace rune before cut, or -1.
	cut, lastSpace, n := len(text), -1, 0
	for i, r := range text {
		if n == maxRunes {
			cut = i
			break
		}
		if unicode.IsSpace(r) {
			lastSpace = i
		}
		n++
	}
	switch {
	case endsWord(text[cut:]):
		// The cut already falls between words.
	case lastSpace >= 0:
		cut = lastSpace
	default:
		cut = backOffCombining(text, cut)
	}
	kept := strings.TrimRightFunc(text[:cut], func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:-–—", r)
	})
	if kept == "" {
		// Nothing but punctuation fitted; a bare cut is better than an
		// empty excerpt.
		kept = strings.TrimRightFunc(text[:cut], unicode.IsSpace)
	}
	return kept + ellipsis
}

// endsWord reports whether rest, the text after a cut, starts where a word
// has ended: at a space, or at punctuation that closes a clause ("two, three")
// and is itself followed by a space or the end.
func endsWord(rest string) bool {
	next, size := utf8.DecodeRuneInString(rest)
	if unicode.IsSpace(next) {
		return true
	}
	if !strings.ContainsRune(",;:.!?", next) {
		return false
	}
	after, _ := utf8.DecodeRuneInString(rest[size:])
	return len(rest) == size || unicode.IsSpace(after)
}

// backOffCombining moves a cut inside a word back so it does not separate a
// base character from the combining marks that follow it or split an emoji
// joined with U+200D, which would leave an accent on the ellipsis or half a
// family on the page.
func backOffCombining(text string, cut int) int {
	for cut > 0 {
		next, _ := utf8.DecodeRuneInString(text[cut:])
		prev, size := utf8.DecodeLastRuneInString(text[:cut])
		if !joinsPrevious(next) && prev != zeroWidthJoiner {
			return cut
		}
		cut -= size
	}
	return cut
}

// zeroWidthJoiner glues emoji into one picture, e.g. a family.
const zeroWidthJoiner = '\u200d'

// joinsPrevious reports whether r belongs to the character before it.
func joinsPrevious(r rune) bool {
	return r == zeroWidthJoiner || unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}
