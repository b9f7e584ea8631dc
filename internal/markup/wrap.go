package markup

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Wrap breaks each line of plain text at spaces so that it takes at most
// width columns, for mail programs that show text in a fixed-width font as
// it comes. Words are never split: one longer than width, a URL above all,
// stands on a line of its own rather than being broken where it would no
// longer work. Columns are counted as a terminal counts them: wide (East
// Asian) characters take two, combining marks none, so a line of Cyrillic
// or Japanese is as wide as one of Latin letters and no accent is
// separated from its letter. A width of zero or less leaves text as it is.
func Wrap(text string, width int) string {
	if width <= 0 {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = wrapLine(l, width)
	}
	return strings.Join(lines, "\n")
}

// wrapLine fills lines greedily, breaking at the spaces breaks allows.
func wrapLine(line string, width int) string {
	if columns(line) <= width {
		return line
	}
	var b strings.Builder
	b.Grow(len(line) + len(line)/width + 1)
	col := 0
	for i, word := range breaks(line) {
		w := columns(word)
		switch {
		case i == 0:
		case col+1+w <= width || col == 0:
			b.WriteByte(' ')
			col++
		default:
			b.WriteByte('\n')
			col = 0
		}
		b.WriteString(word)
		col += w
	}
	return b.String()
}

// breaks cuts a line at its spaces, except a space that a combining mark
// or a joiner follows: they make one character with it.
func breaks(line string) []string {
	var words []string
	start := 0
	for i := 0; i < len(line); i++ {
		if line[i] != ' ' {
			continue
		}
		if next, _ := utf8.DecodeRuneInString(line[i+1:]); joinsPrevious(next) {
			continue
		}
		words = append(words, line[start:i])
		start = i + 1
	}
	return append(words, line[start:])
}

// columns is how many columns s takes in a fixed-width font.
func columns(s string) int {
	n := 0
	for _, r := range s {
		n += runeColumns(r)
	}
	return n
}

func runeColumns(r rune) int {
	switch {
	case r < utf8.RuneSelf:
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0 // accents, joiners, variation selectors, soft hyphens
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
