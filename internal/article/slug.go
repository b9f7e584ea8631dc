package article

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ValidSlug reports whether s is a slug of ASCII letters, digits and
// hyphens. Newsletters have such slugs, since theirs go into mail headers
// (List-Id) that take nothing else.
func ValidSlug(s string) bool {
	if !hyphens(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ValidPathSlug reports whether s is a slug of an article, section, tag or
// author, as Slugify makes them: besides ASCII, lowercase letters and
// digits of scripts other than Latin, with their marks, in NFC, so that a
// story or a name in Arabic, Chinese or Cyrillic has an address. Links
// percent-encode such a slug, as browsers do.
func ValidPathSlug(s string) bool {
	if !hyphens(s) || !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
		return false
	}
	letter := false // the rune before is a letter or digit a mark may follow
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			letter = false
		case r == '-':
			letter = false
		case otherLetter(r) && unicode.ToLower(r) == r:
			letter = true
		case isMark(r) && letter:
		default:
			return false
		}
	}
	return true
}

// hyphens reports whether s is of a slug's length, and its hyphens are
// single and inside it.
func hyphens(s string) bool {
	return s != "" && len(s) <= MaxSlug && s[0] != '-' && s[len(s)-1] != '-' && !strings.Contains(s, "--")
}

// Slugify turns a title or name into a slug. Latin letters lose their
// accents (é becomes e) and those that are not a to z become hyphens, as
// they always have, so no address made before changes; letters and digits
// of other scripts are kept, lowercased, with their marks (the vowel signs
// of Hindi, the dakuten of が). Anything else becomes a hyphen.
func Slugify(s string) string {
	var b strings.Builder
	hyphen := false // a hyphen is owed before the next letter or digit
	other := false  // the rune written last is a letter or digit of a script other than Latin
	for _, c := range norm.NFKC.String(strings.ToLower(s)) {
		switch {
		case c == '\u0640':
			continue // the Arabic tatweel only stretches a word
		case otherLetter(c):
			c, other = unicode.ToLower(c), true
		case isMark(c) && other && !hyphen:
			// a vowel sign or accent of the letter before: part of it
		case unicode.Is(unicode.Mn, c):
			continue // an accent of a Latin letter
		default:
			other = false
			c, _ = utf8.DecodeRuneInString(norm.NFD.String(string(c))) // é is e and an accent
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				hyphen = true
				continue
			}
		}
		n := utf8.RuneLen(c)
		if hyphen && b.Len() > 0 {
			n++
		}
		if b.Len()+n > MaxSlug {
			break
		}
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteRune(c)
		if b.Len() >= MaxSlug-1 {
			break
		}
	}
	return norm.NFC.String(b.String())
}

// otherLetter reports whether r is a letter or digit of a script other
// than Latin, which a slug keeps as it is.
func otherLetter(r rune) bool {
	return r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) && !unicode.Is(unicode.Latin, r)
}

func isMark(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me) }

// NumberedSlug is base with "-n" after it, cut so that the whole stays
// within MaxSlug: between characters, never inside one, and never
// leaving a hyphen before the number's.
func NumberedSlug(base string, n int) string {
	suffix := "-" + strconv.Itoa(n)
	cut := min(len(base), MaxSlug-len(suffix))
	for cut > 0 && cut < len(base) && !utf8.RuneStart(base[cut]) {
		cut--
	}
	return strings.TrimRight(base[:cut], "-") + suffix
}
